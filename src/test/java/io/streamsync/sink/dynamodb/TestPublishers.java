package io.streamsync.sink.dynamodb;

import io.streamsync.aws.AwsSettings;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.OperatorIds;
import io.streamsync.sink.rejections.RejectionLog;
import org.apache.flink.metrics.MetricGroup;

/**
 * Builds the aggregate-table publisher of a test from a configuration, as the job's sink does (its
 * defaults are the configuration's), instead of a test-only constructor in the main code.
 */
final class TestPublishers {
    private TestPublishers() {}

    static AggregateTablePublisher aggregateTable(JobConfig config, MetricGroup metrics) {
        return new AggregateTablePublisher(
                AwsSettings.of(config).dynamoDbAsync(),
                config.aggregateTable,
                config.aggregateTableKey,
                config.dynamoMaxBatchSize * config.dynamoMaxInFlight,
                config.commitRetryTimeout,
                new RejectionLog(config.deadLetterPath, OperatorIds.AGGREGATE_TABLE_SINK.uid(), 0),
                metrics);
    }
}

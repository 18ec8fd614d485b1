package io.streamsync.sink.dynamodb;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.aws.AwsSettings;
import io.streamsync.config.JobConfig;
import java.util.List;
import org.apache.flink.connector.dynamodb.sink.DynamoDbSink;

/**
 * The aggregate table writer: Flink's {@link DynamoDbSink} (BatchWriteItem PUTs), flushed on every
 * checkpoint. Writes of one list within a batch are collapsed to the newest.
 */
public final class AggregateTableSink {
    private AggregateTableSink() {}

    public static DynamoDbSink<ListAggregate> create(JobConfig c) {
        return DynamoDbSink.<ListAggregate>builder()
                .setTableName(c.aggregateTable)
                .setElementConverter(new AggregateItemConverter(c.aggregateTableKey))
                .setOverwriteByPartitionKeys(List.of(c.aggregateTableKey))
                .setDynamoDbProperties(AwsSettings.connectorProperties(c))
                .setMaxBatchSize(c.dynamoMaxBatchSize)
                .setMaxInFlightRequests(c.dynamoMaxInFlight)
                .setMaxBufferedRequests(Math.max(1000, c.dynamoMaxBatchSize * 40))
                .setMaxTimeInBufferMS(c.dynamoMaxBufferTime.toMillis())
                .setFailOnError(true)
                .build();
    }
}

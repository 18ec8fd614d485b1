package io.streamsync.source;

import io.streamsync.aws.AwsSettings;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.OperatorIds;
import java.util.List;
import java.util.Properties;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.connectors.kinesis.FlinkDynamoDBStreamsConsumer;

/**
 * Reads a DynamoDB table's change stream with {@link FlinkDynamoDBStreamsConsumer}. Shard positions are
 * part of Flink's checkpoints, so a restored job resumes after the last record of its checkpoint (records
 * after it are read again and recognised by the aggregation as already applied or not).
 */
public final class DynamoDbStreamsSource implements RecordSource {
    private final JobConfig config;
    private final String streamArn;

    public DynamoDbStreamsSource(JobConfig config, String streamArn) {
        this.config = config;
        this.streamArn = streamArn;
    }

    /** The consumer's properties: AWS settings plus start position and polling. */
    public static Properties consumerProperties(JobConfig c) {
        Properties p = AwsSettings.connectorProperties(c);
        p.setProperty("flink.stream.initpos", c.initialPosition.name());
        p.setProperty("flink.shard.getrecords.intervalmillis", Long.toString(c.pollInterval.toMillis()));
        p.setProperty("flink.shard.discovery.intervalmillis", Long.toString(c.shardDiscoveryInterval.toMillis()));
        return p;
    }

    @Override
    public DataStream<RawRecord> create(StreamExecutionEnvironment env) {
        FlinkDynamoDBStreamsConsumer<RawRecord> consumer =
                new FlinkDynamoDBStreamsConsumer<>(List.of(streamArn), new RawRecordDeserializationSchema(), consumerProperties(config));
        return env.addSource(consumer, OperatorIds.SOURCE.displayName())
                .uid(OperatorIds.SOURCE.uid())
                .name(OperatorIds.SOURCE.displayName());
    }
}

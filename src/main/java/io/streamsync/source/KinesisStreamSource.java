package io.streamsync.source;

import io.streamsync.aws.AwsSettings;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.OperatorIds;
import java.util.Properties;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.connectors.kinesis.FlinkKinesisConsumer;

/**
 * Reads DynamoDB change records from the Kinesis data stream a table streams to (Kinesis Data Streams for
 * DynamoDB), with {@link FlinkKinesisConsumer}: polling by default, enhanced fan-out when configured.
 * Shard positions are in Flink's checkpoints. Its records have no DynamoDB sequence number: the parse
 * operator orders them by their creation time (see {@code change/KinesisOrdering}).
 */
public final class KinesisStreamSource implements RecordSource {
    private final JobConfig config;

    public KinesisStreamSource(JobConfig config) {
        this.config = config;
    }

    /** The consumer's properties: AWS settings, endpoint, start position, polling or enhanced fan-out. */
    public static Properties consumerProperties(JobConfig c) {
        Properties p = AwsSettings.connectorProperties(c);
        p.remove("aws.endpoint"); // that one is DynamoDB's
        if (c.kinesisEndpoint != null) {
            p.setProperty("aws.endpoint", c.kinesisEndpoint.toString());
        }
        p.setProperty("flink.stream.initpos", c.initialPosition.name());
        p.setProperty("flink.shard.getrecords.intervalmillis", Long.toString(c.pollInterval.toMillis()));
        p.setProperty("flink.shard.discovery.intervalmillis", Long.toString(c.shardDiscoveryInterval.toMillis()));
        if (c.kinesisEnhancedFanOut) {
            p.setProperty("flink.stream.recordpublisher", "EFO");
            p.setProperty("flink.stream.efo.consumername", c.kinesisEfoConsumer);
        } else {
            p.setProperty("flink.stream.recordpublisher", "POLLING");
        }
        return p;
    }

    @Override
    public DataStream<RawRecord> create(StreamExecutionEnvironment env) {
        FlinkKinesisConsumer<RawRecord> consumer =
                new FlinkKinesisConsumer<>(config.kinesisStream, new RawRecordDeserializationSchema(), consumerProperties(config));
        return env.addSource(consumer, OperatorIds.KINESIS_SOURCE.displayName())
                .uid(OperatorIds.KINESIS_SOURCE.uid())
                .name(OperatorIds.KINESIS_SOURCE.displayName());
    }
}

package io.streamsync.bench.legacy;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.OperatorIds;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import java.util.Properties;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.connectors.kinesis.FlinkKinesisConsumer;

/**
 * The 0.1.0 Kinesis source ({@link FlinkKinesisConsumer}, polling). Not part of the job any more: kept only
 * as a baseline of the source benchmark, until its figures are recorded.
 */
public final class LegacyKinesisStreamSource implements RecordSource {
    private final JobConfig config;

    public LegacyKinesisStreamSource(JobConfig config) {
        this.config = config;
    }

    /** The consumer's properties: AWS settings, endpoint, start position, polling or enhanced fan-out. */
    public static Properties consumerProperties(JobConfig c) {
        Properties p = LegacyDynamoDbStreamsSource.connectorProperties(c);
        p.remove("aws.endpoint"); // that one is DynamoDB's
        if (c.kinesisEndpoint != null) {
            p.setProperty("aws.endpoint", c.kinesisEndpoint.toString());
        }
        p.setProperty("flink.stream.initpos", c.initialPosition.name());
        p.setProperty("flink.shard.getrecords.intervalmillis", Long.toString(c.pollInterval.toMillis()));
        p.setProperty("flink.shard.discovery.intervalmillis", Long.toString(c.shardDiscoveryInterval.toMillis()));
        p.setProperty("flink.stream.recordpublisher", "POLLING");
        return p;
    }

    @Override
    public DataStream<RawRecord> create(StreamExecutionEnvironment env) {
        FlinkKinesisConsumer<RawRecord> consumer =
                new FlinkKinesisConsumer<>(config.kinesisStream, new LegacyRawRecordDeserializationSchema(), consumerProperties(config));
        return env.addSource(consumer, OperatorIds.LEGACY_KINESIS_SOURCE.displayName())
                .uid(OperatorIds.LEGACY_KINESIS_SOURCE.uid())
                .name(OperatorIds.LEGACY_KINESIS_SOURCE.displayName());
    }
}

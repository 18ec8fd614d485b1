package io.streamsync.bench.legacy;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.OperatorIds;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import java.util.List;
import java.util.Properties;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.connectors.kinesis.FlinkDynamoDBStreamsConsumer;

/**
 * The 0.1.0 source: a DynamoDB table's change stream read with flink-connector-kinesis'
 * {@link FlinkDynamoDBStreamsConsumer} (a SourceFunction, AWS SDK v1). Not part of the job any more: kept
 * only as baseline (b) of the source benchmark, until its figures are recorded.
 */
public final class LegacyDynamoDbStreamsSource implements RecordSource {
    private final JobConfig config;
    private final String streamArn;

    public LegacyDynamoDbStreamsSource(JobConfig config, String streamArn) {
        this.config = config;
        this.streamArn = streamArn;
    }

    /** AWS settings as the legacy connector's property keys. */
    public static Properties connectorProperties(JobConfig c) {
        Properties p = new Properties();
        p.setProperty("aws.region", c.awsRegion);
        if (c.awsEndpoint != null) {
            p.setProperty("aws.endpoint", c.awsEndpoint.toString());
        }
        if (c.credentialsProvider == JobConfig.CredentialsProvider.BASIC) {
            p.setProperty("aws.credentials.provider", "BASIC");
            p.setProperty("aws.credentials.provider.basic.accesskeyid", c.accessKeyId);
            p.setProperty("aws.credentials.provider.basic.secretkey", c.secretAccessKey);
        } else {
            p.setProperty("aws.credentials.provider", "AUTO");
        }
        return p;
    }

    /** The consumer's properties: AWS settings plus start position and polling. */
    public static Properties consumerProperties(JobConfig c) {
        Properties p = connectorProperties(c);
        p.setProperty("flink.stream.initpos", c.initialPosition.name());
        p.setProperty("flink.shard.getrecords.intervalmillis", Long.toString(c.pollInterval.toMillis()));
        p.setProperty("flink.shard.discovery.intervalmillis", Long.toString(c.shardDiscoveryInterval.toMillis()));
        return p;
    }

    @Override
    public DataStream<RawRecord> create(StreamExecutionEnvironment env) {
        FlinkDynamoDBStreamsConsumer<RawRecord> consumer =
                new FlinkDynamoDBStreamsConsumer<>(List.of(streamArn), new LegacyRawRecordDeserializationSchema(), consumerProperties(config));
        return env.addSource(consumer, OperatorIds.LEGACY_SOURCE.displayName())
                .uid(OperatorIds.LEGACY_SOURCE.uid())
                .name(OperatorIds.LEGACY_SOURCE.displayName());
    }
}

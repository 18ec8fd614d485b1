package io.streamsync.source;

import io.streamsync.config.JobConfig;
import io.streamsync.source.scan.TableScanSource;

/** The job's record sources as configured: the change stream, plus the table scan when bootstrapping. */
public final class RecordSources {
    private RecordSources() {}

    /** The stream source (DynamoDB Streams, or Kinesis when {@code source.type} is kinesis), united with the bootstrap scan of the table when {@code bootstrap.mode} is scan. */
    public static RecordSource fromConfig(JobConfig c, String streamArn) {
        RecordSource stream = c.isKinesis() ? new KinesisStreamSource(c) : new DynamoDbStreamsSource(c, streamArn);
        return c.bootstrapMode == JobConfig.BootstrapMode.SCAN ? union(stream, new TableScanSource(c, c.sourceTable())) : stream;
    }

    /** Both sources' records in one stream (no order between them: the aggregation does not need one). */
    public static RecordSource union(RecordSource a, RecordSource b) {
        return env -> a.create(env).union(b.create(env));
    }
}

package io.streamsync.pipeline;

import io.streamsync.config.JobConfig;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import io.streamsync.source.scan.TableScanSettings;
import io.streamsync.source.scan.TableScanSource;
import io.streamsync.source.shards.ChangeStreamSource;
import io.streamsync.source.shards.ShardSourceSettings;
import io.streamsync.source.stream.StreamEndpoint;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The job's record sources as configured: the change stream, plus the table scan when
 * bootstrapping.
 */
public final class RecordSources {
    private RecordSources() {}

    /**
     * The stream source (DynamoDB Streams, or Kinesis when {@code source.type} is kinesis), united
     * with the bootstrap scan of the table when {@code bootstrap.mode} is scan.
     */
    public static RecordSource fromConfig(JobConfig c, String streamArn) {
        RecordSource stream = changeStream(c, streamArn);
        return c.bootstrapMode == JobConfig.BootstrapMode.SCAN
                ? union(stream, bootstrapScan(c))
                : stream;
    }

    /**
     * The bootstrap scan of the source table ({@link #bootstrapScan(JobConfig, String)} of {@link
     * JobConfig#sourceTable()}).
     */
    public static RecordSource bootstrapScan(JobConfig c) {
        return bootstrapScan(c, c.sourceTable());
    }

    /**
     * The bootstrap scan of {@code tableName}. Its uid is {@code bootstrap-table-scan}, with the
     * {@code bootstrap.scan.id} appended unless it is 1: a new id is a new operator, without state,
     * that scans again.
     */
    public static RecordSource bootstrapScan(JobConfig c, String tableName) {
        TableScanSource scan = new TableScanSource(TableScanSettings.fromConfig(c, tableName));
        String uid = bootstrapScanUid(c.bootstrapScanId);
        return env ->
                env.fromSource(
                                scan,
                                TableScanSource.idle(),
                                OperatorIds.BOOTSTRAP_SCAN.displayName(),
                                Types.POJO(RawRecord.class))
                        .uid(uid)
                        .name(OperatorIds.BOOTSTRAP_SCAN.displayName());
    }

    /** The bootstrap scan's operator uid for a {@code bootstrap.scan.id}. */
    static String bootstrapScanUid(String scanId) {
        return "1".equals(scanId)
                ? OperatorIds.BOOTSTRAP_SCAN.uid()
                : OperatorIds.BOOTSTRAP_SCAN.uid() + "-" + scanId;
    }

    /**
     * The change-stream source: the DynamoDB stream {@code streamArn}, or the configured Kinesis
     * stream.
     */
    public static RecordSource changeStream(JobConfig c, String streamArn) {
        StreamEndpoint endpoint =
                c.isKinesis()
                        ? StreamEndpoint.kinesis(c)
                        : StreamEndpoint.dynamoDbStreams(c, streamArn);
        return changeStream(ShardSourceSettings.fromConfig(c, endpoint));
    }

    /** The change-stream source with the given settings (tests and benchmarks adjust them). */
    public static RecordSource changeStream(ShardSourceSettings settings) {
        OperatorIds id =
                settings.endpoint.service == StreamEndpoint.Service.KINESIS
                        ? OperatorIds.KINESIS_SOURCE
                        : OperatorIds.SOURCE;
        return env ->
                env.fromSource(
                                new ChangeStreamSource(settings),
                                io.streamsync.source.shards.ShardWatermarks.strategy(),
                                id.displayName(),
                                Types.POJO(RawRecord.class))
                        .uid(id.uid())
                        .name(id.displayName());
    }

    /**
     * Both sources' records in one stream (no order between them: the aggregation does not need
     * one).
     */
    public static RecordSource union(RecordSource a, RecordSource b) {
        return env -> a.create(env).union(b.create(env));
    }
}

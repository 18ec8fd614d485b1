package io.streamsync.source.scan;

import io.streamsync.source.RawRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The bootstrap: a parallel Scan of the source table, as a bounded Flink source whose items join
 * the change stream in the same per-list state (as SNAPSHOT records, see {@link ScannedItems}).
 *
 * <p>The table is cut into {@code bootstrap.scan.segments} Scan segments, handed out one at a time
 * to the readers that ask (so fast readers take more). A reader's position in its segment (the next
 * page's ExclusiveStartKey) is its checkpointed state, the segments not yet handed out are the
 * enumerator's: a restarted job resumes every segment at the page after its checkpoint, and a job
 * restored after the scan ended has nothing left to scan. Only a job without state for this
 * operator (its first start, or a new {@code bootstrap.scan.id}) scans the table.
 */
public final class TableScanSource
        implements Source<RawRecord, TableScanSplit, TableScanEnumeratorState> {
    private static final long serialVersionUID = 1L;

    private final TableScanSettings config;
    private final String tableName;

    /**
     * The scan as configured. The pipeline adds it to the job with {@link #idle()} watermarks and
     * its uid (a new {@code bootstrap.scan.id} is a new operator, without state, that scans again).
     */
    public TableScanSource(TableScanSettings config) {
        this.config = config;
        this.tableName = config.tableName;
    }

    /**
     * The scan holds no event time: its items are no activity of any window. Its output is idle
     * from the first periodic emission on, so the change stream's watermark is not held back while
     * the scan runs.
     */
    public static WatermarkStrategy<RawRecord> idle() {
        return WatermarkStrategy.forGenerator(
                context ->
                        new org.apache.flink.api.common.eventtime.WatermarkGenerator<RawRecord>() {
                            @Override
                            public void onEvent(
                                    RawRecord event,
                                    long eventTimestamp,
                                    org.apache.flink.api.common.eventtime.WatermarkOutput output) {}

                            @Override
                            public void onPeriodicEmit(
                                    org.apache.flink.api.common.eventtime.WatermarkOutput output) {
                                output.markIdle();
                            }
                        });
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<RawRecord, TableScanSplit> createReader(SourceReaderContext context) {
        return new TableScanReader(context, config, tableName);
    }

    @Override
    public SplitEnumerator<TableScanSplit, TableScanEnumeratorState> createEnumerator(
            SplitEnumeratorContext<TableScanSplit> context) {
        int segments =
                config.bootstrapScanSegments > 0
                        ? config.bootstrapScanSegments
                        : Math.max(1, 4 * context.currentParallelism());
        List<TableScanSplit> all = new ArrayList<>(segments);
        for (int s = 0; s < segments; s++) {
            all.add(TableScanSplit.unread(s, segments));
        }
        return new TableScanEnumerator(
                context,
                config,
                tableName,
                new TableScanEnumeratorState(all, segments, 0, 0, System.currentTimeMillis()),
                false);
    }

    @Override
    public SplitEnumerator<TableScanSplit, TableScanEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<TableScanSplit> context, TableScanEnumeratorState state) {
        return new TableScanEnumerator(context, config, tableName, state, true);
    }

    @Override
    public SimpleVersionedSerializer<TableScanSplit> getSplitSerializer() {
        return new TableScanSerializers.Split();
    }

    @Override
    public SimpleVersionedSerializer<TableScanEnumeratorState> getEnumeratorCheckpointSerializer() {
        return new TableScanSerializers.EnumeratorState();
    }
}

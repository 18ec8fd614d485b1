package io.streamsync.source.repair;

import io.streamsync.change.ChangeEvent;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The repair source (issue 30): carries out the configured {@code repair.request} once, reading
 * each list it names (or each drifted list of a report) from the source table and the item index,
 * and emits one {@link io.streamsync.change.ChangeType#REPAIR} record per list into the
 * aggregation, which merges it when the watermark has passed the read (see {@code RepairMerge}). It
 * only reads: the job's sinks stay the only writers.
 *
 * <p>In the job only while {@code repair.request} is set ({@code StreamSyncPipeline.withRepairs}):
 * leave the last request in place once it is done (the source then idles, its state keeps the ids
 * taken on); setting the key back to {@code none} removes the source, and a restore then needs
 * {@code --allowNonRestoredState}. Unbounded and idle: it holds no event time.
 */
public final class RepairSource implements Source<ChangeEvent, RepairSplit, RepairEnumeratorState> {
    private static final long serialVersionUID = 1L;

    private final RepairSettings settings;
    private final ListDocuments documents;

    public RepairSource(RepairSettings settings, ListDocuments documents) {
        this.settings = settings;
        this.documents = documents;
    }

    /** The source's output is idle: it never holds back the change stream's watermark. */
    public static WatermarkStrategy<ChangeEvent> idle() {
        return WatermarkStrategy.forGenerator(
                context ->
                        new WatermarkGenerator<ChangeEvent>() {
                            @Override
                            public void onEvent(
                                    ChangeEvent event, long eventTimestamp, WatermarkOutput out) {}

                            @Override
                            public void onPeriodicEmit(WatermarkOutput out) {
                                out.markIdle();
                            }
                        });
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<ChangeEvent, RepairSplit> createReader(SourceReaderContext context) {
        return new RepairReader(context, settings, documents);
    }

    @Override
    public SplitEnumerator<RepairSplit, RepairEnumeratorState> createEnumerator(
            SplitEnumeratorContext<RepairSplit> context) {
        return new RepairEnumerator(
                context, settings, new RepairEnumeratorState(Set.of(), List.of()));
    }

    @Override
    public SplitEnumerator<RepairSplit, RepairEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<RepairSplit> context, RepairEnumeratorState state) {
        return new RepairEnumerator(context, settings, state);
    }

    @Override
    public SimpleVersionedSerializer<RepairSplit> getSplitSerializer() {
        return new RepairSerializers.Split();
    }

    @Override
    public SimpleVersionedSerializer<RepairEnumeratorState> getEnumeratorCheckpointSerializer() {
        return new RepairSerializers.EnumeratorState();
    }
}

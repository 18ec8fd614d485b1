package io.streamsync.aggregate;

import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.graph.StreamConfig;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.StreamTask;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;

/**
 * Runs the {@link ListAggregator} like Flink's {@code KeyedProcessOperator} (same keyed state, same
 * timer service, so the operator's uid and every savepoint stay as they were) and holds its output
 * watermark at the earliest creation time of a change it applied but has not emitted yet (a live
 * aggregate is emitted up to one window size of processing time after its first change, see {@link
 * Retention}). A watermark W leaving the aggregation therefore says: every change created before W
 * (that the source's watermark did not let through late) is in a live aggregate emitted before W.
 * The sinks take the watermark at each checkpoint as how far that checkpoint has caught up (see
 * {@link io.streamsync.sink.commit.CheckpointCommittingSink}). Nothing downstream of the
 * aggregation runs on event time, so the hold delays nothing else.
 *
 * <p>After a restore the times of the changes pending at the checkpoint are not known: every list
 * restored with an armed emission holds the watermark until it is emitted.
 */
public final class WatermarkHoldingOperator
        extends KeyedProcessOperator<String, io.streamsync.change.ChangeEvent, ListAggregate> {
    private static final long serialVersionUID = 1L;

    private transient WatermarkHold hold;
    private transient PendingEmissions pending;
    private transient Output<StreamRecord<ListAggregate>> downstream;

    public WatermarkHoldingOperator(ListAggregator aggregator) {
        super(aggregator);
    }

    @Override
    protected void setup(
            StreamTask<?, ?> containingTask,
            StreamConfig config,
            Output<StreamRecord<ListAggregate>> output) {
        downstream = output;
        hold = new WatermarkHold();
        super.setup(containingTask, config, new HoldingOutput());
    }

    @Override
    public void open() throws Exception {
        super.open();
        pending = ((ListAggregator) userFunction).pendingEmissions();
        // lists restored with an armed emission: the creation times of their pending changes are
        // not
        // in the checkpoint
        this.<String>getKeyedStateBackend()
                .applyToAllKeys(
                        VoidNamespace.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE,
                        AggregateState.meta(),
                        (list, state) -> {
                            ListMeta meta = state.value();
                            if (meta != null && meta.emitTimer != Long.MIN_VALUE) {
                                pending.applied(list, Long.MIN_VALUE);
                            }
                        });
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        super.onProcessingTime(timer);
        release();
    }

    private void release() {
        long w = hold.next(pending.earliest());
        if (w != WatermarkHold.NONE) {
            downstream.emitWatermark(new Watermark(w));
        }
        if (hold.releaseIdle(pending.isEmpty())) {
            downstream.emitWatermarkStatus(WatermarkStatus.IDLE);
        }
    }

    /** Passes everything on but watermarks, which it holds, and idle signals while held. */
    private final class HoldingOutput implements Output<StreamRecord<ListAggregate>> {
        @Override
        public void emitWatermark(Watermark mark) {
            long earliest = pending == null ? Long.MAX_VALUE : pending.earliest();
            long w = hold.input(mark.getTimestamp(), earliest);
            if (w != WatermarkHold.NONE) {
                downstream.emitWatermark(new Watermark(w));
            }
        }

        @Override
        public void emitWatermarkStatus(WatermarkStatus status) {
            boolean pendingEmpty = pending == null || pending.isEmpty();
            if (status.isIdle()) {
                if (hold.idle(pendingEmpty)) {
                    downstream.emitWatermarkStatus(status);
                }
            } else if (hold.active()) {
                downstream.emitWatermarkStatus(status);
            }
        }

        @Override
        public <X> void collect(OutputTag<X> outputTag, StreamRecord<X> record) {
            downstream.collect(outputTag, record);
        }

        @Override
        public void emitLatencyMarker(LatencyMarker latencyMarker) {
            downstream.emitLatencyMarker(latencyMarker);
        }

        @Override
        public void emitRecordAttributes(RecordAttributes recordAttributes) {
            downstream.emitRecordAttributes(recordAttributes);
        }

        @Override
        public void emitWatermark(org.apache.flink.runtime.event.WatermarkEvent watermark) {
            downstream.emitWatermark(watermark);
        }

        @Override
        public void collect(StreamRecord<ListAggregate> record) {
            downstream.collect(record);
        }

        @Override
        public void close() {
            downstream.close();
        }
    }
}

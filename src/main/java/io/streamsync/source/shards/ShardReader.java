package io.streamsync.source.shards;

import io.streamsync.source.RawRecord;
import io.streamsync.source.stream.StartPosition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Reads the shards assigned to one source subtask (GetRecords in {@link ShardSplitReader}, on one
 * fetcher thread) and keeps their positions for checkpoints.
 *
 * <p>A shard read to its end is reported to the enumerator, and it stays in this reader's
 * checkpoints, marked finished, until the enumerator has confirmed it and a checkpoint after that
 * confirmation has completed. So a restore never loses the report (which would leave its children
 * unread), whether the checkpoint fell before or after the report reached the enumerator: restored
 * finished shards are reported again, and the enumerator takes a repeated report as a no-op.
 */
final class ShardReader
        extends SingleThreadMultiplexSourceReaderBase<
                RawRecord, RawRecord, ShardSplit, ShardSplitState> {
    /**
     * Finished shards not yet known to be in an enumerator checkpoint, with their last position.
     */
    private final Map<String, ShardSplit> finishedUnconfirmed = new LinkedHashMap<>();

    /**
     * Confirmed by the enumerator: dropped when the checkpoint taken after the confirmation
     * completes.
     */
    private final Map<String, Long> confirmedDropAt = new LinkedHashMap<>();

    ShardReader(
            Supplier<SplitReader<RawRecord, ShardSplit>> splitReader,
            Histogram latency,
            Configuration config,
            SourceReaderContext context) {
        this(splitReader, new Emitter(latency, 2000, 3000), config, context);
    }

    ShardReader(
            Supplier<SplitReader<RawRecord, ShardSplit>> splitReader,
            Emitter emitter,
            Configuration config,
            SourceReaderContext context) {
        super(splitReader, emitter, config, context);
        this.emitter = emitter;
    }

    private final Emitter emitter;

    /**
     * The enumerator said there is nothing for this reader: marked idle at the next poll if it has
     * no shard.
     */
    private boolean idleRequested;

    private java.util.concurrent.CompletableFuture<Void> idleSignal =
            new java.util.concurrent.CompletableFuture<>();

    @Override
    public org.apache.flink.core.io.InputStatus pollNext(
            org.apache.flink.api.connector.source.ReaderOutput<RawRecord> output) throws Exception {
        if (!settled.isEmpty()) {
            for (String id : settled) {
                if (holding.remove(id)) {
                    release(output, id);
                    released(id);
                }
            }
            settled.clear();
        }
        if (idleRequested) {
            idleRequested = false;
            if (getNumberOfCurrentlyAssignedSplits() == 0) {
                // no children are expected for any shard it finished: nothing left to wait for
                holding.forEach(
                        id -> {
                            release(output, id);
                            released(id);
                        });
                holding.clear();
                output.markIdle(); // a shard's first watermark makes the reader active again
            }
        }
        if (!restoredWatermarks.isEmpty()) {
            restoredWatermarks.forEach(
                    (id, watermark) -> {
                        if (holding.contains(id)) {
                            output.createOutputForSplit(id)
                                    .emitWatermark(
                                            new org.apache.flink.api.common.eventtime.Watermark(
                                                    watermark));
                        }
                    });
            restoredWatermarks.clear();
        }
        if (holdingOutput == null || holdingOutput.main != output) {
            holdingOutput = new HoldingOutput(output);
        }
        return super.pollNext(holdingOutput);
    }

    /**
     * A held shard let go: if confirmed, it leaves the checkpoints once a checkpoint taken after
     * this (so after its children's assignment, which came first) is complete.
     */
    private void released(String id) {
        if (confirmedDropAt.containsKey(id)) {
            confirmedDropAt.put(id, Long.MAX_VALUE);
        }
    }

    private static void release(
            org.apache.flink.api.connector.source.ReaderOutput<RawRecord> output, String id) {
        output.createOutputForSplit(id); // the operator made one for every restored split; no-op
        output.releaseOutputForSplit(id);
    }

    /**
     * Finished shards whose split output this reader keeps, at the shard's last watermark, until
     * the enumerator says their children are handed out or none is expected ({@link
     * ShardEvents.ChildrenSettled}): a shard finished here, whose output Flink's reader base would
     * release at its end, and a finished shard restored from a checkpoint (its output, made by the
     * source operator at restore, is held at the shard's last record's event time minus the
     * out-of-orderness, see {@link #restoredWatermarks}). A held shard stays in this reader's
     * checkpoints, even once confirmed, until it is let go.
     *
     * <p>Why: the children of a shard come to the reader that finished it. While they are not
     * handed out yet, the reader's watermark must not pass the parent's: released, the parent would
     * hold no one back, and another shard of the same reader (another lineage: at parallelism 1 one
     * reader holds them all) could move the watermark on, seconds ahead during a catch-up, so the
     * children's first records would come late. A child's output is made by the source operator
     * when the child is added, before the enumerator's event arrives, so the parent is released
     * only when the child holds the reader back itself. The same rule keeps a reader left without
     * shards from being told idle (see {@link ShardEnumerator}).
     */
    private final java.util.Set<String> holding = new java.util.LinkedHashSet<>();

    /**
     * Restored finished shards and the watermark their outputs hold the reader at until settled:
     * the last record's event time minus the out-of-orderness (the split keeps no more; a split
     * without a last record time stays at the lowest). Emitted at the first poll.
     */
    private final Map<String, Long> restoredWatermarks = new LinkedHashMap<>();

    /** Of the shards held, those the enumerator said may go (released at the next poll). */
    private final java.util.Set<String> settled = new java.util.LinkedHashSet<>();

    private HoldingOutput holdingOutput;

    /**
     * The output given to Flink's reader base: as the operator's, except that a finished shard's
     * output is kept ({@link #holding}) instead of released.
     */
    private final class HoldingOutput
            implements org.apache.flink.api.connector.source.ReaderOutput<RawRecord> {
        final org.apache.flink.api.connector.source.ReaderOutput<RawRecord> main;

        HoldingOutput(org.apache.flink.api.connector.source.ReaderOutput<RawRecord> main) {
            this.main = main;
        }

        @Override
        public void collect(RawRecord record) {
            main.collect(record);
        }

        @Override
        public void collect(RawRecord record, long timestamp) {
            main.collect(record, timestamp);
        }

        @Override
        public void emitWatermark(org.apache.flink.api.common.eventtime.Watermark watermark) {
            main.emitWatermark(watermark);
        }

        @Override
        public void markIdle() {
            main.markIdle();
        }

        @Override
        public void markActive() {
            main.markActive();
        }

        @Override
        public SourceOutput<RawRecord> createOutputForSplit(String splitId) {
            return main.createOutputForSplit(splitId);
        }

        @Override
        public void releaseOutputForSplit(String splitId) {
            holding.add(splitId); // see onSplitFinished: reported, released when settled
        }
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> isAvailable() {
        if (idleRequested) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        java.util.concurrent.CompletableFuture<Void> data = super.isAvailable();
        return data.isDone()
                ? data
                : java.util.concurrent.CompletableFuture.anyOf(data, idleSignal)
                        .thenApply(x -> null);
    }

    static ShardReader create(
            ShardSourceSettings settings, Configuration config, SourceReaderContext context) {
        Histogram latency =
                context.metricGroup()
                        .histogram(
                                "writeToReadLatencyMs", new DescriptiveStatisticsHistogram(1000));
        ShardReaderMetrics metrics = new ShardReaderMetrics(context.metricGroup(), latency);
        return new ShardReader(
                () -> new ShardSplitReader(settings, metrics),
                new Emitter(
                        latency,
                        settings.watermarkOutOfOrderness.toMillis(),
                        settings.watermarkHeadDelay.toMillis()),
                config,
                context);
    }

    /**
     * Unfinished shards this reader was given (restored or assigned), for {@link
     * ShardEvents.ReaderStarted}.
     */
    private final java.util.Set<String> reading = new java.util.LinkedHashSet<>();

    private boolean started;

    @Override
    public void start() {
        super.start();
        started = true;
        // the enumerator may have taken some of these as finished (a regional failover: it was not
        // restored)
        context.sendSourceEventToCoordinator(
                new ShardEvents.ReaderStarted(new ArrayList<>(reading)));
    }

    @Override
    public void addSplits(List<ShardSplit> splits) {
        List<ShardSplit> toRead = new ArrayList<>();
        List<String> alreadyFinished = new ArrayList<>();
        for (ShardSplit given : splits) {
            ShardSplit s = given;
            if (s.start.type == StartPosition.Type.LATEST && !s.finished) {
                // state of an earlier version: LATEST, resolved once to now (no LATEST iterator is
                // ever asked for)
                s =
                        new ShardSplit(
                                s.shardId,
                                StartPosition.atTimestamp(System.currentTimeMillis()),
                                false,
                                s.lastRecordMillis,
                                s.gap);
            }
            if (s.finished) {
                finishedUnconfirmed.put(s.shardId, s);
                alreadyFinished.add(s.shardId);
                holding.add(s.shardId); // Flink's source operator made a split output for it
                long watermark = emitter.restoredWatermark(s.lastRecordMillis);
                if (watermark > Long.MIN_VALUE) {
                    restoredWatermarks.put(s.shardId, watermark);
                }
            } else {
                // read again (its output is the new split's now, never to be released for the old)
                holding.remove(s.shardId);
                settled.remove(s.shardId);
                restoredWatermarks.remove(s.shardId);
                toRead.add(s);
                if (!started) {
                    reading.add(s.shardId);
                }
            }
        }
        if (!alreadyFinished.isEmpty()) {
            context.sendSourceEventToCoordinator(new ShardEvents.ShardsFinished(alreadyFinished));
        }
        if (!toRead.isEmpty()) {
            super.addSplits(toRead);
        }
    }

    @Override
    protected void onSplitFinished(Map<String, ShardSplitState> finished) {
        List<String> ids = new ArrayList<>();
        finished.forEach(
                (id, state) -> {
                    emitter.superseded.remove(id);
                    finishedUnconfirmed.put(id, state.toSplit().asFinished());
                    ids.add(id);
                });
        context.sendSourceEventToCoordinator(new ShardEvents.ShardsFinished(ids));
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        if (event instanceof ShardEvents.FinishedRecorded) {
            for (String id : ((ShardEvents.FinishedRecorded) event).shardIds) {
                if (finishedUnconfirmed.containsKey(id)) {
                    confirmedDropAt.putIfAbsent(id, Long.MAX_VALUE);
                }
            }
        } else if (event instanceof ShardEvents.ChildrenSettled) {
            settled.addAll(((ShardEvents.ChildrenSettled) event).shardIds);
        } else if (event instanceof ShardEvents.ShardsSuperseded) {
            emitter.superseded.addAll(((ShardEvents.ShardsSuperseded) event).shardIds);
        } else if (event instanceof ShardEvents.NoShards) {
            if (getNumberOfCurrentlyAssignedSplits() == 0) {
                idleRequested = true;
                java.util.concurrent.CompletableFuture<Void> signal = idleSignal;
                idleSignal = new java.util.concurrent.CompletableFuture<>();
                signal.complete(null); // wakes the source operator, which then polls
            }
        } else {
            super.handleSourceEvents(event);
        }
    }

    @Override
    public List<ShardSplit> snapshotState(long checkpointId) {
        List<ShardSplit> state = new ArrayList<>(super.snapshotState(checkpointId));
        state.addAll(finishedUnconfirmed.values());
        // confirmed before this checkpoint: every later checkpoint's enumerator part (taken after
        // this) holds the
        // finish, so the shard is dropped once a later checkpoint is complete
        confirmedDropAt.replaceAll((id, at) -> at == Long.MAX_VALUE ? checkpointId : at);
        return state;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        confirmedDropAt
                .entrySet()
                .removeIf(
                        e -> {
                            // a shard still held stays: a reader restored from a later
                            // checkpoint must hold it again (the enumerator's holds are not
                            // checkpointed, and a failover drops them)
                            if (e.getValue() < checkpointId && !holding.contains(e.getKey())) {
                                finishedUnconfirmed.remove(e.getKey());
                                return true;
                            }
                            return false;
                        });
        super.notifyCheckpointComplete(checkpointId);
    }

    @Override
    protected ShardSplitState initializedState(ShardSplit split) {
        return new ShardSplitState(split);
    }

    @Override
    protected ShardSplit toSplitType(String splitId, ShardSplitState state) {
        return state.toSplit();
    }

    /**
     * Emits a record with its event time (ApproximateCreationDateTime, or Kinesis' arrival time)
     * and moves its shard's position past it; keeps the shard's watermark: its latest event time
     * minus the out-of-orderness, moved on to now minus the head delay (and the out-of-orderness)
     * when the shard is at its head (a {@link RawRecord#heartbeat}, never emitted). Each shard has
     * its own output, so the reader's watermark is the least of its shards'; a finished shard's
     * output is kept, at its last watermark, until its children are handed out (see {@code
     * ShardReader.holding}), and then released.
     */
    static final class Emitter implements RecordEmitter<RawRecord, RawRecord, ShardSplitState> {
        /**
         * Event times later than now plus this do not move a shard's watermark further (a clock
         * gone wrong).
         */
        static final long MAX_FUTURE_MS = 60_000;

        private final Histogram latency;
        private final long outOfOrderness;
        private final long headDelay;

        /**
         * Shards whose children are listed: an empty answer there is not the stream's head (no
         * heartbeats).
         */
        final java.util.Set<String> superseded = new java.util.HashSet<>();

        /** The clock (tests set their own). */
        java.util.function.LongSupplier clock = System::currentTimeMillis;

        Emitter(Histogram latency, long outOfOrdernessMillis, long headDelayMillis) {
            this.latency = latency;
            this.outOfOrderness = outOfOrdernessMillis;
            this.headDelay = headDelayMillis;
        }

        /**
         * The watermark a restored finished shard's output holds: its last record's event time
         * (kept in the split) minus the out-of-orderness; the lowest if the split has none.
         */
        long restoredWatermark(long lastRecordMillis) {
            if (lastRecordMillis <= 0) {
                return Long.MIN_VALUE;
            }
            return Math.min(lastRecordMillis, clock.getAsLong() + MAX_FUTURE_MS) - outOfOrderness;
        }

        private void advance(
                ShardSplitState state, long eventTime, SourceOutput<RawRecord> output) {
            long sane = Math.min(eventTime, clock.getAsLong() + MAX_FUTURE_MS);
            if (sane > state.maxEventTime) {
                state.maxEventTime = sane;
            }
            long watermark = state.maxEventTime - outOfOrderness;
            if (watermark > state.emittedWatermark) {
                state.emittedWatermark = watermark;
                output.emitWatermark(
                        new org.apache.flink.api.common.eventtime.Watermark(watermark));
            }
        }

        @Override
        public void emitRecord(
                RawRecord record, SourceOutput<RawRecord> output, ShardSplitState state) {
            if (record.isHeartbeat()) {
                if (!superseded.contains(state.shardId)) {
                    advance(state, record.arrivalTime - headDelay, output);
                }
                return;
            }
            if (record.gap != null) {
                state.position =
                        StartPosition.TRIM_HORIZON; // the reader went on from the trim horizon
                state.gap = null; // a gap the split carried is reported now
            } else if (record.sequenceNumber != null) {
                state.position = StartPosition.afterSequenceNumber(record.sequenceNumber);
                if (record.arrivalTime > 0) {
                    state.lastRecordMillis = record.arrivalTime;
                    latency.update(Math.max(0, System.currentTimeMillis() - record.arrivalTime));
                }
            }
            if (record.gap == null && record.arrivalTime > 0) {
                output.collect(record, record.arrivalTime);
                advance(state, record.arrivalTime, output);
            } else {
                output.collect(record);
            }
        }
    }
}

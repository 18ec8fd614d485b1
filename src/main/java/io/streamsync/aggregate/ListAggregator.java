package io.streamsync.aggregate;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.deadletter.DeadLetter;
import io.streamsync.metrics.CloudWatchMetrics;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keeps exact per-list aggregates from a stream of item changes keyed by list id: the live item
 * count, and the list's activity per event-time window. A thin operator: it wires keyed state,
 * timers and outputs to plain parts that unit tests drive without Flink:
 *
 * <ul>
 *   <li>{@link LiveCount}: the sequence guard and the live count (bootstrap-scan items, filters,
 *       TTL expiries);
 *   <li>{@link EventTimeWindows}: the windows, each change counted once, final once, late changes;
 *   <li>{@link Retention}: when the live aggregate is emitted, the clean-up of empty lists,
 *       tombstone pruning;
 *   <li>{@link LegacySavepoints}: the shim for savepoints of 0.1.0 and early 0.2.0 builds;
 *   <li>{@link AggregatorMetrics}: the counters.
 * </ul>
 *
 * The state (names, types, serializers) is {@link AggregateState}'s and the uid the pipeline's:
 * every golden savepoint restores.
 *
 * <p><b>Versions</b> ({@link Versions}): a list's version moves with every new state of the list (a
 * change applied moves its change clock to {@code max(clock + 1, creation time in µs + 1)}, the
 * version being the clock times 1,000; a window made final adds one), an item's with every change
 * of that item only. They depend on the data only (records, creation times, watermarks), never on a
 * clock or on when timers fire: a restored list goes on from the version of its checkpoint, and a
 * replay of the same records gives the same versions to the same states. What was computed after
 * that checkpoint and lost with the failure was never published (the sinks publish completed
 * checkpoints only, see {@link io.streamsync.sink.commit.CheckpointCommittingSink}), so the
 * versions it used are free again.
 */
public class ListAggregator extends KeyedProcessFunction<String, ChangeEvent, ListAggregate> {
    private static final long serialVersionUID = 2L;

    /** Side output of the item documents to index or delete. */
    public static final OutputTag<ItemUpdate> ITEM_UPDATES =
            new OutputTag<>("item-updates", Types.POJO(ItemUpdate.class));

    /** Side output of the final windows: one per list and window with activity. */
    public static final OutputTag<WindowAggregate> WINDOWS =
            new OutputTag<>("windows", Types.POJO(WindowAggregate.class));

    /** Side output of the changes later than the allowed lateness, as dead letters. */
    public static final OutputTag<DeadLetter> LATE_CHANGES =
            new OutputTag<>("late-changes", Types.POJO(DeadLetter.class));

    private final long windowSize;
    private final long allowedLateness;
    private final Duration tombstoneRetention;
    private final long emptyListRetention;
    private final boolean emitItemUpdates;
    private final boolean ttlExpiryRemoves;
    private final int deadLetterMaxBytes;
    private final String stage;

    private transient ValueState<ListMeta> metaState;
    private transient MapState<String, String> items;
    private transient MapState<String, String> tombstones;
    private transient MapState<Long, WindowCounts> openWindows;
    private transient MapState<String, Long> windowChanges;
    private transient ValueState<HeldRepair> heldRepair;
    private transient RepairMerge repairMerge;
    private transient org.apache.flink.metrics.Counter listsRepaired;
    private transient org.apache.flink.metrics.Counter repairsDropped;

    private transient AggregatorMetrics metrics;
    private transient LiveCount liveCount;
    private transient EventTimeWindows windows;
    private transient Retention retention;
    private transient ItemMarks marks;
    private transient WindowStore windowStore;
    private transient PendingEmissions pending;

    /** The operator with its settings (see {@link AggregationSettings}). */
    public ListAggregator(AggregationSettings settings) {
        this.ttlExpiryRemoves = settings.ttlExpiryRemoves;
        this.windowSize = settings.windowSize.toMillis();
        this.allowedLateness = settings.allowedLateness.toMillis();
        this.tombstoneRetention = settings.tombstoneRetention;
        this.emptyListRetention = settings.emptyListRetention.toMillis();
        this.emitItemUpdates = settings.emitItemUpdates;
        this.deadLetterMaxBytes = settings.deadLetterMaxBytes;
        this.stage = settings.stage;
    }

    @Override
    public void open(OpenContext openContext) {
        metaState = getRuntimeContext().getState(AggregateState.meta());
        items = getRuntimeContext().getMapState(AggregateState.items());
        tombstones = getRuntimeContext().getMapState(AggregateState.tombstones());
        openWindows = getRuntimeContext().getMapState(AggregateState.openWindows());
        windowChanges = getRuntimeContext().getMapState(AggregateState.windowChanges());
        metrics = new AggregatorMetrics(CloudWatchMetrics.of(getRuntimeContext().getMetricGroup()));
        liveCount = new LiveCount(ttlExpiryRemoves, tombstoneRetention.toMillis(), metrics);
        windows =
                new EventTimeWindows(windowSize, allowedLateness, ttlExpiryRemoves, stage, metrics);
        retention = new Retention(windowSize, tombstoneRetention.toMillis(), emptyListRetention);
        marks = new StateItemMarks();
        windowStore = new StateWindowStore();
        pending = new PendingEmissions();
        openRepair();
        // lists with a change applied and not emitted yet: 0 once every change is in an aggregate
        CloudWatchMetrics.of(getRuntimeContext().getMetricGroup())
                .gauge("listsAwaitingEmission", () -> pending.size());
    }

    /**
     * The lists with changes applied but not emitted yet (see {@link WatermarkHoldingOperator}).
     */
    PendingEmissions pendingEmissions() {
        return pending;
    }

    @Override
    public void processElement(ChangeEvent e, Context ctx, Collector<ListAggregate> out)
            throws Exception {
        if (e.type == ChangeType.REPAIR) {
            holdRepair(e, ctx);
            return;
        }
        metrics.countByType(e);
        Timers timers = timers(ctx);
        long now = ctx.timerService().currentProcessingTime();
        long watermark = ctx.timerService().currentWatermark();
        long eventTime = Versions.eventTime(e.approximateCreationTimeMillis, ctx.timestamp());
        ListMeta meta = LegacySavepoints.scaleVersion(metaState.value());
        if (LegacySavepoints.hasPendingWindow(meta)) {
            LegacySavepoints.adoptPendingWindow(meta, windowStore, windows, timers);
            metaState.update(meta);
        }
        long listNow = meta == null ? Versions.UNKNOWN : listNow(meta, watermark);

        boolean isNew = liveCount.isNew(e, marks, listNow);
        if (e.type != ChangeType.SNAPSHOT && !e.filteredOut) {
            if (meta == null) {
                meta = LegacySavepoints.newList();
            }
            if (Versions.known(eventTime)) {
                EventTimeWindows.Counted counted =
                        windows.count(e, eventTime, isNew, meta, watermark, windowStore);
                if (counted.openedWindowFinalAt != Long.MIN_VALUE) {
                    timers.registerEventTime(counted.openedWindowFinalAt);
                }
                if (counted.late()) {
                    ctx.output(
                            LATE_CHANGES,
                            windows.lateLetter(
                                    e,
                                    counted.lateWindowStart,
                                    Math.max(watermark, meta.finalWatermark),
                                    now,
                                    deadLetterMaxBytes));
                }
            } else if (isNew) {
                metrics.changesWithoutCreationTime.inc();
                ctx.output(LATE_CHANGES, windows.timelessLetter(e, now, deadLetterMaxBytes));
            }
            metaState.update(meta);
        }
        // a record without a creation time (a scanned item) is versioned at the event time the job
        // has reached:
        // for the list, its own time first (the same in a replay, whose watermark starts anew); for
        // the item,
        // the watermark first (every stream change of the item that comes after it is above the
        // watermark)
        long listTime = meta == null ? Versions.UNKNOWN : Versions.listTime(meta);
        long time = Versions.versionTime(eventTime, listTime, watermark);
        long itemTime = Versions.versionTime(eventTime, watermark, listTime);
        if (!isNew) {
            return;
        }
        if (liveCount.staysOut(e, marks, listNow, itemTime)) {
            if (meta == null) { // a list of items outside the filter only: its clean-up drops their
                // marks
                meta = LegacySavepoints.newList();
                meta.lastChangeTime = time;
                retention.armCleanUp(meta, timers);
            }
            retention.tombstoneWritten(meta, listNow(meta, watermark), itemTime, timers);
            metaState.update(meta);
            return;
        }
        if (meta == null) {
            meta = LegacySavepoints.newList();
        }
        retention.startsAgain(meta, eventTime);
        LiveCount.Applied applied = liveCount.apply(e, marks, meta, listNow, itemTime);
        meta.version = Versions.listChanged(meta.version, time);
        if (Versions.known(eventTime) || !Versions.known(meta.lastChangeTime)) {
            meta.lastChangeTime = Versions.known(time) ? time : Versions.UNKNOWN;
        }
        if (!Versions.known(meta.lastChangeTime)) {
            timers.registerEventTime(
                    Long.MIN_VALUE + 1); // dated at the first watermark, see onTimer
        }
        retention.changeApplied(meta, now, timers);
        pending.applied(ctx.getCurrentKey(), eventTime);
        if (e.type == ChangeType.REMOVE || e.filteredOut) {
            // a removed item's mark: walked at a later emission, and out of memory by event time
            retention.tombstoneWritten(meta, listNow(meta, watermark), itemTime, timers);
        }
        metaState.update(meta);

        if (emitItemUpdates && applied.output != LiveCount.ItemOutput.NONE) {
            boolean delete = applied.output == LiveCount.ItemOutput.DELETE;
            ctx.output(
                    ITEM_UPDATES,
                    new ItemUpdate(
                            e.itemKey,
                            e.partitionKey,
                            delete,
                            delete ? null : e.newImageJson,
                            applied.version));
        }
    }

    /** The list's event time for retention: its own changes' and the watermark's, never a clock. */
    private static long listNow(ListMeta meta, long watermark) {
        long own = Versions.listTime(meta);
        long w = Versions.known(watermark) ? watermark : Versions.UNKNOWN;
        return Math.max(own, w);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ListAggregate> out)
            throws Exception {
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            mergeHeldRepair(ctx, Math.max(timestamp, ctx.timerService().currentWatermark()));
        }
        ListMeta meta = LegacySavepoints.scaleVersion(metaState.value());
        if (meta == null) {
            return;
        }
        Timers timers = timers(ctx);
        if (LegacySavepoints.hasPendingWindow(meta)) {
            LegacySavepoints.adoptPendingWindow(meta, windowStore, windows, timers);
        }
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            long watermark = Math.max(timestamp, ctx.timerService().currentWatermark());
            if (!Versions.known(meta.lastChangeTime) && Versions.known(watermark)) {
                // a list known only from records without a time (the scan) before any watermark: it
                // is dated,
                // and its version moved, at the first event time the job reaches
                meta.version = Versions.listChanged(meta.version, watermark);
                meta.lastChangeTime = watermark;
                retention.changeApplied(meta, ctx.timerService().currentProcessingTime(), timers);
                pending.applied(ctx.getCurrentKey(), watermark);
            }
            List<WindowAggregate> finished =
                    windows.finish(ctx.getCurrentKey(), watermark, meta, windowStore);
            for (WindowAggregate w : finished) {
                ctx.output(WINDOWS, w);
            }
            if (!finished.isEmpty()) {
                emitLive(ctx.getCurrentKey(), meta, ctx, out);
            }
            retention.pruneTimer(meta, timestamp, listNow(meta, watermark), liveCount, marks);
            if (retention.cleanUp(
                    meta, ctx.timerService().currentWatermark(), !openWindows.isEmpty())) {
                metaState.clear();
                items.clear();
                tombstones.clear();
                windowChanges.clear();
                metrics.listsCleanedUp.inc();
                pending.emitted(ctx.getCurrentKey());
                return;
            }
            metaState.update(meta);
            return;
        }
        if (retention.isEmission(meta, timestamp)) {
            emitLive(ctx.getCurrentKey(), meta, ctx, out);
            metaState.update(meta);
        } else if (LegacySavepoints.isProcessingTimeCleanUp(meta, timestamp)) {
            meta.cleanupTimer = Long.MIN_VALUE;
            if (meta.taskCount == 0) {
                retention.armCleanUp(meta, timers);
            }
            metaState.update(meta);
        }
    }

    private void emitLive(String listId, ListMeta meta, Context ctx, Collector<ListAggregate> out)
            throws Exception {
        out.collect(
                new ListAggregate(
                        listId,
                        meta.taskCount,
                        meta.version,
                        meta.finalWindowStart,
                        meta.finalWindowEnd,
                        meta.finalInserted,
                        meta.finalModified,
                        meta.finalRemoved,
                        meta.finalExpired,
                        Versions.known(meta.lastChangeTime) ? meta.lastChangeTime : 0L));
        metrics.aggregatesEmitted.inc();
        pending.emitted(listId);
        long listNow = listNow(meta, ctx.timerService().currentWatermark());
        retention.emitted(
                meta,
                ctx.timerService().currentProcessingTime(),
                listNow,
                timers(ctx),
                liveCount,
                marks);
    }

    // ---- repair (issue 30): the list brought back to the table's state at a read time

    private void openRepair() {
        heldRepair = getRuntimeContext().getState(AggregateState.heldRepair());
        repairMerge = new RepairMerge(tombstoneRetention.toMillis());
        listsRepaired =
                CloudWatchMetrics.of(getRuntimeContext().getMetricGroup()).counter("listsRepaired");
        repairsDropped =
                CloudWatchMetrics.of(getRuntimeContext().getMetricGroup())
                        .counter("repairsDropped");
    }

    /**
     * Holds a repair record until the watermark passes its read time (every change created up to it
     * applied first), then merges it ({@link RepairMerge}). A request met again is dropped; of two
     * requests, the later read is kept (it includes the earlier one's).
     */
    private void holdRepair(ChangeEvent e, Context ctx) throws Exception {
        HeldRepair h = heldRepair.value();
        if (h == null) {
            h = new HeldRepair();
        }
        long readTime = e.approximateCreationTimeMillis;
        if (e.eventId == null
                || !Versions.known(readTime)
                || e.eventId.equals(h.mergedRequestId)
                || e.eventId.equals(h.requestId)
                || (h.holds() && h.readTime >= readTime)) {
            return;
        }
        h.requestId = e.eventId;
        h.readTime = readTime;
        h.payloadJson = e.newImageJson;
        heldRepair.update(h);
        long watermark = ctx.timerService().currentWatermark();
        if (watermark >= readTime) {
            mergeHeldRepair(ctx, watermark);
        } else {
            ctx.timerService().registerEventTimeTimer(readTime);
        }
    }

    /** Merges the list's held repair when the watermark {@code watermark} has passed its read. */
    private void mergeHeldRepair(Context ctx, long watermark) throws Exception {
        HeldRepair h = heldRepair.value();
        if (h == null || !h.holds() || watermark < h.readTime) {
            return;
        }
        String listId = ctx.getCurrentKey();
        Timers timers = timers(ctx);
        ListMeta meta = LegacySavepoints.scaleVersion(metaState.value());
        if (meta == null) {
            meta = LegacySavepoints.newList();
        }
        if (repairMerge.heldTooLong(h.readTime, listNow(meta, watermark))) {
            org.slf4j.LoggerFactory.getLogger(ListAggregator.class)
                    .warn(
                            "repair: request {}: list {} not repaired, its repair was held past the"
                                    + " tombstone retention ({}) after its read time {}: run it"
                                    + " again with a new request id",
                            h.requestId,
                            listId,
                            tombstoneRetention,
                            h.readTime);
            h.mergedRequestId = h.requestId;
            h.requestId = null;
            h.payloadJson = null;
            h.readTime = 0;
            heldRepair.update(h);
            repairsDropped.inc();
            return;
        }
        retention.startsAgain(meta, h.readTime);
        RepairMerge.Merged merged =
                repairMerge.merge(
                        listId,
                        h.readTime,
                        io.streamsync.change.RepairPayload.fromJson(h.payloadJson),
                        meta,
                        marks,
                        RepairMerge.copyKeys(items.entries()),
                        listNow(meta, watermark));
        retention.changeApplied(meta, ctx.timerService().currentProcessingTime(), timers);
        pending.applied(listId, watermark);
        if (merged.tombstoneWritten) {
            retention.tombstoneWritten(meta, listNow(meta, watermark), h.readTime, timers);
        }
        metaState.update(meta);
        if (emitItemUpdates) {
            for (ItemUpdate u : merged.updates) {
                ctx.output(ITEM_UPDATES, u);
            }
        }
        h.mergedRequestId = h.requestId;
        h.requestId = null;
        h.payloadJson = null;
        h.readTime = 0;
        heldRepair.update(h);
        listsRepaired.inc();
    }

    private Timers timers(Context ctx) {
        TimerService s = ctx.timerService();
        return new Timers() {
            @Override
            public void registerProcessingTime(long time) {
                s.registerProcessingTimeTimer(time);
            }

            @Override
            public void deleteProcessingTime(long time) {
                s.deleteProcessingTimeTimer(time);
            }

            @Override
            public void registerEventTime(long time) {
                s.registerEventTimeTimer(time);
            }

            @Override
            public void deleteEventTime(long time) {
                s.deleteEventTimeTimer(time);
                keepRepairTimer(s, time);
            }
        };
    }

    /**
     * Flink keeps one timer per list and timestamp: a timer deleted at {@code time} (the clean-up
     * moving its own) was the held repair's too when the repair's read time is {@code time}. It is
     * armed again, so the repair is merged when the watermark passes its read time, not at the
     * list's next timer (review item 7). Only the clean-up deletes event-time timers, and only when
     * an empty list's clean-up time moves.
     */
    private void keepRepairTimer(TimerService s, long time) {
        try {
            HeldRepair h = heldRepair.value();
            if (h != null && h.holds() && h.readTime == time) {
                s.registerEventTimeTimer(time);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The items of the current list in keyed state. */
    private final class StateItemMarks implements ItemMarks {
        @Override
        public String live(String itemKey) throws Exception {
            return items.get(itemKey);
        }

        @Override
        public String removed(String itemKey) throws Exception {
            return tombstones.get(itemKey);
        }

        @Override
        public void putLive(String itemKey, String mark) throws Exception {
            items.put(itemKey, mark);
        }

        @Override
        public void removeLive(String itemKey) throws Exception {
            items.remove(itemKey);
        }

        @Override
        public void putRemoved(String itemKey, String mark) throws Exception {
            tombstones.put(itemKey, mark);
        }

        @Override
        public void removeRemoved(String itemKey) throws Exception {
            tombstones.remove(itemKey);
        }

        @Override
        public Iterable<Map.Entry<String, String>> removedEntries() throws Exception {
            return tombstones.entries();
        }

        @Override
        public void clearRemoved() throws Exception {
            tombstones.clear();
        }
    }

    /** The windows of the current list in keyed state. */
    private final class StateWindowStore implements WindowStore {
        @Override
        public WindowCounts get(long start) throws Exception {
            return openWindows.get(start);
        }

        @Override
        public void put(long start, WindowCounts counts) throws Exception {
            openWindows.put(start, counts);
        }

        @Override
        public void remove(long start) throws Exception {
            openWindows.remove(start);
        }

        @Override
        public Iterable<Long> starts() throws Exception {
            return openWindows.keys();
        }

        @Override
        public boolean isEmpty() throws Exception {
            return openWindows.isEmpty();
        }

        @Override
        public boolean counted(String identity) throws Exception {
            return windowChanges.contains(identity);
        }

        @Override
        public void rememberCounted(String identity, long windowStart) throws Exception {
            windowChanges.put(identity, windowStart);
        }

        @Override
        public void forgetCounted(Set<Long> windowStarts) throws Exception {
            if (openWindows.isEmpty()) {
                windowChanges.clear();
                return;
            }
            for (Iterator<Map.Entry<String, Long>> it = windowChanges.iterator(); it.hasNext(); ) {
                if (windowStarts.contains(it.next().getValue())) {
                    it.remove();
                }
            }
        }
    }
}

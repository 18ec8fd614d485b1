package io.streamsync.aggregate;

import io.streamsync.metrics.CloudWatchMetrics;
import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.SequenceNumbers;
import io.streamsync.pipeline.OperatorIds;
import io.streamsync.sink.deadletter.DeadLetter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.api.TimeDomain;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keeps exact per-list aggregates from a stream of item changes keyed by list id: the live item count, and
 * the list's activity per event-time window.
 *
 * <p><b>Exact counts.</b> For every live item the sequence number of the last applied change is kept; for
 * a removed item its removal's sequence number is kept for {@code tombstoneRetention}. A change whose
 * sequence number is not above the item's last one is a duplicate or outdated and is ignored, so replays
 * and reordering cannot move the count. The count follows presence: INSERT or MODIFY of an item not yet
 * present adds one, REMOVE of a present item subtracts one; an INSERT of a present item or a REMOVE of an
 * unknown item changes nothing.
 *
 * <p><b>Bootstrap scan.</b> A {@link ChangeType#SNAPSHOT} (an item read by the scan of the table) is applied
 * only to an item the job knows nothing of (neither live nor tombstone): it makes the item live with the
 * sequence number {@value #SNAPSHOT_SEQUENCE}, below every stream record, so every later change record of
 * the item applies on top of it, and a snapshot arriving after a change record of its item is ignored. See
 * the README's "Bootstrap" section for why this converges to the table's contents.
 *
 * <p><b>Filters.</b> With an event filter, the count is of the live items whose last change matched it. A
 * record marked {@link ChangeEvent#filteredOut} (INSERT, MODIFY or SNAPSHOT that does not match) takes a
 * counted item out of the count and the index; it is otherwise ignored. A REMOVE always removes a counted
 * item, whether it matches or not: a filter cannot keep a deleted item counted.
 *
 * <p><b>Windows</b> (since 0.2.0). The activity of a list is counted per tumbling window of the records'
 * creation time (event time), apart from the live count: every change record of the stream that matches
 * the filter is counted once in its window, identified by its {@code eventID} (else its sequence number),
 * whatever its order of arrival and whatever the live count made of it (an outdated change is activity
 * too). A window is <i>final</i> once the watermark passes its end plus {@code allowedLateness}: it is then
 * emitted once on {@link #WINDOWS}, and its figures become the live aggregate's window fields. A change of
 * a window that is already final is late: it still updates the live count, but its window is not changed;
 * it is counted in {@code lateChanges} and goes to {@link #LATE_CHANGES} with the reason, unless the live
 * state shows it was applied already (a duplicate: {@code duplicateOrOutdatedIgnored}). Whether a window is
 * final is decided by the highest watermark the list has seen, which is part of its state, so a restore,
 * a replay or a rescale (the watermark starts anew) cannot reopen a published window.
 *
 * <p><b>Live aggregate.</b> Emitted {@code windowSize} of processing time after the first change applied
 * since the last emission (so a quiet list's last change is out within one window size), and when one of
 * the list's windows becomes final; the sinks keep the latest per list and checkpoint.
 *
 * <p><b>Version.</b> Starts at the first change's creation time in microseconds and grows by one per
 * applied change; it survives the clean-up of empty lists as long as time moves forward, so a list that
 * comes back never reuses an older version. Items' search documents carry the list version of their change.
 * It depends on the data only, never on a clock: a restored list goes on from the version of its
 * checkpoint. What was computed after that checkpoint and lost with the failure was never published (the
 * sinks publish completed checkpoints only, see {@link io.streamsync.sink.commit.CheckpointCommittingSink}),
 * so the versions it used are free again.
 *
 * <p><b>Clean-up.</b> A list with no items, no open window and no change for {@code emptyListRetention}
 * has all its state dropped.
 *
 * <p><b>Savepoints of 0.1.0 and of 0.2.0 builds before the event-time windows.</b> Their one pending window per list (processing-time emission) is
 * moved into the open windows on the list's first change or timer after the restore, and published when
 * the watermark passes it.
 */
public class ListAggregator extends KeyedProcessFunction<String, ChangeEvent, ListAggregate> {
    private static final long serialVersionUID = 2L;

    /**
     * The last sequence number kept for an item known only from the bootstrap scan: below every real stream
     * sequence number, so any change record of the item is applied after it.
     */
    static final String SNAPSHOT_SEQUENCE = "0";

    /** Side output of the item documents to index or delete. */
    public static final OutputTag<ItemUpdate> ITEM_UPDATES = new OutputTag<>("item-updates", Types.POJO(ItemUpdate.class));
    /** Side output of the final windows: one per list and window with activity. */
    public static final OutputTag<WindowAggregate> WINDOWS = new OutputTag<>("windows", Types.POJO(WindowAggregate.class));
    /** Side output of the changes later than the allowed lateness, as dead letters. */
    public static final OutputTag<DeadLetter> LATE_CHANGES = new OutputTag<>("late-changes", Types.POJO(DeadLetter.class));

    private final long windowSize;
    private final long allowedLateness;
    private final Duration tombstoneRetention;
    private final long emptyListRetention;
    private final boolean emitItemUpdates;
    private final boolean ttlExpiryRemoves;
    private final int deadLetterMaxBytes;

    private transient ValueState<ListMeta> metaState;
    private transient MapState<String, String> items;
    private transient MapState<String, String> tombstones;
    private transient MapState<Long, WindowCounts> openWindows;
    private transient MapState<String, Long> windowChanges;

    private transient Counter inserts;
    private transient Counter modifies;
    private transient Counter removes;
    private transient Counter ttlRemovals;
    private transient Counter outdatedIgnored;
    private transient Counter scanItems;
    private transient Counter ttlKept;
    private transient Counter filteredIgnored;
    private transient Counter itemsLeftFilter;
    private transient Counter scanSuperseded;
    private transient Counter removesOfUnknownItems;
    private transient Counter aggregatesEmitted;
    private transient Counter listsCleanedUp;
    private transient Counter windowsPublished;
    private transient Counter windowDuplicates;
    private transient Counter lateChanges;

    public ListAggregator(Duration windowSize, Duration tombstoneRetention, Duration emptyListRetention,
            boolean emitItemUpdates) {
        this(windowSize, Duration.ZERO, tombstoneRetention, emptyListRetention, emitItemUpdates, true, 64 * 1024);
    }

    /**
     * @param allowedLateness how long after the watermark passes a window's end the window still takes
     *     changes; it is final (published) then
     * @param ttlExpiryRemoves true: a TTL expiry removes the item like any delete; false: the item stays
     *     counted and indexed (archives). Either way the expiry is counted in the window's {@code expired}.
     * @param deadLetterMaxBytes most bytes of a late change's record in its dead letter
     */
    public ListAggregator(Duration windowSize, Duration allowedLateness, Duration tombstoneRetention,
            Duration emptyListRetention, boolean emitItemUpdates, boolean ttlExpiryRemoves, int deadLetterMaxBytes) {
        this.ttlExpiryRemoves = ttlExpiryRemoves;
        this.windowSize = windowSize.toMillis();
        this.allowedLateness = allowedLateness.toMillis();
        this.tombstoneRetention = tombstoneRetention;
        this.emptyListRetention = emptyListRetention.toMillis();
        this.emitItemUpdates = emitItemUpdates;
        this.deadLetterMaxBytes = deadLetterMaxBytes;
    }

    @Override
    public void open(OpenContext openContext) {
        metaState = getRuntimeContext().getState(AggregateState.meta());
        items = getRuntimeContext().getMapState(AggregateState.items());
        tombstones = getRuntimeContext().getMapState(AggregateState.tombstones(tombstoneRetention));
        openWindows = getRuntimeContext().getMapState(AggregateState.openWindows());
        windowChanges = getRuntimeContext().getMapState(AggregateState.windowChanges());
        MetricGroup m = CloudWatchMetrics.of(getRuntimeContext().getMetricGroup());
        inserts = m.counter("eventsInsert");
        modifies = m.counter("eventsModify");
        removes = m.counter("eventsRemove");
        ttlRemovals = m.counter("eventsTtlRemove");
        outdatedIgnored = m.counter("duplicateOrOutdatedIgnored");
        scanItems = m.counter("scanItems");
        ttlKept = m.counter("ttlExpiriesKept");
        filteredIgnored = m.counter("filteredOutIgnored");
        itemsLeftFilter = m.counter("itemsLeftFilter");
        scanSuperseded = m.counter("scanItemsSupersededByStream");
        removesOfUnknownItems = m.counter("removeOfUnknownItem");
        aggregatesEmitted = m.counter("aggregatesEmitted");
        listsCleanedUp = m.counter("emptyListsCleanedUp");
        windowsPublished = m.counter("windowsPublished");
        windowDuplicates = m.counter("windowDuplicatesIgnored");
        lateChanges = m.counter("lateChanges");
    }

    @Override
    public void processElement(ChangeEvent e, Context ctx, Collector<ListAggregate> out) throws Exception {
        countByType(e);
        long now = ctx.timerService().currentProcessingTime();
        long eventTime = e.approximateCreationTimeMillis >= 0 ? e.approximateCreationTimeMillis
                : ctx.timestamp() != null ? ctx.timestamp() : now;
        ListMeta meta = metaState.value();
        if (meta != null && meta.hasPendingWindow()) {
            adoptPendingWindow(meta, ctx);
            metaState.update(meta);
        }

        String live = items.get(e.itemKey);
        String last = live != null ? live : tombstones.get(e.itemKey);
        boolean applied = e.type == ChangeType.SNAPSHOT
                ? last == null
                : last == null || SequenceNumbers.compare(e.sequenceNumber, last) > 0;

        if (e.type != ChangeType.SNAPSHOT && !e.filteredOut) {
            if (meta == null) {
                meta = newMeta(eventTime);
            }
            countInWindow(e, eventTime, applied, meta, ctx);
            metaState.update(meta);
        }

        if (!applied) {
            if (e.type == ChangeType.SNAPSHOT) {
                scanSuperseded.inc(); // the stream already told this item's story: it wins over the scan
            } else {
                outdatedIgnored.inc();
            }
            return;
        }
        boolean leaving = e.filteredOut && e.type != ChangeType.REMOVE;
        if (leaving && live == null) {
            // outside the filtered set and staying out; remembered so that an older matching record cannot bring it in
            tombstones.put(e.itemKey, e.type == ChangeType.SNAPSHOT ? SNAPSHOT_SEQUENCE : e.sequenceNumber);
            filteredIgnored.inc();
            return;
        }
        if (meta == null) {
            meta = newMeta(eventTime);
        }

        boolean present = live != null;
        boolean keptExpiry = e.type == ChangeType.REMOVE && e.ttlExpiry && !ttlExpiryRemoves;
        if (keptExpiry) {
            // the table deleted it, the aggregate keeps it: still counted and indexed, the expiry only noted
            if (present) {
                items.put(e.itemKey, e.sequenceNumber);
            } else {
                tombstones.put(e.itemKey, e.sequenceNumber);
            }
            ttlKept.inc();
        } else if (e.type == ChangeType.REMOVE || leaving) {
            if (present) {
                meta.taskCount--;
                items.remove(e.itemKey);
            } else {
                removesOfUnknownItems.inc();
            }
            tombstones.put(e.itemKey, e.type == ChangeType.SNAPSHOT ? SNAPSHOT_SEQUENCE : e.sequenceNumber);
            if (leaving) {
                itemsLeftFilter.inc(); // no longer matches the filter: out of the count, not a removal of the window
            }
        } else {
            if (!present) {
                meta.taskCount++;
                tombstones.remove(e.itemKey);
            }
            items.put(e.itemKey, e.type == ChangeType.SNAPSHOT ? SNAPSHOT_SEQUENCE : e.sequenceNumber);
        }
        meta.version++;
        meta.lastChangeTime = eventTime;
        meta.lastChangeProcessingTime = now;
        if (meta.emitTimer == Long.MIN_VALUE) {
            meta.emitTimer = now + windowSize;
            ctx.timerService().registerProcessingTimeTimer(meta.emitTimer);
        }
        metaState.update(meta);

        if (emitItemUpdates && !keptExpiry) {
            if (e.type == ChangeType.REMOVE || leaving) {
                ctx.output(ITEM_UPDATES, new ItemUpdate(e.itemKey, e.partitionKey, true, null, meta.version));
            } else if (e.newImageJson != null) {
                ctx.output(ITEM_UPDATES, new ItemUpdate(e.itemKey, e.partitionKey, false, e.newImageJson, meta.version));
            }
        }
    }

    private static ListMeta newMeta(long eventTime) {
        ListMeta meta = new ListMeta();
        meta.version = Math.max(0L, eventTime) * 1000L;
        return meta;
    }

    /** The time at which the window starting at {@code start} is final: its last millisecond plus the lateness. */
    private long finalAt(long start) {
        return start + windowSize - 1 + allowedLateness;
    }

    /** Counts a matching change in its window, once per record, unless the window is final already. */
    private void countInWindow(ChangeEvent e, long eventTime, boolean applied, ListMeta meta, Context ctx) throws Exception {
        long start = eventTime - Math.floorMod(eventTime, windowSize);
        long watermark = Math.max(ctx.timerService().currentWatermark(), meta.finalWatermark);
        if (finalAt(start) <= watermark) {
            if (applied) {
                lateChanges.inc();
                ctx.output(LATE_CHANGES, lateLetter(e, start, watermark, ctx.timerService().currentProcessingTime()));
            } // else a duplicate of a change applied before: counted in duplicateOrOutdatedIgnored
            return;
        }
        String identity = e.eventId != null ? e.eventId : e.sequenceNumber;
        if (windowChanges.contains(identity)) {
            windowDuplicates.inc();
            return;
        }
        windowChanges.put(identity, start);
        WindowCounts c = openWindows.get(start);
        if (c == null) {
            c = new WindowCounts();
            ctx.timerService().registerEventTimeTimer(finalAt(start));
        }
        switch (e.type) {
            case INSERT:
                c.inserted++;
                break;
            case MODIFY:
                c.modified++;
                break;
            default:
                if (e.ttlExpiry) {
                    c.expired++;
                }
                if (!e.ttlExpiry || ttlExpiryRemoves) {
                    c.removed++;
                }
        }
        c.lastChangeTime = Math.max(c.lastChangeTime, eventTime);
        openWindows.put(start, c);
    }

    private DeadLetter lateLetter(ChangeEvent e, long windowStart, long watermark, long now) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("eventID", e.eventId);
        r.put("eventName", e.type.name());
        r.put("listId", e.partitionKey);
        r.put("approximateCreationDateTime", java.time.Instant.ofEpochMilli(e.approximateCreationTimeMillis).toString());
        r.put("sequenceNumber", e.sequenceNumber);
        r.put("keys", e.keysJson);
        r.put("newImage", e.newImageJson);
        r.put("oldImage", e.oldImageJson);
        String reason = "late change: its window [" + java.time.Instant.ofEpochMilli(windowStart) + ", "
                + java.time.Instant.ofEpochMilli(windowStart + windowSize) + ") was final at watermark "
                + java.time.Instant.ofEpochMilli(watermark) + " (aggregate.window.allowed.lateness.ms=" + allowedLateness
                + "); the live count took the change, the window did not";
        return DeadLetter.of(reason, OperatorIds.AGGREGATE.uid(), e.shardId, e.sequenceNumber, now, r.toString(),
                deadLetterMaxBytes);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ListAggregate> out) throws Exception {
        ListMeta meta = metaState.value();
        if (meta == null) {
            return;
        }
        if (meta.hasPendingWindow()) {
            adoptPendingWindow(meta, ctx);
        }
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            if (finishWindows(Math.max(timestamp, ctx.timerService().currentWatermark()), meta, ctx)) {
                emitLive(ctx.getCurrentKey(), meta, ctx, out);
            }
            metaState.update(meta);
            return;
        }
        if (timestamp == meta.emitTimer) {
            emitLive(ctx.getCurrentKey(), meta, ctx, out);
            metaState.update(meta);
        } else if (timestamp == meta.cleanupTimer) {
            meta.cleanupTimer = Long.MIN_VALUE;
            if (meta.taskCount == 0 && openWindows.isEmpty()
                    && timestamp - meta.lastChangeProcessingTime >= emptyListRetention) {
                metaState.clear();
                items.clear();
                tombstones.clear();
                windowChanges.clear();
                listsCleanedUp.inc();
            } else {
                metaState.update(meta);
            }
        }
    }

    /** Publishes every open window final at {@code watermark}, oldest first; true when there was one. */
    private boolean finishWindows(long watermark, ListMeta meta, Context ctx) throws Exception {
        if (watermark != Long.MAX_VALUE) {
            meta.finalWatermark = Math.max(meta.finalWatermark, watermark);
        }
        List<Long> due = new ArrayList<>();
        for (Long start : openWindows.keys()) {
            if (finalAt(start) <= watermark) {
                due.add(start);
            }
        }
        if (due.isEmpty()) {
            return false;
        }
        due.sort(null);
        String listId = ctx.getCurrentKey();
        for (Long start : due) {
            WindowCounts c = openWindows.get(start);
            ctx.output(WINDOWS, new WindowAggregate(listId, start, start + windowSize, c, meta.version));
            windowsPublished.inc();
            openWindows.remove(start);
            meta.finalWindowStart = start;
            meta.finalWindowEnd = start + windowSize;
            meta.finalInserted = c.inserted;
            meta.finalModified = c.modified;
            meta.finalRemoved = c.removed;
            meta.finalExpired = c.expired;
            // the end of the input (a drain) finishes every window, but is no event time: the list's later
            // windows stay open to the records that come after a restore
            meta.finalWatermark = Math.max(meta.finalWatermark, finalAt(start));
        }
        Set<Long> finished = new HashSet<>(due);
        if (openWindows.isEmpty()) {
            windowChanges.clear();
        } else {
            for (Iterator<Map.Entry<String, Long>> it = windowChanges.iterator(); it.hasNext(); ) {
                if (finished.contains(it.next().getValue())) {
                    it.remove();
                }
            }
        }
        return true;
    }

    /**
     * Moves the pending window of an older savepoint into the open windows (its changes carry no identities:
     * the source goes on after them, so none of them comes again).
     */
    private void adoptPendingWindow(ListMeta meta, Context ctx) throws Exception {
        WindowCounts c = openWindows.get(meta.pendingWindowStart);
        if (c == null) {
            c = new WindowCounts();
            ctx.timerService().registerEventTimeTimer(finalAt(meta.pendingWindowStart));
        }
        c.inserted += meta.pendingInserted;
        c.modified += meta.pendingModified;
        c.removed += meta.pendingRemoved;
        c.expired += meta.pendingExpired;
        c.lastChangeTime = Math.max(c.lastChangeTime, meta.lastChangeTime);
        openWindows.put(meta.pendingWindowStart, c);
        meta.pendingWindowStart = Long.MIN_VALUE;
        meta.pendingInserted = 0;
        meta.pendingModified = 0;
        meta.pendingRemoved = 0;
        meta.pendingExpired = 0;
    }

    private void emitLive(String listId, ListMeta meta, Context ctx, Collector<ListAggregate> out) throws Exception {
        out.collect(new ListAggregate(listId, meta.taskCount, meta.version, meta.finalWindowStart,
                meta.finalWindowEnd, meta.finalInserted, meta.finalModified, meta.finalRemoved, meta.finalExpired,
                meta.lastChangeTime));
        aggregatesEmitted.inc();
        long now = ctx.timerService().currentProcessingTime();
        long retention = tombstoneRetention.toMillis();
        if (meta.tombstonesPrunedAt == Long.MIN_VALUE || Math.floorDiv(now, retention) != Math.floorDiv(meta.tombstonesPrunedAt, retention)) {
            pruneExpiredTombstones();
            meta.tombstonesPrunedAt = now;
        }
        if (meta.emitTimer != Long.MIN_VALUE) {
            ctx.timerService().deleteProcessingTimeTimer(meta.emitTimer);
            meta.emitTimer = Long.MIN_VALUE;
        }
        if (meta.taskCount == 0) {
            if (meta.cleanupTimer != Long.MIN_VALUE) {
                ctx.timerService().deleteProcessingTimeTimer(meta.cleanupTimer);
            }
            meta.cleanupTimer = now + emptyListRetention;
            ctx.timerService().registerProcessingTimeTimer(meta.cleanupTimer);
        }
    }

    /**
     * Walks this list's tombstones once: the TTL state's iterator removes the expired ones as it meets them
     * (see {@link AggregateState#tombstones}); an emptied map is dropped.
     */
    private void pruneExpiredTombstones() {
        try {
            boolean any = false;
            for (Iterator<String> it = tombstones.keys().iterator(); it.hasNext(); ) {
                it.next();
                any = true;
            }
            if (!any) {
                tombstones.clear();
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the removed items of the list", e);
        }
    }

    private void countByType(ChangeEvent e) {
        switch (e.type) {
            case INSERT:
                inserts.inc();
                break;
            case MODIFY:
                modifies.inc();
                break;
            case SNAPSHOT:
                scanItems.inc();
                break;
            default:
                removes.inc();
                if (e.ttlExpiry) {
                    ttlRemovals.inc();
                }
        }
    }
}

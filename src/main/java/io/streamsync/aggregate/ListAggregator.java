package io.streamsync.aggregate;

import io.streamsync.metrics.CloudWatchMetrics;
import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.SequenceNumbers;
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
 * Keeps exact per-list aggregates from a stream of item changes keyed by list id.
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
 * <p><b>Windows.</b> Each applied change belongs to the tumbling window of its creation time. One window is
 * open per list at a time; it is emitted once, when a change of a later window arrives or when a
 * processing-time timer fires {@code windowSize} after the window got its first change (so a quiet stream
 * still sees its last window within one window size). A change whose window was already emitted is counted
 * in the next window instead, so no window is emitted twice.
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
 */
public class ListAggregator extends KeyedProcessFunction<String, ChangeEvent, ListAggregate> {
    private static final long serialVersionUID = 1L;

    /**
     * The last sequence number kept for an item known only from the bootstrap scan: below every real stream
     * sequence number, so any change record of the item is applied after it.
     */
    static final String SNAPSHOT_SEQUENCE = "0";

    /** Side output of the item documents to index or delete. */
    public static final OutputTag<ItemUpdate> ITEM_UPDATES = new OutputTag<>("item-updates", Types.POJO(ItemUpdate.class));

    private final long windowSize;
    private final Duration tombstoneRetention;
    private final long emptyListRetention;
    private final boolean emitItemUpdates;
    private final boolean ttlExpiryRemoves;

    private transient ValueState<ListMeta> metaState;
    private transient MapState<String, String> items;
    private transient MapState<String, String> tombstones;

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

    public ListAggregator(Duration windowSize, Duration tombstoneRetention, Duration emptyListRetention,
            boolean emitItemUpdates) {
        this(windowSize, tombstoneRetention, emptyListRetention, emitItemUpdates, true);
    }

    /**
     * @param ttlExpiryRemoves true: a TTL expiry removes the item like any delete; false: the item stays
     *     counted and indexed (archives). Either way the expiry is counted in the window's {@code expired}.
     */
    public ListAggregator(Duration windowSize, Duration tombstoneRetention, Duration emptyListRetention,
            boolean emitItemUpdates, boolean ttlExpiryRemoves) {
        this.ttlExpiryRemoves = ttlExpiryRemoves;
        this.windowSize = windowSize.toMillis();
        this.tombstoneRetention = tombstoneRetention;
        this.emptyListRetention = emptyListRetention.toMillis();
        this.emitItemUpdates = emitItemUpdates;
    }

    @Override
    public void open(OpenContext openContext) {
        metaState = getRuntimeContext().getState(AggregateState.meta());
        items = getRuntimeContext().getMapState(AggregateState.items());
        tombstones = getRuntimeContext().getMapState(AggregateState.tombstones(tombstoneRetention));
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
    }

    @Override
    public void processElement(ChangeEvent e, Context ctx, Collector<ListAggregate> out) throws Exception {
        countByType(e);
        String live = items.get(e.itemKey);
        String last = live != null ? live : tombstones.get(e.itemKey);
        if (e.type == ChangeType.SNAPSHOT) {
            if (last != null) {
                scanSuperseded.inc(); // the stream already told this item's story: it wins over the scan
                return;
            }
        } else if (last != null && SequenceNumbers.compare(e.sequenceNumber, last) <= 0) {
            outdatedIgnored.inc();
            return;
        }
        boolean leaving = e.filteredOut && e.type != ChangeType.REMOVE;
        if (leaving && live == null) {
            // outside the filtered set and staying out; remembered so that an older matching record cannot bring it in
            tombstones.put(e.itemKey, e.type == ChangeType.SNAPSHOT ? SNAPSHOT_SEQUENCE : e.sequenceNumber);
            filteredIgnored.inc();
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        long eventTime = e.approximateCreationTimeMillis >= 0 ? e.approximateCreationTimeMillis : now;
        ListMeta meta = metaState.value();
        if (meta == null) {
            meta = new ListMeta();
            meta.version = Math.max(0L, eventTime) * 1000L;
        }

        long window = eventTime - Math.floorMod(eventTime, windowSize);
        if (meta.hasPendingWindow() && window > meta.pendingWindowStart) {
            emit(ctx.getCurrentKey(), meta, ctx, out); // the open window is complete: later changes have begun
        }
        if (!meta.hasPendingWindow()) {
            meta.pendingWindowStart = meta.lastEmittedWindowStart == Long.MIN_VALUE
                    ? window
                    : Math.max(window, meta.lastEmittedWindowStart + windowSize);
            meta.emitTimer = now + windowSize;
            ctx.timerService().registerProcessingTimeTimer(meta.emitTimer);
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
            meta.pendingExpired++;
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
            } else {
                meta.pendingRemoved++;
                if (e.ttlExpiry) {
                    meta.pendingExpired++;
                }
            }
        } else {
            if (!present) {
                meta.taskCount++;
                tombstones.remove(e.itemKey);
            }
            items.put(e.itemKey, e.type == ChangeType.SNAPSHOT ? SNAPSHOT_SEQUENCE : e.sequenceNumber);
            if (e.type == ChangeType.INSERT) {
                meta.pendingInserted++;
            } else if (e.type == ChangeType.MODIFY) {
                meta.pendingModified++;
            } // a SNAPSHOT is no activity of the window: it only makes an existing item known
        }
        meta.version++;
        meta.lastChangeTime = eventTime;
        meta.lastChangeProcessingTime = now;
        metaState.update(meta);

        if (emitItemUpdates && !keptExpiry) {
            if (e.type == ChangeType.REMOVE || leaving) {
                ctx.output(ITEM_UPDATES, new ItemUpdate(e.itemKey, e.partitionKey, true, null, meta.version));
            } else if (e.newImageJson != null) {
                ctx.output(ITEM_UPDATES, new ItemUpdate(e.itemKey, e.partitionKey, false, e.newImageJson, meta.version));
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ListAggregate> out) throws Exception {
        ListMeta meta = metaState.value();
        if (meta == null) {
            return;
        }
        if (timestamp == meta.emitTimer && meta.hasPendingWindow()) {
            emit(ctx.getCurrentKey(), meta, ctx, out);
            metaState.update(meta);
        } else if (timestamp == meta.cleanupTimer) {
            meta.cleanupTimer = Long.MIN_VALUE;
            if (meta.taskCount == 0 && !meta.hasPendingWindow()
                    && timestamp - meta.lastChangeProcessingTime >= emptyListRetention) {
                metaState.clear();
                items.clear();
                tombstones.clear();
                listsCleanedUp.inc();
            } else {
                metaState.update(meta);
            }
        }
    }

    private void emit(String listId, ListMeta meta, Context ctx, Collector<ListAggregate> out) {
        out.collect(new ListAggregate(listId, meta.taskCount, meta.version, meta.pendingWindowStart,
                meta.pendingWindowStart + windowSize, meta.pendingInserted, meta.pendingModified, meta.pendingRemoved,
                meta.pendingExpired, meta.lastChangeTime));
        aggregatesEmitted.inc();
        long retention = tombstoneRetention.toMillis();
        if (meta.lastEmittedWindowStart == Long.MIN_VALUE
                || Math.floorDiv(meta.pendingWindowStart, retention) != Math.floorDiv(meta.lastEmittedWindowStart, retention)) {
            pruneExpiredTombstones();
        }
        if (meta.emitTimer != Long.MIN_VALUE) {
            ctx.timerService().deleteProcessingTimeTimer(meta.emitTimer);
            meta.emitTimer = Long.MIN_VALUE;
        }
        meta.lastEmittedWindowStart = meta.pendingWindowStart;
        meta.pendingWindowStart = Long.MIN_VALUE;
        meta.pendingInserted = 0;
        meta.pendingModified = 0;
        meta.pendingRemoved = 0;
        meta.pendingExpired = 0;
        if (meta.taskCount == 0) {
            if (meta.cleanupTimer != Long.MIN_VALUE) {
                ctx.timerService().deleteProcessingTimeTimer(meta.cleanupTimer);
            }
            meta.cleanupTimer = ctx.timerService().currentProcessingTime() + emptyListRetention;
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
            for (java.util.Iterator<String> it = tombstones.keys().iterator(); it.hasNext(); ) {
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

package io.streamsync.aggregate;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.SequenceNumbers;

/**
 * The live item count of one list and the sequence guard that keeps it exact.
 *
 * <p>For every live item the sequence number of the last applied change is kept; for a removed item, its
 * removal's. A change whose sequence number is not above the item's last one is a duplicate or outdated and
 * is ignored, so replays and reordering cannot move the count. The count follows presence: INSERT or MODIFY
 * of an item not yet present adds one, REMOVE of a present item subtracts one; an INSERT of a present item or
 * a REMOVE of an unknown item changes nothing.
 *
 * <p>A {@link ChangeType#SNAPSHOT} (an item read by the bootstrap scan) applies only to an item the list
 * knows nothing of (neither live nor removed); it is kept with the sequence number {@value #SNAPSHOT_SEQUENCE},
 * below every stream record, so every later change record of the item applies on top of it.
 *
 * <p>With an event filter, a record marked {@link ChangeEvent#filteredOut} (other than a REMOVE) takes a
 * counted item out of the count and the index and is otherwise ignored; a REMOVE always removes a counted
 * item. A TTL expiry in keep mode leaves the item counted and indexed.
 */
final class LiveCount {
    /** The sequence number kept for an item known only from the bootstrap scan: below every stream record's. */
    static final String SNAPSHOT_SEQUENCE = "0";

    /** What applying a change did to the item's search document. */
    enum ItemOutput {
        NONE,
        INDEX,
        DELETE
    }

    private final boolean ttlExpiryRemoves;
    private final AggregatorMetrics metrics;

    LiveCount(boolean ttlExpiryRemoves, AggregatorMetrics metrics) {
        this.ttlExpiryRemoves = ttlExpiryRemoves;
        this.metrics = metrics;
    }

    /**
     * The sequence guard: true when the change is newer than everything the list knows of its item (a
     * snapshot: when the list knows nothing of it). Counts what it refuses.
     */
    boolean isNew(ChangeEvent e, ItemMarks marks) throws Exception {
        String live = marks.live(e.itemKey);
        String last = live != null ? live : marks.removed(e.itemKey);
        boolean applies = e.type == ChangeType.SNAPSHOT
                ? last == null
                : last == null || SequenceNumbers.compare(e.sequenceNumber, last) > 0;
        if (!applies) {
            if (e.type == ChangeType.SNAPSHOT) {
                metrics.scanSuperseded.inc(); // the stream already told this item's story: it wins over the scan
            } else {
                metrics.outdatedIgnored.inc();
            }
        }
        return applies;
    }

    /**
     * True when a new change only keeps an item that does not match the filter out of the list: it is
     * remembered (so that an older matching record cannot bring the item in) and changes nothing else.
     */
    boolean staysOut(ChangeEvent e, ItemMarks marks) throws Exception {
        if (!leaves(e) || marks.live(e.itemKey) != null) {
            return false;
        }
        marks.putRemoved(e.itemKey, mark(e));
        metrics.filteredIgnored.inc();
        return true;
    }

    /**
     * Applies a new change (one {@link #isNew} accepted and {@link #staysOut} did not take) to the items and
     * to {@code meta.taskCount}; returns what the item's search document must do.
     */
    ItemOutput apply(ChangeEvent e, ItemMarks marks, ListMeta meta) throws Exception {
        boolean present = marks.live(e.itemKey) != null;
        boolean leaving = leaves(e);
        if (e.type == ChangeType.REMOVE && e.ttlExpiry && !ttlExpiryRemoves) {
            // the table deleted it, the aggregate keeps it: still counted and indexed, the expiry only noted
            if (present) {
                marks.putLive(e.itemKey, e.sequenceNumber);
            } else {
                marks.putRemoved(e.itemKey, e.sequenceNumber);
            }
            metrics.ttlKept.inc();
            return ItemOutput.NONE;
        }
        if (e.type == ChangeType.REMOVE || leaving) {
            if (present) {
                meta.taskCount--;
                marks.removeLive(e.itemKey);
            } else {
                metrics.removesOfUnknownItems.inc();
            }
            marks.putRemoved(e.itemKey, mark(e));
            if (leaving) {
                metrics.itemsLeftFilter.inc(); // no longer matches the filter: out of the count, not a removal
            }
            return ItemOutput.DELETE;
        }
        if (!present) {
            meta.taskCount++;
            marks.removeRemoved(e.itemKey);
        }
        marks.putLive(e.itemKey, mark(e));
        return e.newImageJson != null ? ItemOutput.INDEX : ItemOutput.NONE;
    }

    private static boolean leaves(ChangeEvent e) {
        return e.filteredOut && e.type != ChangeType.REMOVE;
    }

    private static String mark(ChangeEvent e) {
        return e.type == ChangeType.SNAPSHOT ? SNAPSHOT_SEQUENCE : e.sequenceNumber;
    }
}

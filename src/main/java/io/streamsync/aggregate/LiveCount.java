package io.streamsync.aggregate;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.SequenceNumbers;

/**
 * The live item count of one list and the sequence guard that keeps it exact.
 *
 * <p>For every live item the sequence number of the last applied change is kept; for a removed
 * item, its removal's. A change whose sequence number is not above the item's last one is a
 * duplicate or outdated and is ignored, so replays and reordering cannot move the count. The count
 * follows presence: INSERT or MODIFY of an item not yet present adds one, REMOVE of a present item
 * subtracts one; an INSERT of a present item or a REMOVE of an unknown item changes nothing.
 *
 * <p>A {@link ChangeType#SNAPSHOT} (an item read by the bootstrap scan) applies only to an item the
 * list knows nothing of (neither live nor removed); it is kept with the sequence number {@value
 * #SNAPSHOT_SEQUENCE}, below every stream record, so every later change record of the item applies
 * on top of it.
 *
 * <p>With an event filter, a record marked {@link ChangeEvent#filteredOut} (other than a REMOVE)
 * takes a counted item out of the count and the index and is otherwise ignored; a REMOVE always
 * removes a counted item. A TTL expiry in keep mode leaves the item counted and indexed.
 *
 * <p>Each item also has a version of its own (its search document's, see {@link Versions}), kept in
 * its mark ({@link ItemMark}). A removed item's mark is forgotten once the list's event time (its
 * own changes and the watermark, never the wall clock) passes the removal by {@code
 * tombstoneRetention}: a stop of the job does not age it.
 */
final class LiveCount {
    /**
     * The sequence number kept for an item known only from the bootstrap scan: below every stream
     * record's.
     */
    static final String SNAPSHOT_SEQUENCE = "0";

    /** What applying a change did to the item's search document. */
    enum ItemOutput {
        NONE,
        INDEX,
        DELETE
    }

    /** What applying a change did: the document's output and the item's version after it. */
    static final class Applied {
        final ItemOutput output;
        final long version;

        Applied(ItemOutput output, long version) {
            this.output = output;
            this.version = version;
        }
    }

    private final boolean ttlExpiryRemoves;
    private final long tombstoneRetention;
    private final AggregatorMetrics metrics;

    LiveCount(boolean ttlExpiryRemoves, long tombstoneRetention, AggregatorMetrics metrics) {
        this.ttlExpiryRemoves = ttlExpiryRemoves;
        this.tombstoneRetention = tombstoneRetention;
        this.metrics = metrics;
    }

    /**
     * The item's mark: live, else removed and not expired at the list's time {@code now}; else
     * null.
     */
    private ItemMark mark(String itemKey, ItemMarks marks, long now) throws Exception {
        String live = marks.live(itemKey);
        if (live != null) {
            return ItemMark.parse(live);
        }
        ItemMark removed = ItemMark.parse(marks.removed(itemKey));
        return removed == null || removed.expired(now, tombstoneRetention) ? null : removed;
    }

    /**
     * The sequence guard: true when the change is newer than everything the list knows of its item
     * (a snapshot: when the list knows nothing of it). {@code now}: the list's event time, for the
     * retention of removed items. Counts what it refuses.
     */
    boolean isNew(ChangeEvent e, ItemMarks marks, long now) throws Exception {
        ItemMark last = mark(e.itemKey, marks, now);
        boolean applies =
                e.type == ChangeType.SNAPSHOT
                        ? last == null
                        : last == null
                                || SequenceNumbers.compare(e.sequenceNumber, last.sequenceNumber)
                                        > 0;
        if (!applies) {
            if (e.type == ChangeType.SNAPSHOT) {
                metrics.scanSuperseded
                        .inc(); // the stream already told this item's story: it wins over the scan
            } else {
                metrics.outdatedIgnored.inc();
            }
        }
        return applies;
    }

    /**
     * True when a new change only keeps an item that does not match the filter out of the list: it
     * is remembered (so that an older matching record cannot bring the item in) and changes nothing
     * else. {@code time}: the event time the change is versioned at.
     */
    boolean staysOut(ChangeEvent e, ItemMarks marks, long now, long time) throws Exception {
        if (!leaves(e) || marks.live(e.itemKey) != null) {
            return false;
        }
        ItemMark last = mark(e.itemKey, marks, now);
        marks.putRemoved(
                e.itemKey, ItemMark.removed(sequence(e), Versions.next(version(last), time), time));
        metrics.filteredIgnored.inc();
        return true;
    }

    /**
     * Applies a new change (one {@link #isNew} accepted and {@link #staysOut} did not take) to the
     * items and to {@code meta.taskCount}; returns what the item's search document must do, at
     * which version.
     */
    Applied apply(ChangeEvent e, ItemMarks marks, ListMeta meta, long now, long time)
            throws Exception {
        ItemMark last = mark(e.itemKey, marks, now);
        boolean present = marks.live(e.itemKey) != null;
        boolean leaving = leaves(e);
        if (e.type == ChangeType.REMOVE && e.ttlExpiry && !ttlExpiryRemoves) {
            // the table deleted it, the aggregate keeps it: still counted and indexed (its document
            // unchanged,
            // so its version too), the expiry only noted
            if (present) {
                marks.putLive(e.itemKey, ItemMark.live(e.sequenceNumber, version(last)));
            } else {
                marks.putRemoved(
                        e.itemKey, ItemMark.removed(e.sequenceNumber, version(last), time));
            }
            metrics.ttlKept.inc();
            return new Applied(ItemOutput.NONE, version(last));
        }
        long version = Versions.next(version(last), time);
        if (e.type == ChangeType.REMOVE || leaving) {
            if (present) {
                meta.taskCount--;
                marks.removeLive(e.itemKey);
            } else {
                metrics.removesOfUnknownItems.inc();
            }
            marks.putRemoved(e.itemKey, ItemMark.removed(sequence(e), version, time));
            if (leaving) {
                metrics.itemsLeftFilter
                        .inc(); // no longer matches the filter: out of the count, not a removal
            }
            return new Applied(ItemOutput.DELETE, version);
        }
        if (!present) {
            meta.taskCount++;
            marks.removeRemoved(e.itemKey);
        }
        marks.putLive(e.itemKey, ItemMark.live(sequence(e), version));
        return new Applied(e.newImageJson != null ? ItemOutput.INDEX : ItemOutput.NONE, version);
    }

    /**
     * Walks a list's removed items at the list's time {@code now}: forgets the expired ones, and
     * dates the ones of older releases (which carry no removal time) at {@code now}. True when none
     * is left.
     */
    boolean prune(Iterable<java.util.Map.Entry<String, String>> removed, ItemMarks marks, long now)
            throws Exception {
        java.util.List<String> expired = new java.util.ArrayList<>();
        java.util.Map<String, String> dated = new java.util.HashMap<>();
        int kept = 0;
        for (java.util.Map.Entry<String, String> entry : removed) {
            ItemMark m = ItemMark.parse(entry.getValue());
            if (m.expired(now, tombstoneRetention)) {
                expired.add(entry.getKey());
                continue;
            }
            kept++;
            if (!Versions.known(m.removedAt) && Versions.known(now)) {
                dated.put(entry.getKey(), ItemMark.removed(m.sequenceNumber, m.version, now));
            }
        }
        for (String k : expired) {
            marks.removeRemoved(k);
        }
        for (java.util.Map.Entry<String, String> d : dated.entrySet()) {
            marks.putRemoved(d.getKey(), d.getValue());
        }
        return kept == 0;
    }

    private static long version(ItemMark mark) {
        return mark == null ? 0L : mark.version;
    }

    private static boolean leaves(ChangeEvent e) {
        return e.filteredOut && e.type != ChangeType.REMOVE;
    }

    private static String sequence(ChangeEvent e) {
        return e.type == ChangeType.SNAPSHOT ? SNAPSHOT_SEQUENCE : e.sequenceNumber;
    }
}

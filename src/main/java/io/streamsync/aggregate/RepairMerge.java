package io.streamsync.aggregate;

import io.streamsync.change.RepairPayload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Brings one list back to the source table's state at a read time <i>r</i> (a repair, see
 * reconciliation.md), once every change created up to <i>r</i> has been applied (the watermark has
 * passed <i>r</i>; {@link ListAggregator} holds the repair until then). The bootstrap merge with a
 * read time: for each item named by the table at <i>r</i>, by the list's state or by the item
 * index,
 *
 * <ul>
 *   <li>its last applied change was created after <i>r</i> (its version, a change clock in µs of
 *       event time, is above <i>r</i>·1000): it is left alone; that change decided it, and the read
 *       is older;
 *   <li>otherwise the table at <i>r</i> decides: present with an image, the item is live (counted
 *       once) and its document indexed with that image; absent, the item is removed (a tombstone)
 *       and its document deleted. A document of an item nobody knows (a phantom) is deleted.
 * </ul>
 *
 * An item keeps the sequence number of its last applied change (0, below every stream record, when
 * it had none), so every change record of it created after <i>r</i> applies on top, whichever
 * arrives first: an item deleted after the read is deleted again, one inserted after it is counted.
 *
 * <p>Versions: each touched item takes {@code max(next(version, r), seen + 1)}, {@code seen} the
 * version its document had in the index when the repair read it (a document edited through the
 * index API has its version raised by one): above every version the job published for it, and a
 * function of the record and the state only. The list's change clock moves like a change's at
 * <i>r</i>. Plain Java over {@link ItemMarks}; unit tests drive it through the operator.
 */
final class RepairMerge {
    /** What a merge did. */
    static final class Merged {
        final List<ItemUpdate> updates = new ArrayList<>();

        /** Items left alone because changed after the read. */
        int leftAlone;

        /** Items set live with the table's image. */
        int itemsSet;

        /** Items (or unknown documents) removed. */
        int itemsRemoved;

        /** True when a removed item's mark was written (its retention is to be armed). */
        boolean tombstoneWritten;
    }

    private final long tombstoneRetention;

    RepairMerge(long tombstoneRetention) {
        this.tombstoneRetention = tombstoneRetention;
    }

    /**
     * True when a repair read at {@code readTime} has been held so long that the list's own time
     * {@code now} is a tombstone retention past it: the tombstone of a delete made after the read
     * may be forgotten, and merging the read would bring that item back for good. Such a repair is
     * dropped (a WARN, the counter repairsDropped) and has to be run again.
     */
    boolean heldTooLong(long readTime, long now) {
        return Versions.known(now) && now >= Versions.plus(readTime, tombstoneRetention);
    }

    /**
     * Merges the repair of {@code listId} read at {@code readTime} into {@code meta} and {@code
     * marks}; {@code liveKeys}: the list's live items (a copy, the merge changes the state); {@code
     * now}: the list's event time, for the retention of removed items.
     */
    Merged merge(
            String listId,
            long readTime,
            RepairPayload read,
            ListMeta meta,
            ItemMarks marks,
            Iterable<String> liveKeys,
            long now)
            throws Exception {
        Merged m = new Merged();
        TreeSet<String> keys = new TreeSet<>(read.items.keySet());
        keys.addAll(read.documents.keySet());
        liveKeys.forEach(keys::add);
        long readClock = readTime * 1000L;
        for (String key : keys) {
            String liveMark = marks.live(key);
            ItemMark mark = ItemMark.parse(liveMark);
            if (mark == null) {
                ItemMark removed = ItemMark.parse(marks.removed(key));
                mark = removed == null || removed.expired(now, tombstoneRetention) ? null : removed;
            }
            if (mark != null && mark.version > readClock) {
                m.leftAlone++;
                continue;
            }
            Long seen = read.documents.get(key);
            String image = read.items.get(key);
            if (image == null && liveMark == null && seen == null) {
                continue; // removed in the state, absent from the table and the index: agreed
            }
            long version = Versions.next(mark == null ? 0L : mark.version, readTime);
            if (seen != null) {
                version = Math.max(version, seen + 1);
            }
            String seq = mark == null ? LiveCount.SNAPSHOT_SEQUENCE : mark.sequenceNumber;
            if (image != null) {
                if (liveMark == null) {
                    meta.taskCount++;
                    marks.removeRemoved(key);
                }
                marks.putLive(key, ItemMark.live(seq, version));
                m.updates.add(new ItemUpdate(key, listId, false, image, version));
                m.itemsSet++;
            } else {
                if (liveMark != null) {
                    meta.taskCount--;
                    marks.removeLive(key);
                }
                marks.putRemoved(key, ItemMark.removed(seq, version, readTime));
                m.tombstoneWritten = true;
                m.updates.add(new ItemUpdate(key, listId, true, null, version));
                m.itemsRemoved++;
            }
        }
        meta.version = Versions.listChanged(meta.version, readTime);
        if (!Versions.known(meta.lastChangeTime)) {
            meta.lastChangeTime = readTime;
        }
        return m;
    }

    /** The keys of a map state's entries, copied (the merge writes the state it walks). */
    static List<String> copyKeys(Iterable<Map.Entry<String, String>> entries) {
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, String> e : entries) {
            keys.add(e.getKey());
        }
        return keys;
    }
}

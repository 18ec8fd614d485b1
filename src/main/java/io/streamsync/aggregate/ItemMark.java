package io.streamsync.aggregate;

/**
 * What the aggregation keeps of one item, as the text value of {@link AggregateState#items} (a live
 * item) or {@link AggregateState#tombstones} (a removed one): the sequence number of its last
 * applied change, its version (its search document's, see {@link Versions}), and for a removed item
 * the event time of its removal, which its retention counts from.
 *
 * <p>Written as {@code seq;version} or {@code seq;version;removedAt} (sequence numbers are digits).
 * Releases up to 0.2.0 wrote the sequence number alone: such a mark reads with version 0 and no
 * removal time.
 */
final class ItemMark {
    final String sequenceNumber;
    final long version;

    /** Event time of the removal (epoch ms), or {@link Versions#UNKNOWN}. */
    final long removedAt;

    ItemMark(String sequenceNumber, long version, long removedAt) {
        this.sequenceNumber = sequenceNumber;
        this.version = version;
        this.removedAt = removedAt;
    }

    static ItemMark parse(String text) {
        if (text == null) {
            return null;
        }
        int a = text.indexOf(';');
        if (a < 0) {
            return new ItemMark(text, 0L, Versions.UNKNOWN); // written by 0.2.0 or before
        }
        int b = text.indexOf(';', a + 1);
        String seq = text.substring(0, a);
        if (b < 0) {
            return new ItemMark(seq, Long.parseLong(text.substring(a + 1)), Versions.UNKNOWN);
        }
        return new ItemMark(
                seq,
                Long.parseLong(text.substring(a + 1, b)),
                Long.parseLong(text.substring(b + 1)));
    }

    /** A live item's mark. */
    static String live(String sequenceNumber, long version) {
        return sequenceNumber + ';' + version;
    }

    /** A removed item's mark. */
    static String removed(String sequenceNumber, long version, long removedAt) {
        return sequenceNumber + ';' + version + ';' + removedAt;
    }

    /** True when the list's time has passed the removal by the retention: the mark is forgotten. */
    boolean expired(long now, long retention) {
        return Versions.known(removedAt)
                && Versions.known(now)
                && now >= Versions.plus(removedAt, retention);
    }
}

package io.streamsync.aggregate;

/**
 * The versions the aggregation gives its outputs, and the event times they are made of. Every version is a
 * function of the data (the records, their creation times, the watermark they carry), never of a clock, and
 * stands for exactly one state: every new state takes a higher version than the one before.
 *
 * <p><b>A list's version</b> moves with every new state of the list: a change applied takes
 * {@code max(version + 1, t·1000 + 1)}, where {@code t} is the change's creation time in milliseconds (so the
 * version counts microseconds of event time, like a hybrid logical clock: a list that comes back after its
 * state was cleaned up starts above every version it had before, however its state was dropped); a window
 * becoming final takes {@code version + 1} (the live aggregate then carries other window figures: another
 * state).
 *
 * <p><b>An item's version</b> (its search document's) follows the same rule over the item's own changes
 * only, so it does not depend on the order in which other items' changes arrive: a replay that interleaves
 * the list's items differently gives each item the same versions.
 *
 * <p><b>Times.</b> A record's event time is its creation time; a record without one (a bootstrap-scan item,
 * whose stream record's timestamp is Flink's NO_TIMESTAMP, Long.MIN_VALUE) has none ({@link #UNKNOWN}) and is
 * versioned at the event time the job has reached: for its list, the list's own time (else the watermark);
 * for its item, the watermark (else the list's time), which every later stream change of the item is above.
 * A list that has no time at all yet is dated, and its version moved, at the first watermark.
 */
final class Versions {
    /** No event time. */
    static final long UNKNOWN = Long.MIN_VALUE;
    /** The last millisecond of year 9999: later creation times are no times (and microseconds fit a long). */
    static final long MAX_EVENT_TIME = 253_402_300_799_999L;

    private Versions() {}

    /** True for an event time that is one: not UNKNOWN, not negative, not past year 9999. */
    static boolean known(long time) {
        return time >= 0 && time <= MAX_EVENT_TIME;
    }

    /**
     * A record's event time: its creation time, else its stream record's timestamp, when either is a time;
     * else {@link #UNKNOWN}.
     */
    static long eventTime(long creationTime, Long timestamp) {
        if (known(creationTime)) {
            return creationTime;
        }
        return timestamp != null && known(timestamp) ? timestamp : UNKNOWN;
    }

    /** The event time to version a record with: its own, else the first known of two others; else UNKNOWN. */
    static long versionTime(long eventTime, long first, long second) {
        if (known(eventTime)) {
            return eventTime;
        }
        if (known(first)) {
            return first;
        }
        return known(second) ? second : UNKNOWN;
    }

    /** The version after {@code version} for a change versioned at {@code time} (UNKNOWN: one more). */
    static long next(long version, long time) {
        long byOne = version + 1;
        return known(time) ? Math.max(byOne, time * 1000L + 1) : byOne;
    }

    /**
     * The list's own event time: the creation time its changes have reached (its last change's, or the one its
     * version counts, when higher); UNKNOWN while the list has seen no time at all.
     */
    static long listTime(ListMeta meta) {
        if (!known(meta.lastChangeTime)) {
            return UNKNOWN;
        }
        long t = Math.max(meta.lastChangeTime, meta.version / 1000L);
        return known(t) ? t : meta.lastChangeTime;
    }

    /** {@code a + b} for times, held at Long.MAX_VALUE instead of overflowing. */
    static long plus(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}

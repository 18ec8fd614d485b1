package io.streamsync.aggregate;

/**
 * The versions the aggregation gives its outputs, and the event times they are made of. Every
 * version is a function of the data (the records, their creation times, the watermark they carry),
 * never of a clock, and stands for exactly one state: every new state takes a higher version than
 * the one before.
 *
 * <p><b>A list's version</b> is its <i>change clock</i> times {@link #SCALE}, plus the number of
 * times one of its windows became final since its last change. The change clock moves with every
 * change applied: {@code clock = max(clock + 1, t·1000 + 1)}, where {@code t} is the change's
 * creation time in milliseconds (so it counts microseconds of event time, like a hybrid logical
 * clock: a list that comes back after its state was cleaned up starts above every version it had
 * before, however its state was dropped). A window becoming final adds one (the live aggregate then
 * carries other window figures: another state), up to {@code SCALE - 1} times between two changes.
 * So {@code version / SCALE} names the list's last applied change whatever the windows did, and the
 * count a version shows follows from the stream alone: a change's clock is computed from the
 * creation times of the list's changes (a bare reader of the stream can do it, see the tests'
 * {@code StreamHistory}).
 *
 * <p><b>An item's version</b> (its search document's) follows the same rule over the item's own
 * changes only, so it does not depend on the order in which other items' changes arrive: a replay
 * that interleaves the list's items differently gives each item the same versions.
 *
 * <p><b>Times.</b> A record's event time is its creation time; a record without one (a
 * bootstrap-scan item, whose stream record's timestamp is Flink's NO_TIMESTAMP, Long.MIN_VALUE) has
 * none ({@link #UNKNOWN}) and is versioned at the event time the job has reached: for its list, the
 * list's own time (else the watermark); for its item, the watermark (else the list's time), which
 * every later stream change of the item is above. A list that has no time at all yet is dated, and
 * its version moved, at the first watermark.
 */
final class Versions {
    /** No event time. */
    static final long UNKNOWN = Long.MIN_VALUE;

    /**
     * The last millisecond of year 2200: later creation times are no times (a list's version,
     * microseconds times {@link #SCALE}, must fit a long: it does until year 2262).
     */
    static final long MAX_EVENT_TIME = 7_258_118_399_999L;

    /**
     * A list's version is its change clock times this, plus the windows made final since its last
     * change.
     */
    static final long SCALE = 1_000L;

    private Versions() {}

    /** True for an event time that is one: not UNKNOWN, not negative, not past year 9999. */
    static boolean known(long time) {
        return time >= 0 && time <= MAX_EVENT_TIME;
    }

    /**
     * A record's event time: its creation time, else its stream record's timestamp, when either is
     * a time; else {@link #UNKNOWN}.
     */
    static long eventTime(long creationTime, Long timestamp) {
        if (known(creationTime)) {
            return creationTime;
        }
        return timestamp != null && known(timestamp) ? timestamp : UNKNOWN;
    }

    /**
     * The event time to version a record with: its own, else the first known of two others; else
     * UNKNOWN.
     */
    static long versionTime(long eventTime, long first, long second) {
        if (known(eventTime)) {
            return eventTime;
        }
        if (known(first)) {
            return first;
        }
        return known(second) ? second : UNKNOWN;
    }

    /**
     * A change clock after {@code clock} for a change versioned at {@code time} (UNKNOWN: one
     * more); an item's version is its change clock.
     */
    static long next(long version, long time) {
        long byOne = version + 1;
        return known(time) ? Math.max(byOne, time * 1000L + 1) : byOne;
    }

    /** A list's version after a change versioned at {@code time}. */
    static long listChanged(long version, long time) {
        return next(version / SCALE, time) * SCALE;
    }

    /**
     * A list's version after one or more of its windows became final (held at the last before the
     * next change).
     */
    static long windowFinal(long version) {
        return Math.floorMod(version, SCALE) == SCALE - 1 ? version : version + 1;
    }

    /**
     * The list's own event time: the creation time its changes have reached (its last change's, or
     * the one its version counts, when higher); UNKNOWN while the list has seen no time at all.
     */
    static long listTime(ListMeta meta) {
        if (!known(meta.lastChangeTime)) {
            return UNKNOWN;
        }
        long t = Math.max(meta.lastChangeTime, meta.version / SCALE / 1000L);
        return known(t) ? t : meta.lastChangeTime;
    }

    /** {@code a + b} for times, held at Long.MAX_VALUE instead of overflowing. */
    static long plus(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}

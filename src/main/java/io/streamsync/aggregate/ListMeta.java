package io.streamsync.aggregate;

/**
 * Per-list state of the aggregation (one value per list; the items live in map states). A Flink
 * POJO: fields may be added later with defaults under Flink's POJO schema evolution; never rename
 * or retype one.
 */
public class ListMeta {
    public long taskCount;
    public long version;

    /**
     * Creation time of the last applied change (epoch ms); for a change without one (a scanned
     * item), the event time the job had reached; Long.MIN_VALUE while the list has seen no time at
     * all.
     */
    public long lastChangeTime = Long.MIN_VALUE;

    /**
     * Processing time of the last applied change. Up to 0.2.0 it drove the clean-up of empty lists;
     * no longer read.
     */
    public long lastChangeProcessingTime;

    /**
     * Before the event-time windows (0.1.0, early 0.2.0 builds): start of the last window emitted,
     * or Long.MIN_VALUE. Since 0.3.0: {@code -1} once {@link #version} is in its scaled form (see
     * {@link LegacySavepoints#scaleVersion}); the field is kept rather than added, so the state's
     * schema is 0.2.0's.
     */
    public long lastEmittedWindowStart = Long.MIN_VALUE;

    /**
     * Before the event-time windows (0.1.0, early 0.2.0 builds): start of the window collecting
     * changes, or Long.MIN_VALUE when none is open. A restored pending window is moved into {@link
     * AggregateState#openWindows} (see {@link ListAggregator}).
     */
    public long pendingWindowStart = Long.MIN_VALUE;

    public long pendingInserted;
    public long pendingModified;
    public long pendingRemoved;
    public long pendingExpired;

    /** Processing-time timer that emits the live aggregate, or Long.MIN_VALUE. */
    public long emitTimer = Long.MIN_VALUE;

    /**
     * Event-time timer that drops the state of an empty list, or Long.MIN_VALUE (up to 0.2.0 a
     * processing-time timer: see {@link LegacySavepoints}).
     */
    public long cleanupTimer = Long.MIN_VALUE;

    /**
     * Since 0.2.0 (event-time windows): the highest watermark at which this list's windows were
     * made final; later ones are late.
     */
    public long finalWatermark = Long.MIN_VALUE;

    /**
     * Since 0.2.0 (event-time windows): the list's latest final window, carried by the live
     * aggregate; Long.MIN_VALUE: none yet.
     */
    public long finalWindowStart = Long.MIN_VALUE;

    public long finalWindowEnd = Long.MIN_VALUE;
    public long finalInserted;
    public long finalModified;
    public long finalRemoved;
    public long finalExpired;

    /**
     * The list's event time at the last walk over its expired tombstones (0.2.0: processing time);
     * {@code Long.MAX_VALUE} ({@link Retention#NO_TOMBSTONES}): no tombstone since the last walk;
     * Long.MIN_VALUE (the default, so in a restored state of a release before it): walk once.
     */
    public long tombstonesPrunedAt = Long.MIN_VALUE;

    public ListMeta() {}

    boolean hasPendingWindow() {
        return pendingWindowStart != Long.MIN_VALUE;
    }
}

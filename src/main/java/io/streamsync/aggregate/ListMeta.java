package io.streamsync.aggregate;

/**
 * Per-list state of the aggregation (one value per list; the items live in map states). A Flink POJO:
 * fields may be added later with defaults under Flink's POJO schema evolution; never rename or retype one.
 */
public class ListMeta {
    public long taskCount;
    public long version;
    /** Creation time of the last applied change (epoch ms). */
    public long lastChangeTime;
    /** Processing time of the last applied change: drives the clean-up of empty lists. */
    public long lastChangeProcessingTime;
    /** Start of the last window emitted, or Long.MIN_VALUE. */
    public long lastEmittedWindowStart = Long.MIN_VALUE;
    /** Start of the window collecting changes now, or Long.MIN_VALUE when none is open. */
    public long pendingWindowStart = Long.MIN_VALUE;

    public long pendingInserted;
    public long pendingModified;
    public long pendingRemoved;
    public long pendingExpired;
    /** Processing-time timer that emits the pending window, or Long.MIN_VALUE. */
    public long emitTimer = Long.MIN_VALUE;
    /** Processing-time timer that drops the state of an empty list, or Long.MIN_VALUE. */
    public long cleanupTimer = Long.MIN_VALUE;

    public ListMeta() {}

    boolean hasPendingWindow() {
        return pendingWindowStart != Long.MIN_VALUE;
    }
}

package io.streamsync.aggregate;

/**
 * The shims for savepoints of earlier releases, kept apart from the aggregation:
 *
 * <ul>
 *   <li>0.1.0 and 0.2.0 builds before the event-time windows: their one pending window per list
 *       (processing-time emission, in {@link ListMeta}'s {@code pending*} fields) is moved into the
 *       open windows on the list's first change or timer after the restore, and published when the
 *       watermark passes it. Its changes carry no identities: the source goes on after them, so
 *       none of them comes again.
 *   <li>0.1.0 and 0.2.0: the clean-up of an empty list was a processing-time timer. Restored, it
 *       fires at once when it is overdue; it then only arms the event-time clean-up ({@link
 *       Retention}).
 *   <li>Their item marks (a bare sequence number) are read by {@link ItemMark}.
 *   <li>Their list versions counted changes only ({@code base + n}, the change clock of {@link
 *       Versions} without its jumps): such a version is scaled by {@link Versions#SCALE} when the
 *       list is first read, which {@link ListMeta#lastEmittedWindowStart} (unused since the
 *       event-time windows) records as {@link #VERSION_SCALED}.
 * </ul>
 *
 * Remove with the support for restoring those releases directly.
 */
final class LegacySavepoints {
    /**
     * {@link ListMeta#lastEmittedWindowStart} of a list whose version is in the scaled form of
     * 0.3.0.
     */
    static final long VERSION_SCALED = -1L;

    private LegacySavepoints() {}

    /** A new list's state: its version in the scaled form, no tombstone to walk. */
    static ListMeta newList() {
        ListMeta meta = new ListMeta();
        meta.lastEmittedWindowStart = VERSION_SCALED;
        meta.tombstonesPrunedAt = Retention.NO_TOMBSTONES;
        return meta;
    }

    /**
     * Scales the version of a list restored from an older release, once (see the class comment).
     */
    static ListMeta scaleVersion(ListMeta meta) {
        if (meta != null && meta.lastEmittedWindowStart != VERSION_SCALED) {
            meta.version =
                    meta.version > Long.MAX_VALUE / Versions.SCALE
                            ? Long.MAX_VALUE - Versions.SCALE
                            : meta.version * Versions.SCALE;
            meta.lastEmittedWindowStart = VERSION_SCALED;
        }
        return meta;
    }

    /** True when the list's state still holds a pending window of an older release. */
    static boolean hasPendingWindow(ListMeta meta) {
        return meta != null && meta.pendingWindowStart != Long.MIN_VALUE;
    }

    /**
     * True when a processing-time timer at {@code timestamp} is a restored release's clean-up
     * timer.
     */
    static boolean isProcessingTimeCleanUp(ListMeta meta, long timestamp) {
        return timestamp == meta.cleanupTimer && timestamp != meta.emitTimer;
    }

    /** Moves the pending window into the open windows, arming its finality when it opens one. */
    static void adoptPendingWindow(
            ListMeta meta, WindowStore store, EventTimeWindows windows, Timers timers)
            throws Exception {
        WindowCounts c = store.get(meta.pendingWindowStart);
        if (c == null) {
            c = new WindowCounts();
            timers.registerEventTime(windows.finalAt(meta.pendingWindowStart));
        }
        c.inserted += meta.pendingInserted;
        c.modified += meta.pendingModified;
        c.removed += meta.pendingRemoved;
        c.expired += meta.pendingExpired;
        c.lastChangeTime = Math.max(c.lastChangeTime, meta.lastChangeTime);
        store.put(meta.pendingWindowStart, c);
        meta.pendingWindowStart = Long.MIN_VALUE;
        meta.pendingInserted = 0;
        meta.pendingModified = 0;
        meta.pendingRemoved = 0;
        meta.pendingExpired = 0;
    }
}

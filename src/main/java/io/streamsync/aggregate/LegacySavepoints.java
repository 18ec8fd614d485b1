package io.streamsync.aggregate;

/**
 * The shims for savepoints of earlier releases, kept apart from the aggregation:
 * <ul>
 *   <li>0.1.0 and 0.2.0 builds before the event-time windows: their one pending window per list
 *       (processing-time emission, in {@link ListMeta}'s {@code pending*} fields) is moved into the open
 *       windows on the list's first change or timer after the restore, and published when the watermark
 *       passes it. Its changes carry no identities: the source goes on after them, so none of them comes
 *       again.
 *   <li>0.1.0 and 0.2.0: the clean-up of an empty list was a processing-time timer. Restored, it fires at
 *       once when it is overdue; it then only arms the event-time clean-up ({@link Retention}).
 *   <li>Their item marks (a bare sequence number) are read by {@link ItemMark}.
 * </ul>
 * Remove with the support for restoring those releases directly.
 */
final class LegacySavepoints {
    private LegacySavepoints() {}

    /** True when the list's state still holds a pending window of an older release. */
    static boolean hasPendingWindow(ListMeta meta) {
        return meta != null && meta.pendingWindowStart != Long.MIN_VALUE;
    }

    /** True when a processing-time timer at {@code timestamp} is a restored release's clean-up timer. */
    static boolean isProcessingTimeCleanUp(ListMeta meta, long timestamp) {
        return timestamp == meta.cleanupTimer && timestamp != meta.emitTimer;
    }

    /** Moves the pending window into the open windows, arming its finality when it opens one. */
    static void adoptPendingWindow(ListMeta meta, WindowStore store, EventTimeWindows windows, Timers timers)
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

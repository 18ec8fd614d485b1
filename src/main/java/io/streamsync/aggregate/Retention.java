package io.streamsync.aggregate;

import java.util.Iterator;

/**
 * When a list's live aggregate is emitted, and how long what it no longer needs is kept.
 *
 * <p><b>Emission.</b> {@code windowSize} of processing time after the first change applied since the last
 * emission (so a quiet list's last change is out within one window size), and when one of the list's
 * windows becomes final.
 *
 * <p><b>Clean-up.</b> A list with no items, no open window and no change for {@code emptyListRetention} has
 * all its state dropped.
 *
 * <p><b>Tombstones.</b> A removed item's mark expires after {@code tombstoneRetention}; a list's expired
 * marks are walked out of memory when it emits in a later retention period than its last walk.
 */
final class Retention {
    private final long windowSize;
    private final long tombstoneRetention;
    private final long emptyListRetention;

    Retention(long windowSize, long tombstoneRetention, long emptyListRetention) {
        this.windowSize = windowSize;
        this.tombstoneRetention = tombstoneRetention;
        this.emptyListRetention = emptyListRetention;
    }

    /** After a change was applied at processing time {@code now}: arms the emission unless it is armed. */
    void changeApplied(ListMeta meta, long now, Timers timers) {
        meta.lastChangeProcessingTime = now;
        if (meta.emitTimer == Long.MIN_VALUE) {
            meta.emitTimer = now + windowSize;
            timers.registerProcessingTime(meta.emitTimer);
        }
    }

    /**
     * After the live aggregate was emitted at {@code now}: disarms the emission and, for an empty list, arms
     * its clean-up. True when the list's tombstones are due for a walk (see {@link #prune}).
     */
    boolean emitted(ListMeta meta, long now, Timers timers) {
        boolean prune = meta.tombstonesPrunedAt == Long.MIN_VALUE
                || Math.floorDiv(now, tombstoneRetention) != Math.floorDiv(meta.tombstonesPrunedAt, tombstoneRetention);
        if (prune) {
            meta.tombstonesPrunedAt = now;
        }
        if (meta.emitTimer != Long.MIN_VALUE) {
            timers.deleteProcessingTime(meta.emitTimer);
            meta.emitTimer = Long.MIN_VALUE;
        }
        if (meta.taskCount == 0) {
            if (meta.cleanupTimer != Long.MIN_VALUE) {
                timers.deleteProcessingTime(meta.cleanupTimer);
            }
            meta.cleanupTimer = now + emptyListRetention;
            timers.registerProcessingTime(meta.cleanupTimer);
        }
        return prune;
    }

    /** The processing-time timer that fired at {@code timestamp} is the list's emission. */
    boolean isEmission(ListMeta meta, long timestamp) {
        return timestamp == meta.emitTimer;
    }

    /**
     * The clean-up timer fired at {@code timestamp}: true when the list's whole state is to be dropped (no
     * items, no open window, no change for the retention).
     */
    boolean cleanUp(ListMeta meta, long timestamp, boolean windowsOpen) {
        if (timestamp != meta.cleanupTimer) {
            return false;
        }
        meta.cleanupTimer = Long.MIN_VALUE;
        return meta.taskCount == 0 && !windowsOpen && timestamp - meta.lastChangeProcessingTime >= emptyListRetention;
    }

    /**
     * Walks a list's tombstones once: the TTL state's iterator removes the expired ones as it meets them (see
     * {@link AggregateState#tombstones}). True when none is left (the caller drops the emptied map).
     */
    static boolean prune(Iterable<String> tombstoneKeys) {
        boolean any = false;
        for (Iterator<String> it = tombstoneKeys.iterator(); it.hasNext(); ) {
            it.next();
            any = true;
        }
        return !any;
    }
}

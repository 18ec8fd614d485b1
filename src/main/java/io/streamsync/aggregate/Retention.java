package io.streamsync.aggregate;

/**
 * When a list's live aggregate is emitted, and how long what it no longer needs is kept.
 *
 * <p><b>Emission.</b> {@code windowSize} of processing time after the first change applied since
 * the last emission (so a quiet list's last change is out within one window size), and when one of
 * the list's windows becomes final. Emission only chooses which states are published; it never
 * moves a version.
 *
 * <p><b>Clean-up.</b> A list with no items and no open window has all its state dropped once the
 * watermark passes its last change by {@code emptyListRetention}: event time, so a restore (whose
 * overdue processing-time timers fire at once) cannot drop a list that the first run kept, and a
 * replay versions the list as the first run did. A list whose state was dropped and one whose state
 * was kept take the same version for the same change (see {@link Versions#next}); a change that
 * comes {@code emptyListRetention} after the list's last one starts the list again without its old
 * window either way ({@link #startsAgain}).
 *
 * <p><b>Tombstones.</b> A removed item's mark expires once the list's event time passes the removal
 * by {@code tombstoneRetention} ({@link LiveCount}); a list's expired marks are walked out of
 * memory when it emits in a later retention period (of event time) than its last walk, and when the
 * watermark passes them ({@link #armPrune}). A list with no tombstone since its last walk (every
 * new list) is never walked ({@link #NO_TOMBSTONES}): a walk opens the tombstone state's iterator,
 * a RocksDB seek.
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

    /**
     * After a change was applied at processing time {@code now}: arms the emission unless it is
     * armed.
     */
    void changeApplied(ListMeta meta, long now, Timers timers) {
        meta.lastChangeProcessingTime = now;
        if (meta.emitTimer == Long.MIN_VALUE) {
            meta.emitTimer = now + windowSize;
            timers.registerProcessingTime(meta.emitTimer);
        }
    }

    /**
     * True when a change at event time {@code eventTime} comes to an empty list {@code
     * emptyListRetention} after its last change: the list starts again as if its state had been
     * dropped (no final window). Call before the change is applied.
     */
    boolean startsAgain(ListMeta meta, long eventTime) {
        long listTime = Versions.listTime(meta);
        if (meta.taskCount != 0
                || !Versions.known(eventTime)
                || !Versions.known(listTime)
                || eventTime < Versions.plus(listTime, emptyListRetention)) {
            return false;
        }
        meta.finalWindowStart = Long.MIN_VALUE;
        meta.finalWindowEnd = Long.MIN_VALUE;
        meta.finalInserted = 0;
        meta.finalModified = 0;
        meta.finalRemoved = 0;
        meta.finalExpired = 0;
        return true;
    }

    /**
     * {@link ListMeta#tombstonesPrunedAt} of a list with no tombstone since its last walk (a new
     * list, or one whose walk left none): its emissions open no walk. No event time ({@link
     * Versions#known}), and never written by a release before it; a restored {@code Long.MIN_VALUE}
     * (unknown) still means one walk at the next emission.
     */
    static final long NO_TOMBSTONES = Long.MAX_VALUE;

    /**
     * After the live aggregate was emitted at processing time {@code now}, the list's event time
     * being {@code listNow}: disarms the emission and, for an empty list, arms its clean-up (an
     * event-time timer). True when the list's tombstones are due for a walk: never for a list with
     * none since its last walk ({@link #NO_TOMBSTONES}).
     */
    boolean emitted(ListMeta meta, long now, long listNow, Timers timers) {
        boolean prune =
                Versions.known(listNow)
                        && meta.tombstonesPrunedAt != NO_TOMBSTONES
                        && (meta.tombstonesPrunedAt == Long.MIN_VALUE
                                || Math.floorDiv(listNow, tombstoneRetention)
                                        != Math.floorDiv(
                                                meta.tombstonesPrunedAt, tombstoneRetention));
        if (prune) {
            meta.tombstonesPrunedAt = listNow;
        }
        if (meta.emitTimer != Long.MIN_VALUE) {
            timers.deleteProcessingTime(meta.emitTimer);
            meta.emitTimer = Long.MIN_VALUE;
        }
        if (meta.taskCount == 0) {
            armCleanUp(meta, timers);
        }
        return prune;
    }

    /**
     * After the live aggregate was emitted: {@link #emitted}, then the walk over the list's
     * tombstones when it is due. True when it walked.
     */
    boolean emitted(
            ListMeta meta, long now, long listNow, Timers timers, LiveCount count, ItemMarks marks)
            throws Exception {
        if (!emitted(meta, now, listNow, timers)) {
            return false;
        }
        walk(meta, listNow, count, marks);
        return true;
    }

    /**
     * At an event-time timer at {@code timestamp}, the list's event time being {@code listNow}:
     * walks the list's tombstones when the timer may be one of {@link #armPrune}'s and the list has
     * tombstones. True when it walked.
     */
    boolean pruneTimer(
            ListMeta meta, long timestamp, long listNow, LiveCount count, ItemMarks marks)
            throws Exception {
        if (!isPruneTime(timestamp) || meta.tombstonesPrunedAt == NO_TOMBSTONES) {
            return false;
        }
        walk(meta, listNow, count, marks);
        return true;
    }

    /** Forgets the list's expired tombstones; when none is left, no walk is due until the next. */
    private static void walk(ListMeta meta, long listNow, LiveCount count, ItemMarks marks)
            throws Exception {
        if (count.prune(marks.removedEntries(), marks, listNow)) {
            marks.clearRemoved();
            meta.tombstonesPrunedAt = NO_TOMBSTONES;
        }
    }

    /**
     * After a removed item's mark was written at event time {@code removedAt}, the list's event
     * time being {@code listNow}: a list that had no tombstone has a walk due at its first emission
     * in a later retention period (at its next one when its time is unknown), and the prune timer
     * is armed ({@link #armPrune}).
     */
    void tombstoneWritten(ListMeta meta, long listNow, long removedAt, Timers timers) {
        if (meta.tombstonesPrunedAt == NO_TOMBSTONES) {
            meta.tombstonesPrunedAt = Versions.known(listNow) ? listNow : Long.MIN_VALUE;
        }
        armPrune(removedAt, timers);
    }

    /**
     * Arms the clean-up of an empty list: an event-time timer at its last change plus the
     * retention.
     */
    void armCleanUp(ListMeta meta, Timers timers) {
        long listTime = Versions.listTime(meta);
        if (!Versions.known(listTime)) {
            return;
        }
        long at = Versions.plus(listTime, emptyListRetention);
        if (meta.cleanupTimer != at) {
            if (meta.cleanupTimer != Long.MIN_VALUE) {
                timers.deleteEventTime(meta.cleanupTimer);
            }
            meta.cleanupTimer = at;
            timers.registerEventTime(at);
        }
    }

    /**
     * After a removed item's mark was written at event time {@code removedAt}: arms an event-time
     * timer at the first multiple of the retention after it expires, so that the list's expired
     * marks leave memory when the watermark passes them even if the list never changes again (one
     * timer per list and retention period at most).
     */
    void armPrune(long removedAt, Timers timers) {
        if (Versions.known(removedAt)) {
            timers.registerEventTime(
                    (Math.floorDiv(removedAt + tombstoneRetention, tombstoneRetention) + 1)
                            * tombstoneRetention);
        }
    }

    /** True when an event-time timer at {@code timestamp} may be one of {@link #armPrune}'s. */
    boolean isPruneTime(long timestamp) {
        return Math.floorMod(timestamp, tombstoneRetention) == 0;
    }

    /** The processing-time timer that fired at {@code timestamp} is the list's emission. */
    boolean isEmission(ListMeta meta, long timestamp) {
        return timestamp == meta.emitTimer;
    }

    /**
     * At an event-time timer, the watermark being {@code watermark}: true when the list's whole
     * state is to be dropped (no items, no open window, the watermark past its last change by the
     * retention). The end of the input ({@code Long.MAX_VALUE}, a drain) drops nothing: it is no
     * event time.
     */
    boolean cleanUp(ListMeta meta, long watermark, boolean windowsOpen) {
        long listTime = Versions.listTime(meta);
        return meta.taskCount == 0
                && !windowsOpen
                && watermark != Long.MAX_VALUE
                && Versions.known(listTime)
                && watermark >= Versions.plus(listTime, emptyListRetention);
    }
}

package io.streamsync.aggregate;

/**
 * The aggregation's output watermark: the input watermark, held just below the earliest creation
 * time of a change applied but not emitted yet ({@link PendingEmissions#earliest}). It never goes
 * back, and an idle signal is held back while something is pending (an idle input would let a
 * downstream operator with several inputs pass the held watermark). The end of the input ({@code
 * Long.MAX_VALUE}) is passed on as it is: it is no event time. Plain Java: {@link
 * WatermarkHoldingOperator} calls it and emits what it returns.
 */
public final class WatermarkHold {
    /** Nothing to emit. */
    public static final long NONE = Long.MIN_VALUE;

    private long input = Long.MIN_VALUE;
    private long emitted = Long.MIN_VALUE;
    private boolean idleRequested;
    private boolean idleForwarded;

    /** A watermark came in; returns the one to emit, or {@link #NONE}. */
    public long input(long watermark, long earliestPending) {
        input = Math.max(input, watermark);
        return next(earliestPending);
    }

    /** Pending changes were emitted (or added); returns the watermark to emit, or {@link #NONE}. */
    public long next(long earliestPending) {
        // a watermark W says "no more changes created at or before W": held below the earliest
        long held =
                input == Long.MAX_VALUE
                        ? Long.MAX_VALUE
                        : Math.min(
                                input,
                                earliestPending == Long.MIN_VALUE
                                        ? Long.MIN_VALUE
                                        : earliestPending - 1);
        if (held > emitted) {
            emitted = held;
            return held;
        }
        return NONE;
    }

    /** The input went idle: true when the idle signal may be passed on now. */
    public boolean idle(boolean pendingEmpty) {
        idleRequested = true;
        return releaseIdle(pendingEmpty);
    }

    /**
     * The input is active again: true when an idle signal had been passed on (so active must be).
     */
    public boolean active() {
        idleRequested = false;
        boolean wasForwarded = idleForwarded;
        idleForwarded = false;
        return wasForwarded;
    }

    /** True when an idle signal held back may be passed on now. */
    public boolean releaseIdle(boolean pendingEmpty) {
        if (idleRequested && !idleForwarded && pendingEmpty) {
            idleForwarded = true;
            return true;
        }
        return false;
    }

    /** The last watermark emitted. */
    public long emitted() {
        return emitted;
    }
}

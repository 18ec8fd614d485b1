package io.streamsync.aggregate;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lists of one aggregation subtask with changes applied but not emitted yet (their emission is
 * armed, see {@link Retention}), each with the earliest creation time among those changes. The
 * aggregation's output watermark is held at {@link #earliest} (see {@link
 * WatermarkHoldingOperator}), so that a watermark leaving the aggregation says: every change
 * created before it that this subtask applied is in a live aggregate it emitted before that
 * watermark.
 *
 * <p>A change without a creation time (a bootstrap-scan item), and a list restored with an armed
 * emission (whose pending changes' times a checkpoint does not keep), are held at {@link
 * Long#MIN_VALUE}: the watermark stands still until their list is emitted (within one window size
 * of processing time). Plain Java, kept in memory only: a restore rebuilds it from the lists' armed
 * emissions.
 */
public final class PendingEmissions {
    private final Map<String, Long> earliestByList = new HashMap<>();
    private final TreeMap<Long, Integer> times = new TreeMap<>();

    /** A change created at {@code creationTime} (Long.MIN_VALUE: unknown) was applied to a list. */
    public void applied(String listId, long creationTime) {
        long t = creationTime < 0 ? Long.MIN_VALUE : creationTime;
        Long before = earliestByList.get(listId);
        if (before != null && before <= t) {
            return;
        }
        if (before != null) {
            remove(before);
        }
        earliestByList.put(listId, t);
        times.merge(t, 1, Integer::sum);
    }

    /** The list's live aggregate was emitted (or its state dropped): it holds nothing back. */
    public void emitted(String listId) {
        Long before = earliestByList.remove(listId);
        if (before != null) {
            remove(before);
        }
    }

    /** The earliest creation time of a change not emitted yet; Long.MAX_VALUE when none. */
    public long earliest() {
        return times.isEmpty() ? Long.MAX_VALUE : times.firstKey();
    }

    public boolean isEmpty() {
        return earliestByList.isEmpty();
    }

    public int size() {
        return earliestByList.size();
    }

    private void remove(long t) {
        times.computeIfPresent(t, (k, n) -> n == 1 ? null : n - 1);
    }
}

package io.streamsync.sink.commit;

import java.util.BitSet;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * How far one output has caught up: the time T such that every change created before T is applied
 * and published. Fed with the batches the committers have published (each with its writer's
 * watermark at the checkpoint barrier, see {@link CommitBatch#watermark}); a checkpoint counts once
 * the batches of <b>all</b> its writer subtasks are published, and then stands for the least of
 * their watermarks (each writer's watermark covers only the states that reached that writer). The
 * answer never goes back: a checkpoint below what was already published (after a restore the
 * watermarks start anew) publishes nothing. Plain Java, one instance in the job (the status step
 * runs with parallelism 1); kept in memory only, as the status it publishes is guarded outside.
 */
public final class CaughtUp {
    /**
     * The key of the status row in the aggregate table and the id of the status document in the
     * aggregate index. As a document id it cannot be a list's, an item's or a window's: escaping
     * ({@link io.streamsync.change.ItemKeys}) puts a backslash before every {@code |}, and a
     * partition key is never empty. In the aggregate table a list could have this id: the table's
     * publisher refuses such a list as a dead letter, so the row stays the status.
     */
    public static final String STATUS_ID = "|streamsync:caught-up";

    /** Nothing new to publish. */
    public static final long NONE = Long.MIN_VALUE;

    /** Checkpoints kept waiting for their last subtasks at most. */
    static final int MAX_OPEN = 64;

    private final TreeMap<Long, Map<Integer, Open>> open = new TreeMap<>();
    private long published;

    /** {@code published}: the caught-up time already published ({@link #NONE}: none). */
    public CaughtUp(long published) {
        this.published = published;
    }

    public CaughtUp() {
        this(NONE);
    }

    /**
     * The batch of writer {@code subtask} of {@code subtasks} for checkpoint {@code checkpointId}
     * is published. Returns the new caught-up time to publish, or {@link #NONE}.
     */
    public long published(long checkpointId, int subtask, int subtasks, long watermark) {
        if (subtasks <= 0 || subtask < 0 || subtask >= subtasks) {
            return NONE; // a batch of release 0.3.0: no watermark, no subtask
        }
        Map<Integer, Open> byParallelism =
                open.computeIfAbsent(checkpointId, id -> new TreeMap<>());
        Open o = byParallelism.computeIfAbsent(subtasks, Open::new);
        o.add(subtask, watermark);
        if (!o.complete()) {
            while (open.size() > MAX_OPEN) {
                open.pollFirstEntry();
            }
            return NONE;
        }
        // every subtask's batch of this checkpoint is published; each subtask published its earlier
        // batches before (a committer commits checkpoints in order): older checkpoints are done
        Iterator<Long> ids = open.headMap(checkpointId, true).keySet().iterator();
        while (ids.hasNext()) {
            ids.next();
            ids.remove();
        }
        long t = o.min;
        if (t == CommitBatch.NO_WATERMARK || t == Long.MAX_VALUE || t <= published) {
            return NONE;
        }
        published = t;
        return t;
    }

    /** True for the status row's key (or document id): readers of the aggregates skip it. */
    public static boolean isStatus(String listIdOrDocumentId) {
        return STATUS_ID.equals(listIdOrDocumentId);
    }

    /** The caught-up time published last, or {@link #NONE}. */
    public long published() {
        return published;
    }

    private static final class Open {
        final int subtasks;
        final BitSet seen = new BitSet();
        long min = Long.MAX_VALUE;

        Open(int subtasks) {
            this.subtasks = subtasks;
        }

        void add(int subtask, long watermark) {
            seen.set(subtask);
            min = Math.min(min, watermark);
        }

        boolean complete() {
            return seen.cardinality() == subtasks;
        }
    }
}

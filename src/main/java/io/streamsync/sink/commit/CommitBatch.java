package io.streamsync.sink.commit;

import java.util.List;

/**
 * The committable of a {@link CheckpointCommittingSink}: the latest state of every key one writer
 * subtask received in one checkpoint interval, and the watermark that writer had at the checkpoint
 * barrier (how far the batch has caught up, see {@link CaughtUp}).
 */
public final class CommitBatch<T> {
    /** No watermark: the batch claims nothing about event time (and batches of release 0.3.0). */
    public static final long NO_WATERMARK = Long.MIN_VALUE;

    public final List<T> states;

    /**
     * The writer's watermark at the barrier: every change created before it reached this writer in
     * this batch or an earlier one; {@link #NO_WATERMARK} when unknown.
     */
    public final long watermark;

    /** The writer subtask that made the batch, and how many there were; -1 and 0 when unknown. */
    public final int subtask;

    public final int subtasks;

    public CommitBatch(List<T> states) {
        this(states, NO_WATERMARK, -1, 0);
    }

    public CommitBatch(List<T> states, long watermark, int subtask, int subtasks) {
        this.states = List.copyOf(states);
        this.watermark = watermark;
        this.subtask = subtask;
        this.subtasks = subtasks;
    }

    @Override
    public String toString() {
        return "CommitBatch{"
                + states.size()
                + " states, watermark "
                + watermark
                + ", subtask "
                + subtask
                + "/"
                + subtasks
                + "}";
    }
}

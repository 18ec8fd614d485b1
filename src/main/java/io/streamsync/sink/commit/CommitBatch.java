package io.streamsync.sink.commit;

import java.util.List;

/**
 * The committable of a {@link CheckpointCommittingSink}: the latest state of every key one writer
 * subtask received in one checkpoint interval.
 */
public final class CommitBatch<T> {
    public final List<T> states;

    public CommitBatch(List<T> states) {
        this.states = List.copyOf(states);
    }

    @Override
    public String toString() {
        return "CommitBatch{" + states.size() + " states}";
    }
}

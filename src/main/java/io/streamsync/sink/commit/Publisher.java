package io.streamsync.sink.commit;

import java.io.IOException;
import java.util.List;

/**
 * Writes the states of a completed checkpoint to an external system. Every write must be idempotent
 * and guarded by the version (a state never replaces a newer one), because a batch is written again
 * after a failure during its commit, and an older batch is written again after a restore from an
 * older savepoint.
 */
public interface Publisher<T> extends AutoCloseable {
    /**
     * Returns once every state is written, found already superseded by a newer one, or refused for
     * good and reported (a rejected document). Retries what can be retried; throws when it cannot
     * finish, which fails the job over: the batch stays in the checkpoint and is published again
     * after the restore.
     */
    void publish(List<T> states) throws IOException, InterruptedException;

    @Override
    void close() throws IOException;
}

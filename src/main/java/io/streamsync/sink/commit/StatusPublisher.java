package io.streamsync.sink.commit;

import java.io.IOException;

/**
 * Publishes how far an output has caught up (see {@link CaughtUp}) as a status row or document next
 * to the output's data. The write must be guarded so that the published time never goes back.
 */
public interface StatusPublisher extends AutoCloseable {
    /**
     * Every change created before {@code caughtUp} (epoch ms) is published, as of checkpoint {@code
     * checkpointId}. Retries what can be retried; throws when it cannot finish.
     */
    void publish(long caughtUp, long checkpointId) throws IOException, InterruptedException;

    @Override
    void close() throws IOException;
}

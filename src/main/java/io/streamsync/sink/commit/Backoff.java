package io.streamsync.sink.commit;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * Waits between retries of one publish: exponential from 100 ms up to 5 s, with full jitter. The
 * timeout bounds a failing period, not the publication: it starts at the first failure after
 * progress and ends with the next progress ({@link #progressed}), so a large batch that has been
 * publishing for longer than the timeout is not given up at its first throttled write. Past it,
 * {@link #pause} throws with what was still failing.
 */
public final class Backoff {
    private static final long FIRST_MS = 100;
    private static final long MAX_MS = 5000;

    private final Duration timeout;
    private final LongSupplier nanoTime;
    private boolean failing;
    private long failingSinceNanos;
    private long nextMs = FIRST_MS;

    public Backoff(Duration timeout) {
        this(timeout, System::nanoTime);
    }

    Backoff(Duration timeout, LongSupplier nanoTime) {
        this.timeout = timeout;
        this.nanoTime = nanoTime;
    }

    /**
     * Some writes went through (or were settled for good) since the last pause: the failing period
     * is over.
     */
    public void progressed() {
        failing = false;
        nextMs = FIRST_MS;
    }

    /**
     * Sleeps before the next attempt, or throws if the writes have been failing without progress
     * for the timeout.
     */
    public void pause(String what) throws IOException, InterruptedException {
        long now = nanoTime.getAsLong();
        if (!failing) {
            failing = true;
            failingSinceNanos = now;
        }
        long left = (failingSinceNanos + timeout.toNanos() - now) / 1_000_000;
        if (left <= 0) {
            throw new IOException(
                    "gave up after "
                            + timeout.toMillis()
                            + " ms of failures without progress"
                            + " (sink.commit.retry.timeout.ms): "
                            + what);
        }
        long sleep = Math.min(left, ThreadLocalRandom.current().nextLong(nextMs / 2, nextMs + 1));
        nextMs = Math.min(MAX_MS, nextMs * 2);
        Thread.sleep(sleep);
    }
}

package io.streamsync.sink.commit;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Waits between retries of one publish: exponential from 100 ms up to 5 s, with full jitter, until a
 * deadline; past it, {@link #pause} throws with what was still failing.
 */
public final class Backoff {
    private static final long FIRST_MS = 100;
    private static final long MAX_MS = 5000;

    private final long deadlineNanos;
    private final Duration timeout;
    private long nextMs = FIRST_MS;

    public Backoff(Duration timeout) {
        this.timeout = timeout;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    /** Sleeps before the next attempt, or throws if the deadline has passed. */
    public void pause(String what) throws IOException, InterruptedException {
        long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new IOException("gave up after " + timeout.toMillis() + " ms (sink.commit.retry.timeout.ms): " + what);
        }
        long sleep = Math.min(left, ThreadLocalRandom.current().nextLong(nextMs / 2, nextMs + 1));
        nextMs = Math.min(MAX_MS, nextMs * 2);
        Thread.sleep(sleep);
    }
}

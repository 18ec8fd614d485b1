package io.streamsync.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or a deadline passes; no fixed sleeps in tests. */
public final class Poll {
    private Poll() {}

    /**
     * Calls {@code check} until it returns null (meaning: satisfied) or the deadline passes; the
     * last non-null answer describes what is still wrong and becomes the failure message. Between
     * two calls it waits 250 ms, or as long as the last call took if that was longer: a check that
     * scans a large table then takes at most half of what moto (one core) can serve, and the job
     * under test gets the rest.
     */
    public static void until(Duration timeout, Callable<String> check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String problem = "not checked";
        while (System.nanoTime() < deadline) {
            long started = System.nanoTime();
            problem = check.call();
            if (problem == null) {
                return;
            }
            Thread.sleep(Math.max(250, (System.nanoTime() - started) / 1_000_000));
        }
        throw new AssertionError("not reached within " + timeout + ": " + problem);
    }
}

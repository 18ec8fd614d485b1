package io.streamsync.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or a deadline passes; no fixed sleeps in tests. */
public final class Poll {
    private Poll() {}

    /**
     * Calls {@code check} until it returns null (meaning: satisfied) or the deadline passes; the last
     * non-null answer describes what is still wrong and becomes the failure message.
     */
    public static void until(Duration timeout, Callable<String> check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String problem = "not checked";
        while (System.nanoTime() < deadline) {
            problem = check.call();
            if (problem == null) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not reached within " + timeout + ": " + problem);
    }
}

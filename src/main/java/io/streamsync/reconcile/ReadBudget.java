package io.streamsync.reconcile;

/**
 * The report's read-capacity budget: every Scan, Query and GetItem call the report makes takes its
 * consumed read units from here, and the next call waits until the average since the start is back
 * under {@code unitsPerSecond}. Shared by the scan's threads. 0: no limit (units are still
 * counted).
 */
final class ReadBudget {
    private final double unitsPerSecond;
    private final long startNanos;
    private double consumed;

    ReadBudget(double unitsPerSecond) {
        this.unitsPerSecond = unitsPerSecond;
        this.startNanos = System.nanoTime();
    }

    /** Waits until the budget allows another call. */
    void awaitTurn() throws InterruptedException {
        if (unitsPerSecond <= 0) {
            return;
        }
        while (true) {
            long waitMs;
            synchronized (this) {
                double allowedAt = consumed / unitsPerSecond; // seconds since the start
                double now = (System.nanoTime() - startNanos) / 1e9;
                waitMs = (long) Math.ceil((allowedAt - now) * 1000);
            }
            if (waitMs <= 0) {
                return;
            }
            Thread.sleep(Math.min(waitMs, 1000)); // pacing, not waiting for an outcome
        }
    }

    /** Records what a call consumed (DynamoDB's ConsumedCapacity; null: moto may not report it). */
    synchronized void consumed(Double units) {
        if (units != null) {
            consumed += units;
        }
    }

    synchronized double consumed() {
        return consumed;
    }
}

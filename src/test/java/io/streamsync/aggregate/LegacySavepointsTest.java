package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The shim for the pending window of 0.1.0 and early 0.2.0 savepoints, without Flink. */
class LegacySavepointsTest {
    private static final long W = 10_000;
    private static final long T0 = 1_704_067_200_000L;

    @Test
    void movesThePendingWindowIntoTheOpenWindowsOnce() throws Exception {
        ListMeta meta = new ListMeta();
        meta.pendingWindowStart = T0;
        meta.pendingInserted = 3;
        meta.pendingRemoved = 1;
        meta.lastChangeTime = T0 + 5;
        PartsFixtures.Windows store = new PartsFixtures.Windows();
        WindowCounts open = new WindowCounts();
        open.modified = 2;
        store.put(T0, open);
        PartsFixtures.RecordingTimers timers = new PartsFixtures.RecordingTimers();
        EventTimeWindows windows =
                new EventTimeWindows(W, 0, true, "list-aggregator", PartsFixtures.metrics());

        assertThat(LegacySavepoints.hasPendingWindow(meta)).isTrue();
        LegacySavepoints.adoptPendingWindow(meta, store, windows, timers);
        assertThat(LegacySavepoints.hasPendingWindow(meta)).isFalse();
        assertThat(store.open.get(T0).inserted).isEqualTo(3);
        assertThat(store.open.get(T0).modified).isEqualTo(2);
        assertThat(store.open.get(T0).removed).isEqualTo(1);
        assertThat(store.open.get(T0).lastChangeTime).isEqualTo(T0 + 5);
        assertThat(timers.event).as("the window was open: its timer is armed").isEmpty();

        meta.pendingWindowStart = T0 + W;
        meta.pendingInserted = 1;
        LegacySavepoints.adoptPendingWindow(meta, store, windows, timers);
        assertThat(timers.event).containsExactly(T0 + 2 * W - 1);
        assertThat(LegacySavepoints.hasPendingWindow(null)).isFalse();
    }

    @Test
    void recognisesTheProcessingTimeCleanUpTimerOfAnOlderRelease() {
        ListMeta meta = new ListMeta();
        meta.cleanupTimer = 5_000;
        meta.emitTimer = 7_000;
        assertThat(LegacySavepoints.isProcessingTimeCleanUp(meta, 5_000)).isTrue();
        assertThat(LegacySavepoints.isProcessingTimeCleanUp(meta, 7_000))
                .as("the emission")
                .isFalse();
        assertThat(LegacySavepoints.isProcessingTimeCleanUp(meta, 6_000)).isFalse();
    }
}

package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Emission timers, the clean-up of empty lists and the tombstone walk, without Flink. */
class RetentionTest {
    private static final long W = 10_000;
    private static final long TOMBSTONES = 60_000;
    private static final long EMPTY = 120_000;
    private final Retention retention = new Retention(W, TOMBSTONES, EMPTY);
    private final PartsFixtures.RecordingTimers timers = new PartsFixtures.RecordingTimers();
    private final ListMeta meta = new ListMeta();
    private static final long T0 = 1_704_067_200_000L;

    @Test
    void armsTheEmissionOnceWindowSizeAfterTheFirstChangeSinceTheLastEmission() {
        meta.taskCount = 1; // not empty: no clean-up timer
        retention.changeApplied(meta, 1_000, timers);
        retention.changeApplied(meta, 5_000, timers);
        assertThat(timers.processing).containsExactly(1_000 + W);
        assertThat(retention.isEmission(meta, 1_000 + W)).isTrue();
        retention.emitted(meta, 1_000 + W, T0, timers);
        assertThat(meta.emitTimer).isEqualTo(Long.MIN_VALUE);
        retention.changeApplied(meta, 20_000, timers);
        assertThat(timers.processing).containsExactly(20_000 + W);
    }

    @Test
    void anEmptyListIsDroppedOnceTheWatermarkPassesItsLastChangeByTheRetentionWithNoWindowOpen() {
        meta.lastChangeTime = T0;
        meta.version = (T0 * 1000 + 2) * Versions.SCALE;
        retention.changeApplied(meta, 1_000, timers);
        retention.emitted(meta, 1_000 + W, T0, timers);
        assertThat(timers.event).as("an event-time timer").containsExactly(T0 + EMPTY);
        assertThat(timers.processing).isEmpty();
        assertThat(retention.cleanUp(meta, T0 + EMPTY - 1, false)).isFalse();
        assertThat(retention.cleanUp(meta, T0 + EMPTY, true)).as("a window is open").isFalse();
        assertThat(retention.cleanUp(meta, Long.MAX_VALUE, false))
                .as("a drain is no event time")
                .isFalse();
        meta.taskCount = 1;
        assertThat(retention.cleanUp(meta, T0 + EMPTY, false)).as("an item is back").isFalse();
        meta.taskCount = 0;
        assertThat(retention.cleanUp(meta, T0 + EMPTY, false)).isTrue();
    }

    @Test
    void aChangeARetentionAfterTheLastStartsTheListAgainWithoutItsOldWindow() {
        meta.lastChangeTime = T0;
        meta.version = (T0 * 1000 + 2) * Versions.SCALE;
        meta.finalWindowStart = T0 - W;
        assertThat(retention.startsAgain(meta, T0 + EMPTY - 1)).isFalse();
        meta.taskCount = 1;
        assertThat(retention.startsAgain(meta, T0 + EMPTY)).as("not empty").isFalse();
        meta.taskCount = 0;
        assertThat(retention.startsAgain(meta, T0 + EMPTY)).isTrue();
        assertThat(meta.finalWindowStart).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void walksTheTombstonesOncePerRetentionPeriodOfEventTime() {
        meta.taskCount = 1;
        assertThat(retention.emitted(meta, 1_000, T0, timers)).isTrue();
        assertThat(retention.emitted(meta, 1_000_000_000, T0 + 1, timers))
                .as("processing time does not count")
                .isFalse();
        assertThat(retention.emitted(meta, 2_000, T0 + TOMBSTONES, timers)).isTrue();
        assertThat(retention.emitted(meta, 3_000, Versions.UNKNOWN, timers)).isFalse();
    }

    @Test
    void armsOnePruneTimerPerRetentionPeriodAfterTheRemovalExpires() {
        retention.armPrune(T0 + 5, timers);
        retention.armPrune(T0 + 7, timers);
        retention.armPrune(Versions.UNKNOWN, timers);
        long at = T0 + 2 * TOMBSTONES; // T0 is a multiple of the retention
        assertThat(timers.event).containsExactly(at, at);
        assertThat(at).isGreaterThanOrEqualTo(T0 + 7 + TOMBSTONES);
        assertThat(retention.isPruneTime(at)).isTrue();
        assertThat(retention.isPruneTime(at + 1)).isFalse();
    }
}

package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Emission timers, the clean-up of empty lists and the tombstone walk, without Flink. */
class RetentionTest {
    private static final long W = 10_000;
    private static final long TOMBSTONES = 60_000;
    private static final long EMPTY = 120_000;
    private final Retention retention = new Retention(W, TOMBSTONES, EMPTY);
    private final PartsFixtures.RecordingTimers timers = new PartsFixtures.RecordingTimers();
    private final ListMeta meta = new ListMeta();

    @Test
    void armsTheEmissionOnceWindowSizeAfterTheFirstChangeSinceTheLastEmission() {
        meta.taskCount = 1; // not empty: no clean-up timer
        retention.changeApplied(meta, 1_000, timers);
        retention.changeApplied(meta, 5_000, timers);
        assertThat(timers.processing).containsExactly(1_000 + W);
        assertThat(retention.isEmission(meta, 1_000 + W)).isTrue();
        retention.emitted(meta, 1_000 + W, timers);
        assertThat(meta.emitTimer).isEqualTo(Long.MIN_VALUE);
        retention.changeApplied(meta, 20_000, timers);
        assertThat(timers.processing).containsExactly(20_000 + W);
    }

    @Test
    void anEmptyListIsDroppedOnlyAfterTheRetentionWithNoWindowOpen() {
        retention.changeApplied(meta, 1_000, timers);
        retention.emitted(meta, 1_000 + W, timers);
        long cleanup = 1_000 + W + EMPTY;
        assertThat(timers.processing).containsExactly(cleanup);
        assertThat(retention.cleanUp(meta, cleanup, true)).as("a window is open").isFalse();
        meta.cleanupTimer = cleanup;
        meta.taskCount = 1;
        assertThat(retention.cleanUp(meta, cleanup, false)).as("an item is back").isFalse();
        meta.cleanupTimer = cleanup;
        meta.taskCount = 0;
        assertThat(retention.cleanUp(meta, cleanup, false)).isTrue();
        assertThat(retention.cleanUp(meta, cleanup + 1, false)).as("not its timer").isFalse();
    }

    @Test
    void walksTheTombstonesOncePerRetentionPeriod() {
        assertThat(retention.emitted(meta, 1_000, timers)).isTrue();
        assertThat(retention.emitted(meta, 2_000, timers)).isFalse();
        assertThat(retention.emitted(meta, TOMBSTONES + 1, timers)).isTrue();
        assertThat(Retention.prune(List.of())).isTrue();
        assertThat(Retention.prune(List.of("a|1"))).isFalse();
    }
}

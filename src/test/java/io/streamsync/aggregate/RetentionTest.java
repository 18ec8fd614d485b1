package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
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

    @Test
    void aListThatNeverRemovedAnItemNeverWalksItsTombstones() throws Exception {
        LiveCount count = new LiveCount(true, TOMBSTONES, PartsFixtures.metrics());
        PartsFixtures.Marks marks = new PartsFixtures.Marks();
        ListMeta list = LegacySavepoints.newList(); // what the operator makes of a new list
        int walks = 0;
        for (int period = 0; period < 3; period++) {
            long t = T0 + period * TOMBSTONES;
            for (int i = 0; i < 3; i++) {
                ChangeEvent e =
                        PartsFixtures.change(
                                ChangeType.INSERT, "a", period + "-" + i, t + i, "1" + period + i);
                assertThat(count.isNew(e, marks, t)).isTrue();
                count.apply(e, marks, list, t, t + i);
            }
            // an emission in every retention period, the first one included: a walk would open
            // the tombstone state's iterator (a RocksDB seek) and clear it
            if (retention.emitted(list, 1_000 + period, t + 2, timers)) {
                walks++;
            }
        }
        assertThat(list.taskCount).isEqualTo(9);
        assertThat(marks.removed).isEmpty();
        assertThat(walks).as("tombstone walks of a list that has none").isZero();
    }

    @Test
    void aListWithNoTombstoneNeitherWalksNorClearsAtEmissionsOrPruneTimers() throws Exception {
        LiveCount count = new LiveCount(true, TOMBSTONES, PartsFixtures.metrics());
        PartsFixtures.Marks marks = new PartsFixtures.Marks();
        ListMeta list = LegacySavepoints.newList();
        for (int period = 0; period < 3; period++) {
            long t = T0 + period * TOMBSTONES;
            ChangeEvent e = PartsFixtures.change(ChangeType.INSERT, "a", "i" + period, t, "1" + t);
            assertThat(count.isNew(e, marks, t)).isTrue();
            count.apply(e, marks, list, t, t);
            assertThat(retention.emitted(list, 1_000 + period, t, timers, count, marks)).isFalse();
            assertThat(retention.pruneTimer(list, t, t, count, marks))
                    .as("a window's timer at a multiple of the retention")
                    .isFalse();
        }
        assertThat(marks.walks).isZero();
        assertThat(marks.clears).isZero();
    }

    @Test
    void aRemovalMakesAWalkDueInTheNextPeriodWhichPrunesItThenNoneIsDue() throws Exception {
        LiveCount count = new LiveCount(true, TOMBSTONES, PartsFixtures.metrics());
        PartsFixtures.Marks marks = new PartsFixtures.Marks();
        ListMeta list = LegacySavepoints.newList();
        ChangeEvent insert = PartsFixtures.change(ChangeType.INSERT, "a", "x", T0 + 1, "10");
        count.apply(insert, marks, list, T0 + 1, T0 + 1);
        ChangeEvent remove = PartsFixtures.change(ChangeType.REMOVE, "a", "x", T0 + 2, "11");
        count.apply(remove, marks, list, T0 + 2, T0 + 2);
        retention.tombstoneWritten(list, T0 + 2, T0 + 2, timers);
        assertThat(timers.event).as("the prune timer").containsExactly(T0 + 2 * TOMBSTONES);

        assertThat(retention.emitted(list, 1, T0 + 3, timers, count, marks))
                .as("same period as the removal")
                .isFalse();
        assertThat(retention.emitted(list, 2, T0 + TOMBSTONES, timers, count, marks))
                .as("the next period: walked, the tombstone not expired yet")
                .isTrue();
        assertThat(marks.removed).containsKey(insert.itemKey);
        assertThat(retention.emitted(list, 3, T0 + TOMBSTONES + 5, timers, count, marks))
                .as("once per period")
                .isFalse();
        assertThat(
                        retention.pruneTimer(
                                list, T0 + 2 * TOMBSTONES, T0 + 2 * TOMBSTONES, count, marks))
                .as("the prune timer: walked, the tombstone expired")
                .isTrue();
        assertThat(marks.removed).isEmpty();
        assertThat(marks.clears).isEqualTo(1);
        assertThat(marks.walks).isEqualTo(2);
        assertThat(count.isNew(insert, marks, T0 + 2 * TOMBSTONES))
                .as("forgotten: the old insert applies again")
                .isTrue();

        assertThat(retention.emitted(list, 4, T0 + 5 * TOMBSTONES, timers, count, marks))
                .as("none left: no walk due any more")
                .isFalse();
        assertThat(marks.walks).isEqualTo(2);
    }

    @Test
    void aListOfAnOlderReleaseWalksOnceThenOnlyAfterARemoval() throws Exception {
        LiveCount count = new LiveCount(true, TOMBSTONES, PartsFixtures.metrics());
        PartsFixtures.Marks marks = new PartsFixtures.Marks();
        ListMeta restored = new ListMeta(); // Long.MIN_VALUE, as every golden savepoint holds
        restored.taskCount = 1;
        marks.removed.put("a|old", "11"); // 0.2.0: a mark without a removal time
        assertThat(retention.emitted(restored, 1, T0, timers, count, marks)).isTrue();
        assertThat(marks.removed).as("dated at T0, kept").hasSize(1);
        assertThat(retention.emitted(restored, 2, T0 + 2 * TOMBSTONES, timers, count, marks))
                .isTrue();
        assertThat(marks.removed).isEmpty();
        assertThat(restored.tombstonesPrunedAt).isEqualTo(Retention.NO_TOMBSTONES);
        assertThat(retention.emitted(restored, 3, T0 + 9 * TOMBSTONES, timers, count, marks))
                .isFalse();
        retention.tombstoneWritten(restored, Versions.UNKNOWN, Versions.UNKNOWN, timers);
        assertThat(retention.emitted(restored, 4, T0 + 9 * TOMBSTONES + 1, timers, count, marks))
                .as("a removal at an unknown time: walked at the next emission")
                .isTrue();
    }
}

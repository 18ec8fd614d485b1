package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Versions and event times, without Flink. */
class VersionsTest {
    private static final long T0 = 1_704_067_200_000L;

    @Test
    void aRecordWithoutACreationTimeHasNoEventTimeWhateverItsTimestampSays() {
        assertThat(Versions.eventTime(T0, null)).isEqualTo(T0);
        assertThat(Versions.eventTime(-1, T0)).isEqualTo(T0);
        assertThat(Versions.eventTime(-1, Long.MIN_VALUE))
                .as("Flink's NO_TIMESTAMP")
                .isEqualTo(Versions.UNKNOWN);
        assertThat(Versions.eventTime(-1, null)).isEqualTo(Versions.UNKNOWN);
        assertThat(Versions.eventTime(Versions.MAX_EVENT_TIME + 1, null))
                .as("past year 2200")
                .isEqualTo(Versions.UNKNOWN);
        assertThat(Versions.eventTime(Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(Versions.UNKNOWN);
    }

    @Test
    void theNextVersionIsAboveTheLastAndAtLeastTheChangesMicrosecond() {
        assertThat(Versions.next(0, T0)).isEqualTo(T0 * 1000 + 1);
        assertThat(Versions.next(T0 * 1000 + 1, T0)).isEqualTo(T0 * 1000 + 2);
        assertThat(Versions.next(T0 * 1000 + 7, T0 + 1)).isEqualTo((T0 + 1) * 1000 + 1);
        assertThat(Versions.next(5, Versions.UNKNOWN)).isEqualTo(6);
        assertThat(Versions.next(0, Versions.MAX_EVENT_TIME)).as("no overflow").isPositive();
    }

    @Test
    void aDroppedListAndAKeptOneTakeTheSameVersionForTheSameChange() {
        long kept = T0 * 1000 + 40; // 40 changes in its first millisecond, then emptied
        long later = T0 + 120_000;
        assertThat(Versions.next(kept, later)).isEqualTo(Versions.next(0, later));
    }

    @Test
    void versionTimePrefersTheRecordsOwnThenTheFirstKnown() {
        assertThat(Versions.versionTime(T0, 1, 2)).isEqualTo(T0);
        assertThat(Versions.versionTime(Versions.UNKNOWN, Versions.UNKNOWN, T0)).isEqualTo(T0);
        assertThat(Versions.versionTime(Versions.UNKNOWN, T0 - 1, T0)).isEqualTo(T0 - 1);
        assertThat(Versions.versionTime(Versions.UNKNOWN, Long.MIN_VALUE, Long.MIN_VALUE))
                .isEqualTo(Versions.UNKNOWN);
    }

    @Test
    void aListsTimeIsItsLastChangeOrWhatItsVersionCounts() {
        ListMeta meta = new ListMeta();
        assertThat(Versions.listTime(meta)).isEqualTo(Versions.UNKNOWN);
        meta.lastChangeTime = T0;
        meta.version = ((T0 + 5) * 1000 + 1) * Versions.SCALE + 3;
        assertThat(Versions.listTime(meta)).isEqualTo(T0 + 5);
        assertThat(Versions.plus(Long.MAX_VALUE - 1, 10)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aListsVersionNamesItsLastChangeWhateverTheWindowsDid() {
        long v = Versions.listChanged(0, T0);
        assertThat(v).isEqualTo((T0 * 1000 + 1) * 1000);
        long w = Versions.windowFinal(Versions.windowFinal(v));
        assertThat(w).isEqualTo(v + 2);
        assertThat(Versions.listChanged(w, T0))
                .as("the next change: the next clock, whatever the windows did")
                .isEqualTo(Versions.listChanged(v, T0))
                .isEqualTo((T0 * 1000 + 2) * 1000);
        long full = v + Versions.SCALE - 1;
        assertThat(Versions.windowFinal(full))
                .as("held before the next change's version")
                .isEqualTo(full);
        assertThat(Versions.listChanged(0, Versions.MAX_EVENT_TIME)).as("fits a long").isPositive();
    }

    @Test
    void aVersionOfAnOlderReleaseIsScaledOnce() {
        ListMeta old = new ListMeta(); // as restored from 0.2.0: version base + n
        old.version = T0 * 1000 + 7;
        LegacySavepoints.scaleVersion(old);
        assertThat(old.version).isEqualTo((T0 * 1000 + 7) * 1000);
        LegacySavepoints.scaleVersion(old);
        assertThat(old.version).as("once").isEqualTo((T0 * 1000 + 7) * 1000);
        assertThat(LegacySavepoints.scaleVersion(LegacySavepoints.newList()).version).isZero();
    }
}

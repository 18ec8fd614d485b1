package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WatermarkHoldTest {
    @Test
    void theWatermarkWaitsForTheEarliestChangeNotEmittedYet() {
        PendingEmissions pending = new PendingEmissions();
        WatermarkHold hold = new WatermarkHold();
        assertThat(hold.input(1_000, pending.earliest())).isEqualTo(1_000);
        pending.applied("a", 1_500);
        pending.applied("b", 1_200);
        pending.applied("a", 1_800); // later change of a list already pending: a stays at 1_500
        assertThat(hold.input(3_000, pending.earliest()))
                .as("just below b's change: a watermark W says no more changes at or before W")
                .isEqualTo(1_199);
        assertThat(hold.input(4_000, pending.earliest()))
                .as("held at b's change")
                .isEqualTo(WatermarkHold.NONE);
        pending.emitted("b");
        assertThat(hold.next(pending.earliest())).isEqualTo(1_499);
        pending.emitted("a");
        assertThat(hold.next(pending.earliest())).isEqualTo(4_000);
        assertThat(hold.emitted()).isEqualTo(4_000);
    }

    @Test
    void anOutOfOrderChangeLowersItsListsTime() {
        PendingEmissions pending = new PendingEmissions();
        pending.applied("a", 2_000);
        pending.applied("a", 1_000);
        assertThat(pending.earliest()).isEqualTo(1_000);
        assertThat(pending.size()).isEqualTo(1);
        pending.emitted("a");
        assertThat(pending.earliest()).isEqualTo(Long.MAX_VALUE);
        assertThat(pending.isEmpty()).isTrue();
    }

    @Test
    void aChangeWithoutCreationTimeHoldsTheWatermarkUntilItsListIsEmitted() {
        PendingEmissions pending = new PendingEmissions();
        WatermarkHold hold = new WatermarkHold();
        assertThat(hold.input(1_000, pending.earliest())).isEqualTo(1_000);
        pending.applied("scanned", Long.MIN_VALUE);
        assertThat(hold.input(5_000, pending.earliest())).isEqualTo(WatermarkHold.NONE);
        pending.emitted("scanned");
        assertThat(hold.next(pending.earliest())).isEqualTo(5_000);
    }

    @Test
    void itNeverGoesBackEvenForALateChange() {
        PendingEmissions pending = new PendingEmissions();
        WatermarkHold hold = new WatermarkHold();
        assertThat(hold.input(5_000, pending.earliest())).isEqualTo(5_000);
        pending.applied("late", 1_000);
        assertThat(hold.input(6_000, pending.earliest())).isEqualTo(WatermarkHold.NONE);
        assertThat(hold.emitted()).isEqualTo(5_000);
        assertThat(hold.input(4_000, Long.MAX_VALUE)).as("a lower input").isEqualTo(6_000);
    }

    @Test
    void theEndOfTheInputPassesAsItIs() {
        PendingEmissions pending = new PendingEmissions();
        WatermarkHold hold = new WatermarkHold();
        pending.applied("a", 1_000);
        assertThat(hold.input(Long.MAX_VALUE, pending.earliest())).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anIdleInputIsPassedOnOnlyOnceNothingIsPending() {
        PendingEmissions pending = new PendingEmissions();
        WatermarkHold hold = new WatermarkHold();
        pending.applied("a", 1_000);
        assertThat(hold.idle(pending.isEmpty())).isFalse();
        pending.emitted("a");
        assertThat(hold.releaseIdle(pending.isEmpty())).isTrue();
        assertThat(hold.releaseIdle(pending.isEmpty())).as("once").isFalse();
        assertThat(hold.active()).as("idle was passed on: so is active").isTrue();
        assertThat(hold.idle(true)).isTrue();
        pending.applied("b", 2_000);
        assertThat(hold.active()).isTrue();
        assertThat(hold.idle(pending.isEmpty())).isFalse();
        assertThat(hold.active()).as("idle was never passed on").isFalse();
    }
}

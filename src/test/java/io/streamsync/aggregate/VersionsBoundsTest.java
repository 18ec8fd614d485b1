package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The exact bounds of an event time and of the saturating sum of times, found unguarded by the
 * mutation check (issue 32, testing page "Mutation check"): kills the boundary mutants of {@code
 * Versions.known} ({@code >= 0}, {@code <= MAX_EVENT_TIME}) and of {@code Versions.plus} ({@code <
 * 0} as {@code <= 0}, {@code &} as {@code |}).
 */
class VersionsBoundsTest {
    @Test
    void anEventTimeIsKnownFromZeroToTheLastMillisecondOfYear9999() {
        assertThat(Versions.known(0)).isTrue();
        assertThat(Versions.known(-1)).isFalse();
        assertThat(Versions.known(Versions.MAX_EVENT_TIME)).isTrue();
        assertThat(Versions.known(Versions.MAX_EVENT_TIME + 1)).isFalse();
        assertThat(Versions.known(Versions.UNKNOWN)).isFalse();
    }

    @Test
    void plusAddsExactlyAndHoldsAtTheMaximumOnlyOnOverflow() {
        assertThat(Versions.plus(0, 0)).isZero();
        assertThat(Versions.plus(1, 2)).isEqualTo(3);
        assertThat(Versions.plus(-5, 3)).isEqualTo(-2);
        assertThat(Versions.plus(Long.MAX_VALUE - 1, 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(Versions.plus(Long.MAX_VALUE - 1, 2)).isEqualTo(Long.MAX_VALUE);
        assertThat(Versions.plus(Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }
}

package io.streamsync.change;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SequenceNumbersTest {
    @Test
    void comparesNumbersLongerThanALongByValue() {
        assertThat(SequenceNumbers.compare("1405400000000002063282832", "999999999999999999"))
                .isPositive();
        assertThat(SequenceNumbers.compare("000000000000000000001", "2")).isNegative();
        assertThat(SequenceNumbers.compare("000100", "100")).isZero();
        assertThat(SequenceNumbers.compare(null, "1")).isNegative();
    }

    @Test
    void agreesWithBigIntegerOnRandomNumbers() {
        Random r = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            BigInteger a = new BigInteger(1 + r.nextInt(130), r);
            BigInteger b = r.nextInt(10) == 0 ? a : new BigInteger(1 + r.nextInt(130), r);
            String pa = "0".repeat(r.nextInt(3)) + a;
            assertThat(Integer.signum(SequenceNumbers.compare(pa, b.toString())))
                    .isEqualTo(a.compareTo(b));
        }
    }

    @Test
    void validatesDigits() {
        assertThat(SequenceNumbers.isValid("0123")).isTrue();
        assertThat(SequenceNumbers.isValid("")).isFalse();
        assertThat(SequenceNumbers.isValid("-1")).isFalse();
        assertThat(SequenceNumbers.isValid(null)).isFalse();
    }
}

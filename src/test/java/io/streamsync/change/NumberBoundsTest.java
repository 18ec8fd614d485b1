package io.streamsync.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * The exact bounds of the number check, found unguarded by the mutation check (issue 32, testing
 * page "Mutation check"): the longest text read ({@link DynamoJson#MAX_NUMBER_LENGTH} characters)
 * and the longest exponent of a zero (nine digits). Kills {@code n > MAX_NUMBER_LENGTH} as {@code
 * >=} and {@code Math.abs(exponent) > 999_999_999L} as {@code >=} in {@code checkNumber}.
 */
class NumberBoundsTest {
    private static String render(String n) {
        return DynamoJson.toPlainJson("{\"N\":\"" + n + "\"}");
    }

    @Test
    void aNumberOfExactlyTheLongestTextIsReadAndOneCharacterMoreIsRefused() {
        String longest = "1." + "0".repeat(DynamoJson.MAX_NUMBER_LENGTH - 2);
        assertThat(longest).hasSize(DynamoJson.MAX_NUMBER_LENGTH);
        assertThat(render(longest)).isEqualTo(new BigDecimal(longest).toString());
        assertThatThrownBy(() -> render(longest + "0")).isInstanceOf(InvalidRecordException.class);
    }

    /** Kills {@code i < n} as {@code i <= n} before the sign (an empty text read past its end). */
    @Test
    void anEmptyNumberIsNotANumber() {
        assertThatThrownBy(() -> render(""))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("is not a number");
        assertThatThrownBy(() -> DynamoJson.checkNumber("", new DynamoJson.Path("N")))
                .isInstanceOf(InvalidRecordException.class);
    }

    @Test
    void aZeroTakesAnExponentOfNineDigitsAndNoMore() {
        assertThat(render("0E999999999")).isEqualTo(new BigDecimal("0E999999999").toString());
        assertThat(render("0E-999999999")).isEqualTo(new BigDecimal("0E-999999999").toString());
        assertThatThrownBy(() -> render("0E1000000000")).isInstanceOf(InvalidRecordException.class);
    }
}

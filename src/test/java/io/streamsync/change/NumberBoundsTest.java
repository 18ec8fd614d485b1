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

    /**
     * DynamoDB's range, reached through leading zeros of the mantissa: kills {@code - firstNonZero}
     * as {@code + firstNonZero} in the exponent of the first significant digit.
     */
    @Test
    void theRangeCountsTheLeadingZerosOfTheMantissa() {
        assertThat(render("0.01E-128")).isEqualTo(new BigDecimal("0.01E-128").toString()); // 1E-130
        assertThatThrownBy(() -> render("0.01E-129")) // 1E-131
                .isInstanceOf(InvalidRecordException.class);
        assertThat(render("0.0999E+127")).isEqualTo(new BigDecimal("0.0999E+127").toString());
        assertThatThrownBy(() -> render("0.01E+128")) // 1E+126
                .isInstanceOf(InvalidRecordException.class);
    }

    /**
     * Zeros after the point decide between copying and BigDecimal's exponent form (seven and more:
     * exponent form). Kills no mutant of the final run on its own (the property test kills the
     * boundary mutants here too); it states the rule where a reader finds it.
     */
    @Test
    void sevenZerosAfterThePointGoToExponentForm() {
        assertThat(render("0.0000000")).isEqualTo("0E-7");
        assertThat(render("0.0000001")).isEqualTo("1E-7");
        assertThat(render("0.000001")).isEqualTo("0.000001");
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

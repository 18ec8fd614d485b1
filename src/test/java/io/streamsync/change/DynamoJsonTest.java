package io.streamsync.change;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DynamoJsonTest {
    private final ObjectMapper mapper = ChangeRecordParser.newMapper();

    private String plain(String attributeValue) throws Exception {
        return DynamoJson.toPlainJson(attributeValue);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0",
                "-7",
                "0.10",
                "1.500",
                "99999999999999999999999999999999999999",
                "-0.000000000000000000000000000000000000001",
                "123456789012345678",
                "1234567890123456789",
                "1E+5",
                "007"
            })
    void numbersKeepTheirExactDecimalValue(String n) throws Exception {
        JsonNode out = mapper.readTree(plain("{\"N\":\"" + n + "\"}"));
        assertThat(out.decimalValue()).isEqualByComparingTo(new java.math.BigDecimal(n));
    }

    @Test
    void numbersKeepTheirTextWhereJsonAllowsIt() throws Exception {
        assertThat(plain("{\"N\":\"0.10\"}")).isEqualTo("0.10");
        assertThat(plain("{\"N\":\"12345678901234567890123456789012345678\"}"))
                .isEqualTo("12345678901234567890123456789012345678");
        assertThat(plain("{\"N\":\"-42\"}")).isEqualTo("-42");
    }

    @Test
    void setsBecomeArraysInRecordOrderWithDuplicatesKept() throws Exception {
        assertThat(plain("{\"SS\":[\"b\",\"a\",\"b\"]}")).isEqualTo("[\"b\",\"a\",\"b\"]");
        assertThat(plain("{\"NS\":[\"2\",\"1.0\"]}")).isEqualTo("[2,1.0]");
        assertThat(plain("{\"BS\":[\"AAEqQQ==\"]}")).isEqualTo("[\"AAEqQQ==\"]");
        assertThat(plain("{\"SS\":[]}")).isEqualTo("[]");
    }

    @Test
    void nestedMapsAndListsAreConvertedRecursively() throws Exception {
        assertThat(
                        plain(
                                "{\"M\":{\"l\":{\"L\":[{\"NULL\":true},{\"BOOL\":false},{\"M\":{}},{\"B\":\"AQID\"}]}}}"))
                .isEqualTo("{\"l\":[null,false,{},\"AQID\"]}");
    }

    /**
     * Number-like texts: digits with leading zeros, signs, points, exponents, the odd stray
     * character.
     */
    private static String numberLike(java.util.Random r) {
        String alphabet = r.nextInt(4) == 0 ? "0123456789-+.eE" : "0000123456789";
        StringBuilder sb = new StringBuilder();
        if (r.nextBoolean()) {
            sb.append('-');
        }
        int len = 1 + r.nextInt(r.nextInt(5) == 0 ? 45 : 8);
        for (int i = 0; i < len; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            if (r.nextInt(10) == 0 && sb.indexOf(".") < 0) {
                sb.append('.');
            }
        }
        return sb.toString();
    }

    @Test
    void numbersCopiedAsWrittenAreExactlyWhatBigDecimalWouldWrite() {
        java.util.Random r = new java.util.Random(5);
        int copied = 0;
        int converted = 0;
        int refused = 0;
        int outOfRange = 0;
        for (int i = 0; i < 200_000; i++) {
            String text = numberLike(r);
            String expected;
            boolean inRange = false;
            try {
                java.math.BigDecimal d = new java.math.BigDecimal(text);
                expected = d.toString();
                java.math.BigDecimal stripped = d.stripTrailingZeros();
                long firstDigitExponent = (long) stripped.precision() - stripped.scale() - 1;
                inRange =
                        d.signum() == 0
                                || stripped.precision() <= 38
                                        && firstDigitExponent >= -130
                                        && firstDigitExponent <= 125;
            } catch (NumberFormatException e) {
                expected = null;
            }
            if (DynamoJson.isCanonical(text)) {
                assertThat(text).as("copied as written").isEqualTo(expected);
                copied++;
            } else if (expected != null) {
                converted++;
            } else {
                refused++;
            }
            if (expected == null) {
                org.assertj.core.api.Assertions.assertThatThrownBy(
                                () -> DynamoJson.toPlainJson("{\"N\":\"" + text + "\"}"))
                        .isInstanceOf(InvalidRecordException.class)
                        .hasMessageMatching("(?s).*(is not a number|outside DynamoDB's range).*");
            } else if (!inRange) {
                outOfRange++;
                org.assertj.core.api.Assertions.assertThatThrownBy(
                                () -> DynamoJson.toPlainJson("{\"N\":\"" + text + "\"}"))
                        .as(text)
                        .isInstanceOf(InvalidRecordException.class)
                        .hasMessageMatching(
                                "(?s).*(more than 38 significant digits|outside DynamoDB's range).*");
            } else {
                assertThat(DynamoJson.toPlainJson("{\"N\":\"" + text + "\"}"))
                        .as(text)
                        .isEqualTo(expected);
            }
        }
        assertThat(outOfRange).as("DynamoDB's bounds are exercised").isGreaterThan(100);
        assertThat(copied).as("the fast path is exercised").isGreaterThan(10_000);
        assertThat(converted).as("and so is BigDecimal").isGreaterThan(10_000);
        assertThat(refused).isGreaterThan(1_000);
        for (String edge :
                new String[] {
                    "0",
                    "-0",
                    "0.000000",
                    "0.0000000",
                    "-0.0",
                    "0.000001",
                    "0.0000001",
                    "0.0000012",
                    "1.0000001",
                    "100",
                    "1E+2",
                    "00",
                    "0.",
                    ".5",
                    "1234567890123456789.1234567890123456789"
                }) {
            assertThat(DynamoJson.toPlainJson("{\"N\":\"" + edge + "\"}"))
                    .as(edge)
                    .isEqualTo(new java.math.BigDecimal(edge).toString());
        }
    }

    /**
     * Issue 32: the corpus passed with numbers rendered through a double; only the random property
     * test above caught it. This named test fails under each of these mutations of {@link
     * DynamoJson#writeNumber} and the key rendering (each applied on its own, test run, reverted):
     *
     * <ol>
     *   <li>the copy path: {@code g.writeNumber(text)} replaced by {@code
     *       g.writeNumber(Double.parseDouble(text))};
     *   <li>the BigDecimal path: {@code g.writeNumber(d)} replaced by {@code
     *       g.writeNumber(d.doubleValue())};
     *   <li>the numeric key: {@code new BigDecimal(value)} replaced by {@code
     *       BigDecimal.valueOf(Double.parseDouble(value))} in {@code ChangeRecordParser.keyValue}.
     * </ol>
     */
    @Test
    void numbersNeverGoThroughADouble() {
        String[][] cases = {
            {"0.10", "0.10"}, // copied: a double drops the scale
            {"9007199254740993", "9007199254740993"}, // 2^53 + 1: no double holds it
            {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
            {"-0.1234567890123456789", "-0.1234567890123456789"},
            {"007.50", "7.50"}, // through BigDecimal: leading zeros go, the scale stays
            {"00012345678901234567890.123", "12345678901234567890.123"},
            {"1.5E+40", "1.5E+40"}, // a double writes 1.5E40
            {"-0.000000100", "-1.00E-7"},
            {"09007199254740993", "9007199254740993"},
        };
        for (String[] c : cases) {
            assertThat(DynamoJson.toPlainJson("{\"N\":\"" + c[0] + "\"}")).as(c[0]).isEqualTo(c[1]);
            assertThat(DynamoJson.toPlainJson("{\"NS\":[\"" + c[0] + "\"]}"))
                    .as(c[0])
                    .isEqualTo("[" + c[1] + "]");
        }
        ChangeRecordParser p = new ChangeRecordParser(new KeySchema("id", null));
        for (String key :
                new String[] {
                    "9007199254740993",
                    "09007199254740993",
                    "1234567890123456789012345678901234567.5"
                }) {
            ChangeEvent e =
                    p.parse(
                            "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"id\":{\"N\":\""
                                    + key
                                    + "\"}}}}");
            assertThat(e.partitionKey)
                    .as(key)
                    .isEqualTo(new java.math.BigDecimal(key).toPlainString());
        }
    }
}

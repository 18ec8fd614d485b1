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
    @ValueSource(strings = {"0", "-7", "0.10", "1.500", "99999999999999999999999999999999999999",
        "-0.000000000000000000000000000000000000001", "123456789012345678", "1234567890123456789", "1E+5", "007"})
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
        assertThat(plain("{\"M\":{\"l\":{\"L\":[{\"NULL\":true},{\"BOOL\":false},{\"M\":{}},{\"B\":\"AQID\"}]}}}"))
                .isEqualTo("{\"l\":[null,false,{},\"AQID\"]}");
    }
}

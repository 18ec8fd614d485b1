package io.streamsync.change;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every published record of the corpus (src/test/resources/corpus, see its SOURCES.md) parses, and
 * its keys and images equal the expected plain JSON, numbers to the exact text.
 */
class CorpusTest {
    static final String[] RECORDS = {
        "01-lambda-devguide-insert",
        "02-lambda-devguide-modify",
        "03-java-libs-tests-remove",
        "04-java-libs-tests-modify-fractional-time",
        "05-java-serialization-all-types-insert",
        "06-lambda-go-binary-insert",
        "07-lambda-go-all-types-insert",
        "08-lambda-dotnet-nested-insert",
        "09-lambda-dotnet-ttl-remove",
        "10-ddb-devguide-tutorial-new-image-insert",
        "11-ankcorn-capture-keys-only-modify",
        "12-ankcorn-capture-new-and-old-modify",
        "13-ankcorn-capture-new-image-remove",
        "14-ankcorn-capture-old-image-modify",
        "15-ankcorn-capture-old-image-remove",
        "16-api-getrecords-example-keys-only-insert",
        "17-lambda-devguide-filtering-new-image",
        "20-kds-powertools-ts-capture-insert",
        "21-kds-lambda-rust-fixture-insert",
        "22-kds-risingwave-doc-modify"
    };

    /** Numbers are equal only when their text is equal ({@code 0.10} is not {@code 0.1}). */
    static final Comparator<JsonNode> EXACT_TEXT =
            (a, b) -> {
                if (a.isNumber() && b.isNumber()) {
                    return a.asText().equals(b.asText()) ? 0 : 1;
                }
                return a.equals(b) ? 0 : 1;
            };

    private static final ObjectMapper MAPPER = ChangeRecordParser.newMapper();

    static Stream<String> records() {
        return Stream.of(RECORDS);
    }

    static String resource(String name) throws IOException {
        try (InputStream in = CorpusTest.class.getResourceAsStream("/corpus/" + name)) {
            assertThat(in).as("corpus file %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The key schema of a record's table, read from its Keys (first attribute = partition key). */
    static KeySchema keySchemaOf(JsonNode expectedKeys) {
        List<String> names = new ArrayList<>();
        expectedKeys.fieldNames().forEachRemaining(names::add);
        return new KeySchema(names.get(0), names.size() > 1 ? names.get(1) : null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    void convertsKeysAndImagesExactly(String name) throws IOException {
        JsonNode expected = MAPPER.readTree(resource(name + ".expected.json"));
        ChangeEvent e =
                new ChangeRecordParser(keySchemaOf(expected.get("keys")))
                        .parse(resource(name + ".json"));

        assertSame(name + " keys", expected.get("keys"), e.keysJson);
        assertSame(name + " newImage", expected.get("newImage"), e.newImageJson);
        assertSame(name + " oldImage", expected.get("oldImage"), e.oldImageJson);
        assertThat(e.type).isNotNull();
        assertThat(e.itemKey).isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    void everyRecordCarriesItsCreationTimeWhenItHasOne(String name) throws IOException {
        String json = resource(name + ".json");
        JsonNode raw = MAPPER.readTree(json);
        JsonNode expected = MAPPER.readTree(resource(name + ".expected.json"));
        ChangeEvent e = new ChangeRecordParser(keySchemaOf(expected.get("keys"))).parse(json);
        if (raw.get("dynamodb").has("ApproximateCreationDateTime")) {
            // every published record is from 2015 or later, and none is from the future of this
            // test
            assertThat(e.approximateCreationTimeMillis)
                    .isBetween(1_420_070_400_000L, 1_900_000_000_000L);
        } else {
            assertThat(e.approximateCreationTimeMillis).isEqualTo(-1L);
        }
    }

    private static void assertSame(String what, JsonNode expected, String actualJson)
            throws IOException {
        if (expected == null || expected.isNull()) {
            assertThat(actualJson).as(what).isNull();
            return;
        }
        assertThat(actualJson).as(what).isNotNull();
        JsonNode actual = MAPPER.readTree(actualJson);
        assertThat(actual.equals(EXACT_TEXT, expected))
                .as("%s: expected %s but was %s", what, expected, actual)
                .isTrue();
    }
}

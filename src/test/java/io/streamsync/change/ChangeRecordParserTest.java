package io.streamsync.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChangeRecordParserTest {
    private final ChangeRecordParser todo =
            new ChangeRecordParser(new KeySchema("listId", "taskId"));

    private static String record(
            String eventName, String keys, String extraDynamodb, String extraTop) {
        return "{\"eventID\":\"e1\","
                + (eventName == null ? "" : "\"eventName\":\"" + eventName + "\",")
                + extraTop
                + "\"dynamodb\":{\"Keys\":"
                + keys
                + ",\"SequenceNumber\":\"100\""
                + extraDynamodb
                + "}}";
    }

    private static final String TODO_KEYS =
            "{\"listId\":{\"S\":\"groceries\"},\"taskId\":{\"S\":\"milk\"}}";

    @Test
    void readsATodoInsertWithItsKeysAndItemKey() {
        ChangeEvent e =
                todo.parse(
                        record(
                                "INSERT",
                                TODO_KEYS,
                                ",\"NewImage\":{\"listId\":{\"S\":\"groceries\"},\"taskId\":{\"S\":\"milk\"},\"qty\":{\"N\":\"2.50\"}}",
                                "\"eventSourceARN\":\"arn:aws:dynamodb:us-east-1:123456789012:table/todoListTask/stream/2024-01-01T00:00:00.000\","));
        assertThat(e.type).isEqualTo(ChangeType.INSERT);
        assertThat(e.partitionKey).isEqualTo("groceries");
        assertThat(e.itemKey).isEqualTo("groceries|milk");
        assertThat(e.tableName).isEqualTo("todoListTask");
        assertThat(e.newImageJson)
                .isEqualTo("{\"listId\":\"groceries\",\"taskId\":\"milk\",\"qty\":2.50}");
        assertThat(e.oldImageJson).isNull();
        assertThat(e.sequenceNumber).isEqualTo("100");
        assertThat(e.ttlExpiry).isFalse();
    }

    @Test
    void readsTheSameFromUtf8BytesAndRefusesBytesThatAreNotUtf8() {
        String text =
                record(
                        "INSERT",
                        "{\"listId\":{\"S\":\"caf\u00e9\"},\"taskId\":{\"S\":\"\ud83e\udd5b\"}}",
                        ",\"NewImage\":{\"listId\":{\"S\":\"caf\u00e9\"},\"taskId\":{\"S\":\"\ud83e\udd5b\"},\"n\":{\"N\":\"0.10\"}}",
                        "");
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(todo.parse(utf8)).isEqualTo(todo.parse(text));
        assertThat(todo.parse(utf8).partitionKey).isEqualTo("caf\u00e9");

        byte[] bad = utf8.clone();
        int at = text.indexOf("caf") + 3; // the first byte of the two that encode the e-acute
        bad[at + 1] = 'x'; // its continuation byte is gone
        assertThatThrownBy(() -> todo.parse(bad))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("malformed JSON")
                .hasMessageContaining("Invalid UTF-8");
    }

    @Test
    void readsTheTreeForFiltersFromBytesWithExactNumbers() {
        String text =
                record("INSERT", TODO_KEYS, "", "\"big\":12345678901234567890123,\"dec\":0.10,");
        com.fasterxml.jackson.databind.JsonNode tree =
                todo.readTree(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(tree.get("big").bigIntegerValue())
                .isEqualTo(new java.math.BigInteger("12345678901234567890123"));
        assertThat(tree.get("dec").decimalValue()).isEqualTo(new java.math.BigDecimal("0.10"));
        assertThatThrownBy(
                        () ->
                                todo.readTree(
                                        "[1]".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(
                        () ->
                                todo.readTree(
                                        "{\"a\":"
                                                .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("malformed JSON");
        assertThatThrownBy(() -> todo.readTree(new byte[0]))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("not a JSON object");
    }

    @Test
    void recognisesATimeToLiveDeleteOnlyOnRemove() throws IOException {
        ChangeEvent ttl =
                new ChangeRecordParser(new KeySchema("key", "val"))
                        .parse(CorpusTest.resource("09-lambda-dotnet-ttl-remove.json"));
        assertThat(ttl.type).isEqualTo(ChangeType.REMOVE);
        assertThat(ttl.ttlExpiry).isTrue();

        // record 06 carries the service identity on an INSERT, as published: that is not an expiry
        ChangeEvent insert =
                new ChangeRecordParser(new KeySchema("key", "val"))
                        .parse(CorpusTest.resource("06-lambda-go-binary-insert.json"));
        assertThat(insert.type).isEqualTo(ChangeType.INSERT);
        assertThat(insert.ttlExpiry).isFalse();
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "1480642020, , 1480642020000", // DynamoDB Streams: seconds
        "1640123456789, , 1640123456789", // Kinesis: milliseconds
        "1720046486486729, MICROSECOND, 1720046486486", // Kinesis with precision
        "1720046486486, MILLISECOND, 1720046486486",
        "1720046486486729, , 1720046486486", // microseconds by magnitude
        "1.635734407123456789E9, , 1635734407123", // a float with more digits than a double
        "'\"1.46480646E9\"', , 1464806460000", // a string
        "'\"1678831218.0\"', , 1678831218000"
    })
    void readsCreationTimeInEveryPublishedForm(
            String value, String precision, long expectedMillis) {
        String extra =
                ",\"ApproximateCreationDateTime\":"
                        + value
                        + (precision == null
                                ? ""
                                : ",\"ApproximateCreationDateTimePrecision\":\""
                                        + precision
                                        + "\"");
        assertThat(todo.parse(record("MODIFY", TODO_KEYS, extra, "")).approximateCreationTimeMillis)
                .isEqualTo(expectedMillis);
    }

    @Test
    void creationTimeIsMinusOneWhenAbsent() {
        assertThat(todo.parse(record("MODIFY", TODO_KEYS, "", "")).approximateCreationTimeMillis)
                .isEqualTo(-1L);
    }

    @Test
    void numericKeysAreCanonicalSoEqualNumbersGiveOneList() {
        ChangeRecordParser p = new ChangeRecordParser(new KeySchema("id", null));
        String a = p.parse(record("INSERT", "{\"id\":{\"N\":\"10.0\"}}", "", "")).partitionKey;
        String b = p.parse(record("INSERT", "{\"id\":{\"N\":\"1E+1\"}}", "", "")).partitionKey;
        assertThat(a).isEqualTo("10").isEqualTo(b);
    }

    @Test
    void itemKeysCannotBeForgedBySeparatorsInValues() {
        String a = ItemKeys.itemKey("a|b", "c");
        String b = ItemKeys.itemKey("a", "b|c");
        assertThat(a).isNotEqualTo(b);
        assertThat(ItemKeys.itemKey("x\\", "y")).isNotEqualTo(ItemKeys.itemKey("x", "\\y"));
    }

    @Test
    void veryLongItemKeysBecomeAHashThatFitsADocumentId() {
        String id = ItemKeys.itemKey("l".repeat(2048), "t".repeat(1024));
        assertThat(id).startsWith("sha256:").hasSize(7 + 64);
        assertThat(ItemKeys.itemKey("l".repeat(2048), "t".repeat(1024))).isEqualTo(id);
    }

    @Test
    void inferesTheTypeOfARecordWithoutEventNameFromItsImages() {
        assertThat(
                        todo.parse(
                                        record(
                                                null,
                                                TODO_KEYS,
                                                ",\"NewImage\":{\"a\":{\"S\":\"x\"}}",
                                                ""))
                                .type)
                .isEqualTo(ChangeType.MODIFY);
        assertThat(
                        todo.parse(
                                        record(
                                                null,
                                                TODO_KEYS,
                                                ",\"OldImage\":{\"a\":{\"S\":\"x\"}}",
                                                ""))
                                .type)
                .isEqualTo(ChangeType.REMOVE);
        assertThatThrownBy(() -> todo.parse(record(null, TODO_KEYS, "", "")))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("no eventName");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{not json | malformed JSON",
                "[1,2] | not a JSON object",
                "{\"eventName\":\"INSERT\"} | no 'dynamodb' object",
                "{\"eventName\":\"UPSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"}}}} | unknown eventName 'UPSERT'",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"taskId\":{\"S\":\"b\"}}}} | dynamodb.Keys [taskId] do not match the configured key schema (listId + taskId)",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"taskId\":{\"S\":\"b\"},\"x\":{\"S\":\"b\"}}}} | dynamodb.Keys has no attribute 'listId'",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"},\"x\":{\"S\":\"c\"}}}} | do not match the configured key schema",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"BOOL\":true},\"taskId\":{\"S\":\"b\"}}}} | a key must be of type S, N or B",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"},\"odd\":{\"Q\":\"1\"}}}} | dynamodb.Keys.odd: unknown attribute type 'Q'",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"N\":\"1x\"},\"taskId\":{\"S\":\"b\"}}}} | dynamodb.Keys.listId: N value '1x' is not a number",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"}},\"NewImage\":{\"x\":{\"Q\":\"1\"}}}} | dynamodb.NewImage.x: unknown attribute type 'Q'",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"}},\"NewImage\":{\"x\":{\"N\":\"12abc\"}}}} | dynamodb.NewImage.x: N value '12abc' is not a number",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"}},\"NewImage\":{\"x\":{\"NS\":[\"1\",\"x\"]}}}} | dynamodb.NewImage.x[1]: N value 'x' is not a number",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"}},\"NewImage\":{\"x\":{\"S\":\"1\",\"N\":\"1\"}}}} | exactly one type tag",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"}},\"SequenceNumber\":\"12x\"}} | SequenceNumber '12x' is not a decimal number",
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"}},\"ApproximateCreationDateTime\":\"soon\"}} | ApproximateCreationDateTime '\"soon\"' is not a number"
            })
    void rejectsBadRecordsWithAReasonNamingTheField(String json, String reason) {
        assertThatThrownBy(() -> todo.parse(json))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void readsFieldsInAnyOrder() {
        ChangeEvent e =
                todo.parse(
                        "{\"dynamodb\":{\"SequenceNumber\":\"7\",\"NewImage\":{\"n\":{\"N\":\"1.0\"}},\"Keys\":"
                                + TODO_KEYS
                                + "},\"ignored\":{\"deep\":[1,{\"eventName\":\"REMOVE\"}]},\"eventName\":\"INSERT\"}");
        assertThat(e.type).isEqualTo(ChangeType.INSERT);
        assertThat(e.itemKey).isEqualTo("groceries|milk");
        assertThat(e.newImageJson).isEqualTo("{\"n\":1.0}");
        assertThat(e.sequenceNumber).isEqualTo("7");
    }

    @Test
    void anAttributeGivenTwiceIsRefusedAtAnyDepth() {
        assertThatThrownBy(
                        () ->
                                todo.parse(
                                        record(
                                                "INSERT",
                                                TODO_KEYS,
                                                ",\"NewImage\":{\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"1\"},\"a\":{\"S\":\"y\"}}",
                                                "")))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("dynamodb.NewImage: attribute 'a' is given twice");
        assertThatThrownBy(
                        () ->
                                todo.parse(
                                        record(
                                                "INSERT",
                                                TODO_KEYS,
                                                ",\"NewImage\":{\"m\":{\"M\":{\"k\":{\"S\":\"x\"},\"k\":{\"S\":\"x\"}}}}",
                                                "")))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("dynamodb.NewImage.m: attribute 'k' is given twice");
        // the same name in sibling maps, and many names in one map, are fine; a failed record
        // leaves no trace
        StringBuilder many = new StringBuilder(",\"NewImage\":{");
        for (int i = 0; i < 300; i++) {
            many.append(i == 0 ? "" : ",")
                    .append("\"a")
                    .append(i)
                    .append("\":{\"M\":{\"k\":{\"N\":\"")
                    .append(i)
                    .append("\"}}}");
        }
        ChangeEvent e = todo.parse(record("INSERT", TODO_KEYS, many.append("}").toString(), ""));
        assertThat(e.newImageJson)
                .startsWith("{\"a0\":{\"k\":0},\"a1\":{\"k\":1}")
                .endsWith("\"a299\":{\"k\":299}}");
        assertThat(
                        todo.parse(
                                        record(
                                                "INSERT",
                                                TODO_KEYS,
                                                ",\"NewImage\":{\"a\":{\"S\":\"x\"}}",
                                                ""))
                                .newImageJson)
                .isEqualTo("{\"a\":\"x\"}");
    }

    @Test
    void anOldImageLeftUnrenderedIsStillValidated() {
        ChangeRecordParser lean =
                new ChangeRecordParser(new KeySchema("listId", "taskId")).renderOldImage(false);
        String good =
                record(
                        "MODIFY",
                        TODO_KEYS,
                        ",\"NewImage\":{\"a\":{\"S\":\"new\"}},\"OldImage\":{\"a\":{\"S\":\"old\"}}",
                        "");
        assertThat(todo.parse(good).oldImageJson).isEqualTo("{\"a\":\"old\"}");
        ChangeEvent e = lean.parse(good);
        assertThat(e.oldImageJson).isNull();
        assertThat(e.newImageJson).isEqualTo("{\"a\":\"new\"}");

        String bad =
                record(
                        "MODIFY",
                        TODO_KEYS,
                        ",\"NewImage\":{\"a\":{\"S\":\"new\"}},\"OldImage\":{\"a\":{\"N\":\"x1\"}}",
                        "");
        assertThatThrownBy(() -> lean.parse(bad))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("dynamodb.OldImage.a: N value 'x1' is not a number");
        // an old image alone still makes a record without eventName a REMOVE
        assertThat(
                        lean.parse(
                                        record(
                                                null,
                                                TODO_KEYS,
                                                ",\"OldImage\":{\"a\":{\"S\":\"x\"}}",
                                                ""))
                                .type)
                .isEqualTo(ChangeType.REMOVE);
    }

    @Test
    void aNewImageLeftUnrenderedIsStillValidatedAndStillMakesTheType() {
        ChangeRecordParser countsOnly =
                new ChangeRecordParser(new KeySchema("listId", "taskId")).renderNewImage(false);
        ChangeEvent e =
                countsOnly.parse(
                        record(null, TODO_KEYS, ",\"NewImage\":{\"a\":{\"S\":\"x\"}}", ""));
        assertThat(e.newImageJson).isNull();
        assertThat(e.type)
                .as("a NewImage without eventName still means MODIFY")
                .isEqualTo(ChangeType.MODIFY);
        assertThatThrownBy(
                        () ->
                                countsOnly.parse(
                                        record(
                                                "INSERT",
                                                TODO_KEYS,
                                                ",\"NewImage\":{\"a\":{\"SS\":[1]}}",
                                                "")))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("dynamodb.NewImage.a[0]: SS members must be strings");
        String scan =
                "{\"eventName\":\"INSERT\",\"eventSource\":\""
                        + ChangeRecordParser.SCAN_EVENT_SOURCE
                        + "\",\"dynamodb\":{\"Keys\":"
                        + TODO_KEYS
                        + ",\"NewImage\":{\"a\":{\"S\":\"x\"}}}}";
        assertThat(countsOnly.parse(scan).type).isEqualTo(ChangeType.SNAPSHOT);
    }

    @Test
    void kinesisRecordsGetTheirOrderFromCreationTimeAndEventId() {
        ChangeRecordParser kinesis =
                new ChangeRecordParser(new KeySchema("listId", "taskId")).kinesisOrdering(true);
        String first =
                "{\"eventID\":\"a\",\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":"
                        + TODO_KEYS
                        + ",\"ApproximateCreationDateTime\":1720046486486729,\"ApproximateCreationDateTimePrecision\":\"MICROSECOND\"}}";
        String later = first.replace("486729", "486730").replace("\"a\"", "\"b\"");
        String s1 = kinesis.parse(first).sequenceNumber;
        assertThat(s1).hasSize(32).startsWith("01720046486486729");
        assertThat(kinesis.parse(first).sequenceNumber)
                .as("a duplicate gets the same number")
                .isEqualTo(s1);
        assertThat(SequenceNumbers.compare(kinesis.parse(later).sequenceNumber, s1)).isPositive();
        assertThat(todo.parse(first).sequenceNumber).as("without the option").isNull();
        assertThatThrownBy(() -> kinesis.parse(first.replace("\"eventID\":\"a\",", "")))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("eventID");
    }
}

package io.streamsync.source.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeRecordParser;
import io.streamsync.change.ChangeType;
import io.streamsync.change.InvalidRecordException;
import io.streamsync.change.ItemKeys;
import io.streamsync.change.KeySchema;
import io.streamsync.testing.JsonCompare;
import io.streamsync.testing.TodoTables;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Scanned items become SNAPSHOT change records that the job's one parser converts exactly. */
class ScannedItemsTest {
    private static final KeySchema KEYS = new KeySchema("listId", "taskId");
    private final ChangeRecordParser parser = new ChangeRecordParser(KEYS);

    private static Map<String, AttributeValue> item() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("listId", AttributeValue.fromS("list-1"));
        item.put("taskId", AttributeValue.fromS("task \"7\" \u2713"));
        item.put("big", AttributeValue.fromN("12345678901234567890123456789012345678"));
        item.put("tiny", AttributeValue.fromN("-0.000000000000000000000000000000000001"));
        item.put("done", AttributeValue.fromBool(true));
        item.put("nothing", AttributeValue.fromNul(true));
        item.put(
                "blob",
                AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, 1, (byte) 0xff})));
        item.put("tags", AttributeValue.fromSs(List.of("a", "b")));
        item.put("nums", AttributeValue.fromNs(List.of("1", "2.50")));
        item.put("blobs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {9}))));
        item.put(
                "nested",
                AttributeValue.fromM(
                        Map.of(
                                "l",
                                AttributeValue.fromL(
                                        List.of(
                                                AttributeValue.fromN("1.0"),
                                                AttributeValue.fromM(
                                                        Map.of(
                                                                "x",
                                                                AttributeValue.fromS("y"))))))));
        item.put("emptyList", AttributeValue.fromL(List.of()));
        return item;
    }

    @Test
    void aScannedItemParsesAsASnapshotWithTheItemAsItsImage() throws Exception {
        Map<String, AttributeValue> item = item();
        ChangeEvent e = parser.parse(ScannedItems.changeRecord(item, KEYS, "todoListTask", 3));

        assertThat(e.type).isEqualTo(ChangeType.SNAPSHOT);
        assertThat(e.partitionKey).isEqualTo("list-1");
        assertThat(e.itemKey).isEqualTo(ItemKeys.itemKey("list-1", "task \"7\" \u2713"));
        assertThat(e.sequenceNumber).isEqualTo("0");
        assertThat(e.tableName).isEqualTo("todoListTask");
        assertThat(e.oldImageJson).isNull();
        // the image against the tests' own converter (not the job's), numbers compared exactly
        JsonNode image = ChangeRecordParser.newMapper().readTree(e.newImageJson);
        assertThat(JsonCompare.same(TodoTables.plain(item), image)).as("%s", image).isTrue();
        assertThat(image.get("big").decimalValue().toPlainString())
                .isEqualTo("12345678901234567890123456789012345678");
    }

    @Test
    void onlyTheKeySchemasAttributesAreKeys() throws Exception {
        JsonNode record =
                new ObjectMapper().readTree(ScannedItems.changeRecord(item(), KEYS, "t", 0));
        assertThat(record.get("dynamodb").get("Keys").size()).isEqualTo(2);
        assertThat(record.get("eventSource").asText())
                .isEqualTo(ChangeRecordParser.SCAN_EVENT_SOURCE);
    }

    @Test
    void anItemWithoutItsKeyIsRejectedByTheParser() {
        Map<String, AttributeValue> item = item();
        item.remove("taskId");
        String record = ScannedItems.changeRecord(item, KEYS, "t", 0);
        assertThatThrownBy(() -> parser.parse(record))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("key schema");
    }

    @Test
    void aScanRecordThatIsNotAnInsertIsRejected() {
        String record =
                "{\"eventName\":\"REMOVE\",\"eventSource\":\""
                        + ChangeRecordParser.SCAN_EVENT_SOURCE
                        + "\","
                        + "\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"}},\"SequenceNumber\":\"0\"}}";
        assertThatThrownBy(() -> parser.parse(record))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("table scan");
    }

    @Test
    void startKeysRoundTripForEveryKeyType() {
        Map<String, AttributeValue> key = new LinkedHashMap<>();
        key.put("s", AttributeValue.fromS("x\"y"));
        key.put("n", AttributeValue.fromN("-12.500"));
        key.put("b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3})));
        assertThat(ScannedItems.keyFromJson(ScannedItems.toJson(key))).isEqualTo(key);
    }

    @Test
    void splitsAndEnumeratorStateSurviveTheirSerializers() throws Exception {
        TableScanSerializers.Split splits = new TableScanSerializers.Split();
        TableScanSplit fresh = TableScanSplit.unread(2, 8);
        TableScanSplit moved =
                fresh.after(120, "{\"listId\":{\"S\":\"a\"},\"taskId\":{\"S\":\"b\"}}")
                        .after(5, null);
        for (TableScanSplit s : List.of(fresh, moved)) {
            assertThat(splits.deserialize(splits.getVersion(), splits.serialize(s))).isEqualTo(s);
        }
        assertThat(moved.itemsRead()).isEqualTo(125);
        assertThat(moved.pagesRead()).isEqualTo(2);

        TableScanSerializers.EnumeratorState states = new TableScanSerializers.EnumeratorState();
        TableScanEnumeratorState state =
                new TableScanEnumeratorState(List.of(fresh, moved), 8, 3, 4567, 1_700_000_000_000L);
        TableScanEnumeratorState back =
                states.deserialize(states.getVersion(), states.serialize(state));
        assertThat(back.unassigned).containsExactly(fresh, moved);
        assertThat(back.totalSegments).isEqualTo(8);
        assertThat(back.segmentsDone).isEqualTo(3);
        assertThat(back.itemsScanned).isEqualTo(4567);
        assertThat(back.startedAt).isEqualTo(1_700_000_000_000L);
        assertThatThrownBy(() -> states.deserialize(99, new byte[0]))
                .hasMessageContaining("unknown version");
    }
}

package io.streamsync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

/**
 * How {@link StreamsModelServer#tail} copies moto's stream into a {@link StreamsModel}. Moto's
 * {@code StreamShard.add} reads {@code len(items)} for a record's sequence number before it appends
 * the record, so two writes that reach moto at the same moment can get one sequence number, which
 * AWS never hands out twice in a shard. The model refuses a sequence number that does not grow; the
 * tail then stopped for good (CI, {@code SeededFaultITCase} CLEANUP_ROLLBACK: 42 records in the
 * model, none after the test's own writes began beside the traffic).
 */
class StreamsModelTailTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twoRecordsThatMotoGaveOneSequenceNumberBothReachTheModelInOrder() throws Exception {
        StreamsModel model = model();
        StreamsModelServer.Follower tail = new StreamsModelServer.Follower(model, "listId");

        tail.accept(List.of(record("a", "100"), record("b", "101"), record("c", "101")));
        // moto's next iterator: after 101, so c (the later 101) comes again, then d (moto skips
        // 102)
        tail.accept(List.of(record("c", "101"), record("d", "103")));

        assertThat(model.appended()).isEqualTo(4);
        List<String> sequences = new ArrayList<>();
        List<String> inTheRecords = new ArrayList<>();
        for (String shard : model.shardIds()) {
            StreamsModel.Records page =
                    model.records(model.iterator(shard, "TRIM_HORIZON", null), 100);
            sequences.addAll(page.sequenceNumbers);
            for (byte[] json : page.records) {
                inTheRecords.add(
                        JSON.readTree(new String(json, StandardCharsets.UTF_8))
                                .path("dynamodb")
                                .path("SequenceNumber")
                                .asText());
            }
        }
        assertThat(sequences).containsExactly("100", "101", "102", "103");
        assertThat(inTheRecords).isEqualTo(sequences);
    }

    @Test
    void aPageReadAgainAfterAFailureInItsMiddleAppendsNoRecordTwice() {
        StreamsModel model = model();
        StreamsModelServer.Follower tail = new StreamsModelServer.Follower(model, "listId");
        Record keyless =
                record("b", "101").toBuilder()
                        .dynamodb(
                                StreamRecord.builder()
                                        .keys(Map.of("taskId", AttributeValue.fromS("b")))
                                        .sequenceNumber("101")
                                        .build())
                        .build();

        assertThatThrownBy(() -> tail.accept(List.of(record("a", "100"), keyless)))
                .isInstanceOf(NullPointerException.class);
        // the same iterator again; what failed the first time goes through now
        tail.accept(List.of(record("a", "100"), record("b", "101")));

        assertThat(model.appended()).isEqualTo(2);
        assertThat(model.layout().values().stream().flatMap(List::stream))
                .containsExactly("100", "101");
    }

    private static StreamsModel model() {
        return new StreamsModel(
                "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000",
                new StreamsModel.Settings().lineages(1).rolloverMs(3_600_000),
                () -> 1_800_000_000_000L);
    }

    private static Record record(String task, String sequenceNumber) {
        Map<String, AttributeValue> keys =
                Map.of("listId", AttributeValue.fromS("l"), "taskId", AttributeValue.fromS(task));
        return Record.builder()
                .eventID(task)
                .eventName("INSERT")
                .eventVersion("1.1")
                .eventSource("aws:dynamodb")
                .awsRegion("us-east-1")
                .dynamodb(
                        StreamRecord.builder()
                                .approximateCreationDateTime(Instant.ofEpochSecond(1_800_000_000L))
                                .keys(keys)
                                .newImage(keys)
                                .sequenceNumber(sequenceNumber)
                                .sizeBytes(10L)
                                .streamViewType("NEW_AND_OLD_IMAGES")
                                .build())
                .build();
    }
}

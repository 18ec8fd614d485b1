package io.streamsync.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.sink.commit.CaughtUp;
import io.streamsync.sink.rejections.RejectionLog;
import io.streamsync.sink.search.SearchAction;
import io.streamsync.sink.search.SearchIndexStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

class AggregateTableStatusTest {
    @Test
    void theStatusRowIsWrittenOnlyOverAnOlderOne() {
        PutItemRequest r =
                new AggregateTableStatus(
                                null,
                                "counts",
                                "listId",
                                Duration.ofSeconds(1),
                                new UnregisteredMetricsGroup())
                        .request(1_700_000_000_123L, 42);
        assertThat(r.conditionExpression()).isEqualTo("attribute_not_exists(#k) OR #c < :c");
        assertThat(r.expressionAttributeNames()).containsEntry("#c", "caughtUp");
        assertThat(r.expressionAttributeValues().get(":c").n()).isEqualTo("1700000000123");
        assertThat(r.item().get("listId").s()).isEqualTo(CaughtUp.STATUS_ID);
        assertThat(r.item().get("caughtUp").n()).isEqualTo("1700000000123");
        assertThat(r.item().get("caughtUpIso").s()).isEqualTo("2023-11-14T22:13:20.123Z");
        assertThat(r.item().get("checkpoint").n()).isEqualTo("42");
        assertThat(r.item()).doesNotContainKey("taskCount");
    }

    @Test
    void theStatusDocumentUsesOnlyFieldsTheStrictAggregateMappingHasAndItsTimeAsVersion() {
        SearchAction d = SearchIndexStatus.document("counts", 1_700_000_000_123L, 42);
        assertThat(d.id).isEqualTo(CaughtUp.STATUS_ID);
        assertThat(d.version).isEqualTo(1_700_000_000_123L);
        assertThat(d.sourceJson)
                .isEqualTo(
                        "{\"updatedAt\":\"2023-11-14T22:13:20.123Z\",\"version\":1700000000123}");
    }

    @Test
    void aListWhoseIdIsTheStatusKeyIsRefusedAndNeverWritten(@TempDir Path dir) throws Exception {
        // a client that answers nothing: the refused row must not reach it
        DynamoDbAsyncClient noCalls =
                new DynamoDbAsyncClient() {
                    @Override
                    public String serviceName() {
                        return "dynamodb";
                    }

                    @Override
                    public void close() {}
                };
        AggregateTablePublisher p =
                new AggregateTablePublisher(
                        noCalls,
                        "counts",
                        "listId",
                        4,
                        Duration.ofSeconds(1),
                        new RejectionLog(dir.toUri().toString(), "aggregate-table-sink", 0),
                        new UnregisteredMetricsGroup());
        p.publish(
                List.of(
                        new ListAggregate(
                                CaughtUp.STATUS_ID, 3, 3000, Long.MIN_VALUE, 0, 0, 0, 0, 0, 5)));
        p.close();
        String lines;
        try (Stream<Path> files = Files.walk(dir)) {
            lines =
                    files.filter(Files::isRegularFile)
                            .map(
                                    f -> {
                                        try {
                                            return Files.readString(f);
                                        } catch (java.io.IOException e) {
                                            throw new java.io.UncheckedIOException(e);
                                        }
                                    })
                            .reduce("", String::concat);
        }
        assertThat(lines).contains("the key of the job's status row").contains("\"version\":3000");
    }
}

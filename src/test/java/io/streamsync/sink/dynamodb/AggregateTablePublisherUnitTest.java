package io.streamsync.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.aggregate.ListAggregate;
import io.streamsync.sink.rejections.RejectionLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The aggregate table's publisher against a scripted table, in milliseconds and without services:
 * the fast twin of {@link AggregateTablePublisherTest} (which runs the same publisher against moto
 * through the real SDK) for the mutation check of issue 32, which runs only fast unit tests.
 *
 * <p>The scripted table evaluates the condition the publisher sends, in the shapes {@code
 * attribute_not_exists(#k) OR #v <op> :v} and {@code attribute_not_exists(#k) OR (#v <op> :v AND
 * (attribute_not_exists(#ws) OR #ws <op> :ws))} and {@code #v <op> :v AND #ws <op> :ws} (the put
 * that keeps a row's window fields) with any comparison operators, as DynamoDB would, and returns
 * the row a put was refused against when asked to ({@code ReturnValuesOnConditionCheckFailure});
 * any other condition fails the test. So the mutation "{@code #v < :v} turned into {@code #v <>
 * :v}" fails {@link #aRowIsReplacedOnlyByAStrictlyHigherVersion} here too (PIT does not mutate
 * string constants; that mutation was applied by hand, see the testing page). Errors are answered
 * as the SDK answers them: the future fails with a {@link CompletionException} around the service's
 * exception.
 */
class AggregateTablePublisherUnitTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern CONDITION =
            Pattern.compile("attribute_not_exists\\(#k\\) OR #v (<|<=|<>|=|>=|>) :v");
    private static final Pattern WINDOW_CONDITION =
            Pattern.compile(
                    "attribute_not_exists\\(#k\\) OR \\(#v (<|<=|<>|=|>=|>) :v AND"
                            + " \\(attribute_not_exists\\(#ws\\) OR #ws (<|<=|<>|=|>=|>)"
                            + " :ws\\)\\)");
    private static final Pattern KEEP_CONDITION =
            Pattern.compile("#v (<|<=|<>|=|>=|>) :v AND #ws (<|<=|<>|=|>=|>) :ws");

    @TempDir Path dir;

    /** Counters a test can read back. */
    private static final class Metrics extends UnregisteredMetricsGroup {
        final Map<String, Counter> counters = new HashMap<>();

        @Override
        public Counter counter(String name) {
            return counters.computeIfAbsent(name, n -> super.counter(n));
        }

        long count(String name) {
            Counter c = counters.get(name);
            return c == null ? 0 : c.getCount();
        }
    }

    /** What the table answers to one attempt of a list's write: an error, or null to apply it. */
    private interface Script {
        Throwable answer(String listId, int attempt, long elapsedMillis);
    }

    /** A table of rows keyed by the key attribute, written by conditional puts only. */
    private static class ScriptedTable implements DynamoDbAsyncClient {
        final Map<String, Map<String, AttributeValue>> rows = new HashMap<>();
        final Map<String, Integer> attempts = new HashMap<>();
        final List<PutItemRequest> requests = new ArrayList<>();
        final long start = System.nanoTime();
        final Script script;
        boolean closed;

        ScriptedTable(Script script) {
            this.script = script;
        }

        @Override
        public synchronized CompletableFuture<PutItemResponse> putItem(PutItemRequest r) {
            requests.add(r);
            String id = r.item().get("listId").s();
            int attempt = attempts.merge(id, 1, Integer::sum);
            Throwable error = script.answer(id, attempt, (System.nanoTime() - start) / 1_000_000);
            if (error != null) {
                return CompletableFuture.failedFuture(new CompletionException(error));
            }
            Matcher m = CONDITION.matcher(r.conditionExpression());
            Matcher w = WINDOW_CONDITION.matcher(r.conditionExpression());
            Matcher k = KEEP_CONDITION.matcher(r.conditionExpression());
            assertThat(m.matches() || w.matches() || k.matches())
                    .as(r.conditionExpression())
                    .isTrue();
            Map<String, AttributeValue> old = rows.get(id);
            long v = Long.parseLong(r.expressionAttributeValues().get(":v").n());
            boolean holds;
            if (old == null) {
                holds = true;
            } else if (k.matches()) {
                AttributeValue ws = old.get(r.expressionAttributeNames().get("#ws"));
                holds =
                        ws != null
                                && compare(
                                        stored(old, r.expressionAttributeNames().get("#v")),
                                        k.group(1),
                                        v)
                                && compare(
                                        Long.parseLong(ws.n()),
                                        k.group(2),
                                        Long.parseLong(
                                                r.expressionAttributeValues().get(":ws").n()));
            } else if (m.matches()) {
                holds = compare(stored(old, r.expressionAttributeNames().get("#v")), m.group(1), v);
            } else {
                AttributeValue ws = old.get(r.expressionAttributeNames().get("#ws"));
                holds =
                        compare(stored(old, r.expressionAttributeNames().get("#v")), w.group(1), v)
                                && (ws == null
                                        || compare(
                                                Long.parseLong(ws.n()),
                                                w.group(2),
                                                Long.parseLong(
                                                        r.expressionAttributeValues()
                                                                .get(":ws")
                                                                .n())));
            }
            if (!holds) {
                return refused(
                        r.returnValuesOnConditionCheckFailure()
                                        == ReturnValuesOnConditionCheckFailure.ALL_OLD
                                ? old
                                : null);
            }
            rows.put(id, r.item());
            return CompletableFuture.completedFuture(PutItemResponse.builder().build());
        }

        private static long stored(Map<String, AttributeValue> row, String attribute) {
            return Long.parseLong(row.get(attribute).n());
        }

        private static <T> CompletableFuture<T> refused(Map<String, AttributeValue> old) {
            ConditionalCheckFailedException.Builder b =
                    ConditionalCheckFailedException.builder()
                            .statusCode(400)
                            .message("The conditional request failed");
            if (old != null) {
                b.item(old);
            }
            return CompletableFuture.failedFuture(new CompletionException(b.build()));
        }

        private static boolean compare(long stored, String op, long v) {
            switch (op) {
                case "<":
                    return stored < v;
                case "<=":
                    return stored <= v;
                case "<>":
                    return stored != v;
                case "=":
                    return stored == v;
                case ">=":
                    return stored >= v;
                default:
                    return stored > v;
            }
        }

        long number(String list, String attribute) {
            return Long.parseLong(rows.get(list).get(attribute).n());
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static DynamoDbException error(int status, String code, String message) {
        return (DynamoDbException)
                DynamoDbException.builder()
                        .statusCode(status)
                        .message(message)
                        .awsErrorDetails(
                                AwsErrorDetails.builder()
                                        .errorCode(code)
                                        .errorMessage(message)
                                        .build())
                        .build();
    }

    private static final Throwable THROTTLED =
            error(400, "ProvisionedThroughputExceededException", "rate exceeded");

    private static ListAggregate agg(String list, long count, long version) {
        return new ListAggregate(list, count, version, -1, -1, 0, 0, 0, 0, 1_700_000_000_000L);
    }

    private AggregateTablePublisher publisher(
            ScriptedTable table, long retryTimeoutMs, int concurrency, Metrics m) {
        return new AggregateTablePublisher(
                table,
                "aggregates",
                "listId",
                concurrency,
                Duration.ofMillis(retryTimeoutMs),
                new RejectionLog(dir.toString(), "aggregate-table-sink", 0),
                m);
    }

    private List<JsonNode> deadLetters() throws IOException {
        Path sinkDir = dir.resolve("aggregate-table-sink");
        if (!Files.isDirectory(sinkDir)) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(sinkDir)) {
            for (Path f : files.collect(Collectors.toList())) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    out.add(MAPPER.readTree(line));
                }
            }
        }
        return out;
    }

    @Test
    void theRequestIsAConditionalPutOfTheItemAtItsVersion() {
        ScriptedTable t = new ScriptedTable((id, n, ms) -> null);
        PutItemRequest r = publisher(t, 1000, 1, new Metrics()).request(agg("l1", 3, 42));
        assertThat(r.tableName()).isEqualTo("aggregates");
        assertThat(r.conditionExpression())
                .isEqualTo(
                        "attribute_not_exists(#k) OR (#v < :v AND (attribute_not_exists(#ws) OR"
                                + " #ws <= :ws))");
        assertThat(r.expressionAttributeNames())
                .isEqualTo(Map.of("#k", "listId", "#v", "version", "#ws", "windowStart"));
        assertThat(r.expressionAttributeValues())
                .isEqualTo(
                        Map.of(
                                ":v",
                                AttributeValue.fromN("42"),
                                ":ws",
                                AttributeValue.fromN("-1")));
        assertThat(r.returnValuesOnConditionCheckFailure())
                .isEqualTo(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        assertThat(r.item().get("listId")).isEqualTo(AttributeValue.fromS("l1"));
        assertThat(r.item().get("version")).isEqualTo(AttributeValue.fromN("42"));
        assertThat(r.item().get("taskCount")).isEqualTo(AttributeValue.fromN("3"));
    }

    @Test
    void aRowIsReplacedOnlyByAStrictlyHigherVersion() throws Exception {
        ScriptedTable t = new ScriptedTable((id, n, ms) -> null);
        Metrics m = new Metrics();
        AggregateTablePublisher p = publisher(t, 10_000, 4, m);
        p.publish(List.of(agg("a", 5, 50), agg("b", 1, 10)));
        assertThat(t.number("a", "taskCount")).isEqualTo(5);
        assertThat(m.count("aggregateWrites")).isEqualTo(2);

        p.publish(List.of(agg("a", 4, 40))); // older, published again after a restore: refused
        assertThat(t.number("a", "version")).isEqualTo(50);
        assertThat(t.number("a", "taskCount")).isEqualTo(5);

        p.publish(List.of(agg("a", 7, 50))); // the same version: refused too
        assertThat(t.number("a", "taskCount")).isEqualTo(5);
        assertThat(m.count("aggregateWritesAlreadyNewer")).isEqualTo(2);
        assertThat(m.count("aggregateWritesRetried")).isZero();

        p.publish(List.of(agg("a", 6, 51), agg("c", 2, 20)));
        assertThat(t.number("a", "version")).isEqualTo(51);
        assertThat(t.number("a", "taskCount")).isEqualTo(6);
        assertThat(t.number("c", "taskCount")).isEqualTo(2);
        assertThat(m.count("aggregateWrites")).isEqualTo(4);
        assertThat(t.requests).hasSize(6); // a refused write is not retried
    }

    private static ListAggregate withWindow(
            String list, long count, long version, long windowStart, long inserted) {
        return new ListAggregate(
                list,
                count,
                version,
                windowStart,
                windowStart == Long.MIN_VALUE ? Long.MIN_VALUE : windowStart + 1_000,
                inserted,
                0,
                0,
                0,
                1_700_000_000_000L + version);
    }

    /**
     * Issue 28: after a rollback, a replay can reach a change before the window the first run had
     * made final (its watermark meets the changes in another order): a newer version with an
     * earlier final window, or none. The row takes its count, version and updatedAt and keeps its
     * window fields; an older version is refused whatever its window; a later window replaces.
     */
    @Test
    void aNewerStateWithAnEarlierFinalWindowKeepsTheRowsWindowFields() throws Exception {
        ScriptedTable t = new ScriptedTable((id, n, ms) -> null);
        Metrics m = new Metrics();
        AggregateTablePublisher p = publisher(t, 10_000, 4, m);
        p.publish(List.of(withWindow("a", 5, 50, 40_000, 3)));

        p.publish(List.of(withWindow("a", 9, 60, 33_000, 1))); // the replay: earlier window
        assertThat(t.number("a", "version")).isEqualTo(60);
        assertThat(t.number("a", "taskCount")).isEqualTo(9);
        assertThat(t.number("a", "updatedAt")).isEqualTo(1_700_000_000_060L);
        assertThat(t.rows.get("a").get("updatedAtIso").s())
                .isEqualTo(java.time.Instant.ofEpochMilli(1_700_000_000_060L).toString());
        assertThat(t.number("a", "windowStart")).isEqualTo(40_000);
        assertThat(t.number("a", "windowEnd")).isEqualTo(41_000);
        assertThat(t.number("a", "inserted")).isEqualTo(3);
        assertThat(m.count("aggregateWindowFieldsKept")).isEqualTo(1);

        p.publish(List.of(withWindow("a", 8, 70, Long.MIN_VALUE, 0))); // no final window at all
        assertThat(t.number("a", "version")).isEqualTo(70);
        assertThat(t.number("a", "taskCount")).isEqualTo(8);
        assertThat(t.number("a", "windowStart")).isEqualTo(40_000);
        assertThat(t.number("a", "inserted")).isEqualTo(3);

        p.publish(List.of(withWindow("a", 1, 65, 90_000, 7))); // older version: refused whole
        assertThat(t.number("a", "version")).isEqualTo(70);
        assertThat(t.number("a", "windowStart")).isEqualTo(40_000);
        assertThat(m.count("aggregateWritesAlreadyNewer")).isEqualTo(1);

        p.publish(List.of(withWindow("a", 8, 71, 40_000, 3))); // the same window: replaces
        p.publish(List.of(withWindow("a", 8, 72, 50_000, 2))); // a later window: replaces
        assertThat(t.number("a", "version")).isEqualTo(72);
        assertThat(t.number("a", "windowStart")).isEqualTo(50_000);
        assertThat(t.number("a", "inserted")).isEqualTo(2);
        assertThat(m.count("aggregateWindowFieldsKept")).isEqualTo(2);
        assertThat(m.count("aggregateWrites")).isEqualTo(5);
        assertThat(m.count("aggregateWritesRetried")).isZero();
    }

    /**
     * Another committer moves the row's window on between the refused put and the put that keeps
     * the window fields: the second put is refused too and made again against the new row.
     */
    @Test
    void aRowWhoseWindowMovesOnMeanwhileIsKeptAtItsNewWindow() throws Exception {
        ScriptedTable t =
                new ScriptedTable((id, n, ms) -> null) {
                    boolean moved;

                    @Override
                    public synchronized CompletableFuture<PutItemResponse> putItem(
                            PutItemRequest r) {
                        if (!moved && r.conditionExpression().startsWith("#v")) {
                            moved = true;
                            rows.put(
                                    "a",
                                    new AggregateItemConverter("listId")
                                            .item(withWindow("a", 6, 55, 45_000, 4)));
                        }
                        return super.putItem(r);
                    }
                };
        Metrics m = new Metrics();
        AggregateTablePublisher p = publisher(t, 10_000, 4, m);
        p.publish(List.of(withWindow("a", 5, 50, 40_000, 3)));
        p.publish(List.of(withWindow("a", 9, 60, 33_000, 1)));
        assertThat(t.number("a", "version")).isEqualTo(60);
        assertThat(t.number("a", "taskCount")).isEqualTo(9);
        assertThat(t.number("a", "windowStart")).isEqualTo(45_000);
        assertThat(t.number("a", "inserted")).isEqualTo(4);
        assertThat(t.requests).hasSize(4);
        assertThat(m.count("aggregateWindowFieldsKept")).isEqualTo(1);
    }

    @Test
    void throttlingFiveHundredsAndNoAnswerAreRetriedUntilTheyGoThrough() throws Exception {
        ScriptedTable t =
                new ScriptedTable(
                        (id, n, ms) -> {
                            switch (id) {
                                case "throttled":
                                    return n <= 2 ? THROTTLED : null;
                                case "five-hundred":
                                    return n == 1
                                            ? error(503, "ServiceUnavailable", "try later")
                                            : null;
                                case "internal":
                                    return n == 1
                                            ? error(500, "InternalServerError", "oops")
                                            : null;
                                case "no-answer":
                                    return n == 1
                                            ? SdkClientException.create("connection refused")
                                            : null;
                                default:
                                    return null;
                            }
                        });
        Metrics m = new Metrics();
        // concurrency 1: every permit must come back for the next write to start
        publisher(t, 10_000, 1, m)
                .publish(
                        List.of(
                                agg("throttled", 1, 10),
                                agg("five-hundred", 2, 20),
                                agg("no-answer", 3, 30),
                                agg("internal", 5, 50),
                                agg("fine", 4, 40)));
        assertThat(t.rows)
                .containsOnlyKeys("throttled", "five-hundred", "no-answer", "internal", "fine");
        assertThat(t.number("no-answer", "taskCount")).isEqualTo(3);
        assertThat(m.count("aggregateWrites")).isEqualTo(5);
        assertThat(m.count("aggregateWritesRetried")).isEqualTo(5); // 4, then "throttled" again
        assertThat(t.attempts)
                .isEqualTo(
                        Map.of(
                                "throttled",
                                3,
                                "five-hundred",
                                2,
                                "no-answer",
                                2,
                                "internal",
                                2,
                                "fine",
                                1));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aRefusalOfTheRequestAsSuchFailsTheJobOverNamingTheTableAndTheList() {
        String longId = "L".repeat(100);
        ScriptedTable t =
                new ScriptedTable(
                        (id, n, ms) ->
                                id.equals(longId)
                                        ? error(
                                                400,
                                                "ResourceNotFoundException",
                                                "Requested resource not found")
                                        : null);
        Metrics m = new Metrics();
        assertThatThrownBy(
                        () ->
                                publisher(t, 10_000, 4, m)
                                        .publish(List.of(agg("ok", 1, 10), agg(longId, 2, 20))))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(
                        "the aggregate table aggregates refused the write of list "
                                + "L".repeat(64)
                                + "... (100 characters): Requested resource not found")
                .hasCauseInstanceOf(DynamoDbException.class);
        assertThat(m.count("aggregateWritesRejected")).isZero();
        assertThat(m.count("aggregateWritesRetried")).isZero();
        assertThat(t.attempts.get(longId)).isEqualTo(1);

        ScriptedTable denied =
                new ScriptedTable(
                        (id, n, ms) -> error(400, "ValidationException", "Missing the key listId"));
        assertThatThrownBy(() -> publisher(denied, 10_000, 4, m).publish(List.of(agg("x", 1, 1))))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(
                        "the aggregate table aggregates refused the write of list x: Missing the key listId");
    }

    @Test
    void aRowRefusedForGoodIsADeadLetterWithItsReasonAndTheOthersArePublished() throws Exception {
        String tooLong = "L".repeat(5000);
        String limit = "Size of hashkey has exceeded the maximum size limit of 2048 bytes";
        ScriptedTable t =
                new ScriptedTable(
                        (id, n, ms) ->
                                id.length() > 2048
                                        ? error(400, "ValidationException", limit)
                                        : null);
        Metrics m = new Metrics();
        publisher(t, 10_000, 4, m)
                .publish(List.of(agg("ok-1", 1, 10), agg(tooLong, 3, 30), agg("ok-2", 2, 20)));
        assertThat(t.rows).containsOnlyKeys("ok-1", "ok-2");
        assertThat(m.count("aggregateWrites")).isEqualTo(2);
        assertThat(m.count("aggregateWritesRejected")).isEqualTo(1);
        assertThat(m.count("aggregateWritesRetried")).isZero();
        List<JsonNode> letters = deadLetters(); // flushed by the publication: a complete file
        assertThat(letters).hasSize(1);
        JsonNode l = letters.get(0);
        assertThat(l.get("stage").asText()).isEqualTo("aggregate-table-sink");
        assertThat(l.get("reason").asText()).isEqualTo("400 ValidationException: " + limit);
        assertThat(l.get("table").asText()).isEqualTo("aggregates");
        assertThat(l.get("listId").asText()).isEqualTo("L".repeat(4096));
        assertThat(l.get("truncated").asBoolean()).isTrue();
        assertThat(l.get("listIdLength").asInt()).isEqualTo(5000);
        assertThat(l.get("version").asLong()).isEqualTo(30);
        assertThat(l.get("taskCount").asLong()).isEqualTo(3);
        assertThat(l.has("time")).isTrue();
    }

    @Test
    void aRowJustUnderTheDeadLetterCutIsWrittenWhole() throws Exception {
        String id = "K".repeat(4096);
        ScriptedTable t =
                new ScriptedTable(
                        (k, n, ms) ->
                                error(
                                        400,
                                        "ItemCollectionSizeLimitExceededException",
                                        "Collection size exceeded."));
        Metrics m = new Metrics();
        publisher(t, 10_000, 4, m).publish(List.of(agg(id, 1, 1)));
        JsonNode l = deadLetters().get(0);
        assertThat(l.get("listId").asText()).isEqualTo(id);
        assertThat(l.get("truncated").asBoolean()).isFalse();
    }

    @Test
    void writesFailingWithoutProgressAreGivenUpAfterTheTimeout() {
        ScriptedTable t = new ScriptedTable((id, n, ms) -> THROTTLED);
        Metrics m = new Metrics();
        long start = System.nanoTime();
        assertThatThrownBy(() -> publisher(t, 300, 4, m).publish(List.of(agg("a", 1, 1))))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(
                        "gave up after 300 ms of failures without progress"
                                + " (sink.commit.retry.timeout.ms): 1 aggregate writes still failing");
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(300);
        assertThat(t.attempts.get("a")).isGreaterThan(1);
        assertThat(m.count("aggregateWritesRetried")).isEqualTo((long) t.attempts.get("a"));
        assertThat(t.rows).isEmpty();
    }

    /**
     * The timeout bounds a failing period, not the publication: "slow" goes through after 700 ms,
     * within the first period of 1 s, which restarts the period; "slower" goes through after 1.4 s,
     * within the second. Without the restart (the publisher not reporting the progress to its
     * backoff) the publication gives up at 1 s. Slowness of the machine only moves the attempts
     * later, which cannot make this fail.
     */
    @Test
    void progressStartsANewFailingPeriod() throws Exception {
        ScriptedTable t =
                new ScriptedTable(
                        (id, n, ms) -> {
                            if (id.equals("slow") && ms < 700) {
                                return THROTTLED;
                            }
                            return id.equals("slower") && ms < 1400 ? THROTTLED : null;
                        });
        Metrics m = new Metrics();
        publisher(t, 1000, 4, m).publish(List.of(agg("slow", 1, 1), agg("slower", 2, 2)));
        assertThat(t.rows).containsOnlyKeys("slow", "slower");
        assertThat(m.count("aggregateWrites")).isEqualTo(2);
    }

    /**
     * Kills: retryable() returning true for an exception that is neither the service's nor the
     * SDK's.
     */
    @Test
    void anUnexpectedErrorOfTheClientFailsAtOnce() {
        ScriptedTable t = new ScriptedTable((id, n, ms) -> new IllegalStateException("bug"));
        assertThatThrownBy(
                        () ->
                                publisher(t, 10_000, 4, new Metrics())
                                        .publish(List.of(agg("x", 1, 1))))
                .isInstanceOf(IOException.class)
                .hasMessage("the aggregate table aggregates refused the write of list x: bug");
        assertThat(t.attempts.get("x")).isEqualTo(1);
    }

    /** Kills: shortId's {@code <= 64} as {@code < 64} (a 64-character id is named whole). */
    @Test
    void aListIdOf64CharactersIsNamedWhole() {
        String id = "M".repeat(64);
        ScriptedTable t =
                new ScriptedTable((k, n, ms) -> error(403, "AccessDeniedException", "denied"));
        assertThatThrownBy(
                        () ->
                                publisher(t, 10_000, 4, new Metrics())
                                        .publish(List.of(agg(id, 1, 1))))
                .hasMessageStartingWith(
                        "the aggregate table aggregates refused the write of list "
                                + id
                                + ": denied");
    }

    /**
     * Kills: the semaphore's acquire removed (every write of a batch in flight at once). The table
     * answers each write 20 ms later, from another thread.
     */
    @Test
    void noMoreThanTheConcurrencyAreInFlight() throws Exception {
        java.util.concurrent.ScheduledExecutorService later =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        java.util.concurrent.atomic.AtomicInteger inFlight =
                new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most =
                new java.util.concurrent.atomic.AtomicInteger();
        ScriptedTable answersLater =
                new ScriptedTable((id, n, ms) -> null) {
                    @Override
                    public synchronized CompletableFuture<PutItemResponse> putItem(
                            PutItemRequest r) {
                        most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        CompletableFuture<PutItemResponse> now = super.putItem(r);
                        CompletableFuture<PutItemResponse> answer = new CompletableFuture<>();
                        later.schedule(
                                () -> {
                                    inFlight.decrementAndGet();
                                    now.whenComplete(
                                            (ok, e) -> {
                                                if (e != null) {
                                                    answer.completeExceptionally(e);
                                                } else {
                                                    answer.complete(ok);
                                                }
                                            });
                                },
                                20,
                                java.util.concurrent.TimeUnit.MILLISECONDS);
                        return answer;
                    }
                };
        try {
            List<ListAggregate> batch = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                batch.add(agg("l" + i, i, 10 + i));
            }
            publisher(answersLater, 10_000, 2, new Metrics()).publish(batch);
            assertThat(answersLater.rows).hasSize(8);
            assertThat(most.get()).isEqualTo(2);
        } finally {
            later.shutdownNow();
        }
    }

    /**
     * Kills: the rejection log's flush at the end of a publication removed: each publication (one
     * commit, one checkpoint) completes its own dead-letter file.
     */
    @Test
    void eachPublicationCompletesItsOwnDeadLetterFile() throws Exception {
        ScriptedTable t =
                new ScriptedTable(
                        (id, n, ms) ->
                                id.startsWith("big")
                                        ? error(
                                                400,
                                                "ValidationException",
                                                "Item size has exceeded the maximum allowed size")
                                        : null);
        AggregateTablePublisher p = publisher(t, 10_000, 4, new Metrics());
        p.publish(List.of(agg("big-1", 1, 1)));
        p.publish(List.of(agg("big-2", 1, 1)));
        try (Stream<Path> files = Files.list(dir.resolve("aggregate-table-sink"))) {
            assertThat(files.count()).isEqualTo(2);
        }
        assertThat(deadLetters()).hasSize(2);
    }

    @Test
    void closingClosesTheClient() throws Exception {
        ScriptedTable t = new ScriptedTable((id, n, ms) -> null);
        publisher(t, 1000, 1, new Metrics()).close();
        assertThat(t.closed).isTrue();
    }
}

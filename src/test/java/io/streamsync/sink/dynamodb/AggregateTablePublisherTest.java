package io.streamsync.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.streamsync.aggregate.ListAggregate;
import io.streamsync.config.JobConfig;
import io.streamsync.testing.ForwardingProxy;
import io.streamsync.testing.Moto;
import io.streamsync.testing.TodoTables;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The aggregate table's publisher against a real DynamoDB API (moto), through the AWS SDK as
 * production builds it: the version condition, and what each class of error does. The SDK's own
 * retries are turned off ({@code aws.maxAttempts=1}) so that every refusal reaches the publisher's
 * own handling, which is what these tests are about. Runs moto: {@code flock /tmp/it.lock mvn -o -B
 * test -Dtest=AggregateTablePublisherTest}.
 *
 * <p>Mutations these tests kill (each applied by hand and reverted, see the closing note of issue
 * 32): the condition {@code #v < :v} turned into {@code #v <> :v} or {@code #v <= :v}; a
 * ValidationException failing the job over instead of a dead letter; the retry timeout counted from
 * the start of the publication.
 */
class AggregateTablePublisherTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static Moto moto;
    private static DynamoDbClient ddb;
    private static String previousMaxAttempts;
    private static final AtomicInteger TABLES = new AtomicInteger();

    @TempDir Path dir;

    @BeforeAll
    static void startMoto() throws Exception {
        previousMaxAttempts = System.getProperty("aws.maxAttempts");
        System.setProperty("aws.maxAttempts", "1");
        moto = Moto.start();
        ddb = moto.client();
    }

    @AfterAll
    static void stopMoto() throws Exception {
        if (ddb != null) {
            ddb.close();
        }
        if (moto != null) {
            moto.close();
        }
        if (previousMaxAttempts == null) {
            System.clearProperty("aws.maxAttempts");
        } else {
            System.setProperty("aws.maxAttempts", previousMaxAttempts);
        }
    }

    /**
     * Counters a test can read back (the unregistered group's counters count, they are only not
     * reported).
     */
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

    private static String newTable() {
        String name = "aggregates-" + TABLES.incrementAndGet();
        TodoTables.createAggregateTable(ddb, name);
        return name;
    }

    private JobConfig config(URI endpoint, String table, long retryTimeoutMs, int inFlight) {
        Map<String, String> p = new HashMap<>();
        p.put("aws.endpoint", endpoint.toString());
        p.put("aws.region", Moto.REGION);
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", Moto.ACCESS_KEY);
        p.put("aws.credentials.secret.access.key", Moto.SECRET_KEY);
        p.put("sink.dynamodb.table", table);
        p.put("sink.dynamodb.max.batch.size", "1");
        p.put("sink.dynamodb.max.in.flight.requests", Integer.toString(inFlight));
        p.put("sink.commit.retry.timeout.ms", Long.toString(retryTimeoutMs));
        p.put("deadletter.path", dir.toString());
        return JobConfig.from(p);
    }

    private static ListAggregate agg(String list, long count, long version) {
        return new ListAggregate(list, count, version, -1, -1, 0, 0, 0, 0, 1_700_000_000_000L);
    }

    private static Map<String, AttributeValue> row(String table, String list) {
        return ddb.getItem(
                        b ->
                                b.tableName(table)
                                        .consistentRead(true)
                                        .key(Map.of("listId", AttributeValue.fromS(list))))
                .item();
    }

    private static long number(Map<String, AttributeValue> row, String attribute) {
        return Long.parseLong(row.get(attribute).n());
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
    void aRowIsReplacedOnlyByAStrictlyHigherVersion() throws Exception {
        String table = newTable();
        Metrics m = new Metrics();
        try (AggregateTablePublisher p =
                TestPublishers.aggregateTable(config(moto.endpoint(), table, 10_000, 4), m)) {
            p.publish(List.of(agg("a", 5, 50), agg("b", 1, 10)));
            assertThat(number(row(table, "a"), "taskCount")).isEqualTo(5);
            assertThat(m.count("aggregateWrites")).isEqualTo(2);

            p.publish(List.of(agg("a", 4, 40))); // an older state, published again after a restore:
            // refused
            assertThat(number(row(table, "a"), "version")).isEqualTo(50);
            assertThat(number(row(table, "a"), "taskCount")).isEqualTo(5);

            p.publish(
                    List.of(agg("a", 7, 50))); // the same version again: refused too (equal is not
            // newer)
            assertThat(number(row(table, "a"), "taskCount")).isEqualTo(5);
            assertThat(m.count("aggregateWritesAlreadyNewer")).isEqualTo(2);

            p.publish(
                    List.of(
                            agg("a", 6, 51),
                            agg("c", 2, 20))); // newer: replaces; a new list: created
            assertThat(number(row(table, "a"), "version")).isEqualTo(51);
            assertThat(number(row(table, "a"), "taskCount")).isEqualTo(6);
            assertThat(number(row(table, "c"), "taskCount")).isEqualTo(2);
            assertThat(m.count("aggregateWrites")).isEqualTo(4);
        }
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
     * Issue 28 against moto: a newer state with an earlier final window (a replay after a rollback)
     * or none takes the row's count and version and keeps its window fields (the put's window
     * condition, then the update with ALL_OLD's row); an older state is refused whatever its
     * window; a later window replaces.
     */
    @Test
    void aNewerStateWithAnEarlierFinalWindowKeepsTheRowsWindowFields() throws Exception {
        String table = newTable();
        Metrics m = new Metrics();
        try (AggregateTablePublisher p =
                TestPublishers.aggregateTable(config(moto.endpoint(), table, 10_000, 4), m)) {
            p.publish(List.of(withWindow("a", 5, 50, 40_000, 3)));
            p.publish(List.of(withWindow("a", 9, 60, 33_000, 1)));
            Map<String, AttributeValue> r = row(table, "a");
            assertThat(number(r, "version")).isEqualTo(60);
            assertThat(number(r, "taskCount")).isEqualTo(9);
            assertThat(number(r, "updatedAt")).isEqualTo(1_700_000_000_060L);
            assertThat(number(r, "windowStart")).isEqualTo(40_000);
            assertThat(number(r, "windowEnd")).isEqualTo(41_000);
            assertThat(number(r, "inserted")).isEqualTo(3);

            p.publish(List.of(withWindow("a", 8, 70, Long.MIN_VALUE, 0)));
            r = row(table, "a");
            assertThat(number(r, "version")).isEqualTo(70);
            assertThat(number(r, "taskCount")).isEqualTo(8);
            assertThat(number(r, "windowStart")).isEqualTo(40_000);

            p.publish(List.of(withWindow("a", 1, 65, 90_000, 7)));
            r = row(table, "a");
            assertThat(number(r, "version")).isEqualTo(70);
            assertThat(number(r, "windowStart")).isEqualTo(40_000);

            p.publish(List.of(withWindow("a", 8, 72, 50_000, 2)));
            r = row(table, "a");
            assertThat(number(r, "version")).isEqualTo(72);
            assertThat(number(r, "windowStart")).isEqualTo(50_000);
            assertThat(number(r, "inserted")).isEqualTo(2);
            assertThat(m.count("aggregateWindowFieldsKept")).isEqualTo(2);
            assertThat(m.count("aggregateWritesAlreadyNewer")).isEqualTo(1);
        }
    }

    @Test
    void aRowTheTableRefusesForGoodIsADeadLetterWithItsReasonAndTheOthersArePublished()
            throws Exception {
        String table = newTable();
        Metrics m = new Metrics();
        // a list id over DynamoDB's 2,048-byte partition-key limit (what base64 of a 1,536-byte
        // binary key gives)
        String tooLong = "L".repeat(2049);
        try (AggregateTablePublisher p =
                TestPublishers.aggregateTable(config(moto.endpoint(), table, 10_000, 4), m)) {
            p.publish(List.of(agg("ok-1", 1, 10), agg(tooLong, 3, 30), agg("ok-2", 2, 20)));
        }
        assertThat(number(row(table, "ok-1"), "taskCount")).isEqualTo(1);
        assertThat(number(row(table, "ok-2"), "taskCount")).isEqualTo(2);
        List<JsonNode> letters = deadLetters();
        assertThat(letters).hasSize(1);
        JsonNode letter = letters.get(0);
        assertThat(letter.path("stage").asText()).isEqualTo("aggregate-table-sink");
        assertThat(letter.path("reason").asText()).startsWith("400 ValidationException");
        assertThat(letter.path("listId").asText()).isEqualTo(tooLong);
        assertThat(letter.path("version").asLong()).isEqualTo(30);
        assertThat(letter.path("table").asText()).isEqualTo(table);
        assertThat(m.count("aggregateWritesRejected")).isEqualTo(1);
        assertThat(m.count("aggregateWrites")).isEqualTo(2);
    }

    @Test
    void aMissingTableFailsTheJobOverInsteadOfDroppingRows() throws Exception {
        Metrics m = new Metrics();
        try (AggregateTablePublisher p =
                TestPublishers.aggregateTable(
                        config(moto.endpoint(), "no-such-table", 10_000, 4), m)) {
            assertThatThrownBy(() -> p.publish(List.of(agg("a", 1, 10))))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("no-such-table")
                    .hasMessageContaining("Requested resource not found");
        }
        assertThat(deadLetters()).isEmpty();
        assertThat(m.count("aggregateWritesRejected")).isZero();
    }

    @Test
    void throttledWritesAreRetriedUntilWritten() throws Exception {
        String table = newTable();
        Metrics m = new Metrics();
        try (Throttler proxy = new Throttler(moto.endpoint())) {
            proxy.throttleNext(3);
            try (AggregateTablePublisher p =
                    TestPublishers.aggregateTable(config(proxy.endpoint(), table, 10_000, 4), m)) {
                p.publish(
                        List.of(
                                agg("a", 1, 10),
                                agg("b", 2, 20),
                                agg("c", 3, 30),
                                agg("d", 4, 40)));
            }
            assertThat(proxy.throttled.get()).isEqualTo(3);
        }
        for (String list : new String[] {"a", "b", "c", "d"}) {
            assertThat(row(table, list)).as(list).isNotEmpty();
        }
        assertThat(m.count("aggregateWritesRetried")).isEqualTo(3);
        assertThat(m.count("aggregateWrites")).isEqualTo(4);
    }

    @Test
    void anOutageWithoutProgressIsGivenUpAfterTheTimeoutSoTheJobFailsOver() throws Exception {
        String table = newTable();
        try (Throttler proxy = new Throttler(moto.endpoint())) {
            proxy.outage = true;
            try (AggregateTablePublisher p =
                    TestPublishers.aggregateTable(
                            config(proxy.endpoint(), table, 400, 4), new Metrics())) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> p.publish(List.of(agg("a", 1, 10))))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("sink.commit.retry.timeout.ms");
                assertThat((System.nanoTime() - start) / 1_000_000)
                        .as("ms until given up")
                        .isBetween(400L, 10_000L);
            }
        }
        assertThat(deadLetters()).as("a 5xx is no reason to drop a row").isEmpty();
    }

    /**
     * Issue 28 §8: the timeout bounds a failing period, not the publication. A batch that has been
     * publishing for longer than the timeout meets its first throttling: it is retried, not given
     * up.
     */
    @Test
    void aLongPublicationIsNotGivenUpAtItsFirstThrottledWrite() throws Exception {
        String table = newTable();
        long timeoutMs = 200;
        List<ListAggregate> batch = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            batch.add(agg("list-" + i, i, 10 + i));
        }
        Metrics m = new Metrics();
        try (Throttler proxy = new Throttler(moto.endpoint())) {
            proxy.throttleAfterMillis(
                    2 * timeoutMs, 5); // once the batch has been publishing for twice the timeout
            try (AggregateTablePublisher p =
                    TestPublishers.aggregateTable(
                            config(proxy.endpoint(), table, timeoutMs, 2), m)) {
                p.publish(batch);
            }
            assertThat(proxy.throttled.get()).as("throttled writes").isEqualTo(5);
            assertThat(proxy.putItems.get())
                    .as("the throttling came while the batch was still being published")
                    .isGreaterThan(5 + 1);
        }
        assertThat(m.count("aggregateWrites")).isEqualTo(batch.size());
        assertThat(m.count("aggregateWritesRetried")).isEqualTo(5);
        assertThat(ddb.scan(b -> b.tableName(table).select("COUNT")).count())
                .isEqualTo(batch.size());
    }

    /**
     * A proxy in front of moto that throttles some PutItems (HTTP 400 ThrottlingException, as
     * DynamoDB) or answers 503 to all.
     */
    private static final class Throttler extends ForwardingProxy {
        final AtomicLong putItems = new AtomicLong();
        final AtomicLong throttled = new AtomicLong();
        private final AtomicInteger toThrottle = new AtomicInteger();
        private volatile long armAfterNanos = -1;
        private volatile int armedCount;
        private volatile long firstPutNanos;
        volatile boolean outage;

        Throttler(URI target) throws IOException {
            super(target, 8);
        }

        void throttleNext(int n) {
            toThrottle.set(n);
        }

        /** Throttles {@code n} PutItems once {@code ms} have passed since the first one. */
        void throttleAfterMillis(long ms, int n) {
            armAfterNanos = ms * 1_000_000;
            armedCount = n;
        }

        @Override
        protected boolean intercept(HttpExchange ex, byte[] body) throws IOException {
            String operation = ex.getRequestHeaders().getFirst("X-Amz-Target");
            if (operation == null || !operation.endsWith(".PutItem")) {
                return false;
            }
            long now = System.nanoTime();
            synchronized (this) {
                if (putItems.getAndIncrement() == 0) {
                    firstPutNanos = now;
                }
                if (armAfterNanos >= 0 && now - firstPutNanos >= armAfterNanos) {
                    toThrottle.set(armedCount);
                    armAfterNanos = -1;
                }
            }
            if (outage) {
                reply(
                        ex,
                        503,
                        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ServiceUnavailableException\",\"message\":\"injected outage\"}");
                return true;
            }
            if (toThrottle.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throttled.incrementAndGet();
                reply(
                        ex,
                        400,
                        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\",\"message\":\"injected throttling\"}");
                return true;
            }
            return false;
        }

        private static void reply(HttpExchange ex, int status, String json) throws IOException {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }
}

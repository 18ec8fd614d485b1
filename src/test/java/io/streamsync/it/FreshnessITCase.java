package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.sink.commit.CaughtUp;
import io.streamsync.testing.FaultyDynamoDbProxy;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.TodoTables;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Freshness visible to readers (freshness.md), on a MiniCluster against a real moto server and a
 * real Elasticsearch node: a client that waits until the status row (and the status document) says
 * the job caught up past its write finds the write in the count; and, while a reader audits the
 * status against the rows and documents under traffic, with live aggregates emitted 8 s after their
 * first change (longer than the watermark's lag) and one list's row refused for 12 s (one sink
 * subtask held back), the status never claims a change that is not published.
 */
class FreshnessITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    @TempDir Path deadLetters;

    @Test
    void aClientThatWaitsUntilTheJobCaughtUpPastItsWriteFindsItInTheCount() throws Exception {
        Map<String, String> props = SERVICES.services().testJobProperties("fresh", deadLetters);
        props.put("aggregate.window.ms", "2000");
        DynamoDbClient ddb = SERVICES.ddb();
        SearchHttp search = SERVICES.search();
        TodoTables.createSourceTable(ddb, "freshTasks", StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(ddb, "freshCounts");
        JobClient job = start(props);
        try {
            List<Long> waits = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                put(ddb, "freshTasks", "client-list", "task-" + n);
                long written = System.currentTimeMillis(); // W: after the write returned
                Poll.until(
                        Duration.ofSeconds(90),
                        () ->
                                tableCaughtUp(ddb, "freshCounts") > written
                                        ? null
                                        : "status row at " + tableCaughtUp(ddb, "freshCounts"));
                waits.add(System.currentTimeMillis() - written);
                // no polling from here: the status says the count includes the write
                assertThat(count(ddb, "freshCounts", "client-list"))
                        .as("the row once the status row passed write %d", n)
                        .isEqualTo(n);

                Poll.until(
                        Duration.ofSeconds(90),
                        () ->
                                indexCaughtUp(search, "fresh-counts") > written
                                        ? null
                                        : "status document at "
                                                + indexCaughtUp(search, "fresh-counts"));
                assertThat(
                                document(search, "fresh-counts", "client-list")
                                        .path("taskCount")
                                        .asLong())
                        .as("the aggregate document once the status document passed write %d", n)
                        .isEqualTo(n);
            }
            System.out.println(
                    "FRESHNESS waits from the write to the status row passing it (ms): " + waits);
            assertThat(TodoTables.aggregateCounts(ddb, "freshCounts"))
                    .as("readers of the table do not take the status row for a list")
                    .containsOnlyKeys("client-list");
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void theStatusNeverClaimsAChangeThatIsNotPublished() throws Exception {
        DynamoDbClient ddb = SERVICES.ddb();
        SearchHttp search = SERVICES.search();
        TodoTables.createSourceTable(ddb, "auditTasks", StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(ddb, "auditCounts");
        try (FaultyDynamoDbProxy proxy =
                new FaultyDynamoDbProxy(SERVICES.services().dynamoDb.endpoint())) {
            Map<String, String> props = SERVICES.services().testJobProperties("audit", deadLetters);
            props.put("aws.endpoint", proxy.endpoint().toString());
            // a list's row goes out 8 s after its first change: longer than the watermark's lag
            // (about 5 s behind the clock on a quiet moto shard), so the watermark alone would run
            // ahead of the rows
            props.put("aggregate.window.ms", "8000");
            JobClient job = start(props);
            int lists = 8;
            Map<String, ConcurrentLinkedQueue<Long>> acks = new ConcurrentHashMap<>();
            for (int l = 0; l < lists; l++) {
                acks.put("l" + l, new ConcurrentLinkedQueue<>());
            }
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger written = new AtomicInteger();
            Thread writer =
                    new Thread(
                            () -> {
                                int i = 0;
                                while (writing.get()) {
                                    String list = "l" + (i % lists);
                                    try {
                                        put(ddb, "auditTasks", list, "t" + i);
                                        acks.get(list).add(System.currentTimeMillis());
                                        written.incrementAndGet();
                                    } catch (RuntimeException e) {
                                        // moto busy: the write may or may not be in; not counted
                                        // as acknowledged either way, so the audit stays sound
                                    }
                                    i++;
                                    try {
                                        Thread.sleep(40);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            },
                            "freshness-writer");
            List<String> violations = new ArrayList<>();
            NavigableSet<Long> tableStatuses = new ConcurrentSkipListSet<>();
            NavigableSet<Long> indexStatuses = new ConcurrentSkipListSet<>();
            AtomicInteger audits = new AtomicInteger();
            AtomicBoolean auditing = new AtomicBoolean(true);
            Thread auditor =
                    new Thread(
                            () -> {
                                while (auditing.get()) {
                                    try {
                                        audit(
                                                ddb,
                                                search,
                                                acks,
                                                violations,
                                                tableStatuses,
                                                indexStatuses);
                                        audits.incrementAndGet();
                                    } catch (Exception e) {
                                        // moto busy or index not there yet: audit again
                                    }
                                    try {
                                        Thread.sleep(100);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            },
                            "freshness-auditor");
            try {
                writer.start();
                auditor.start();
                Poll.until(
                        Duration.ofSeconds(90),
                        () -> tableStatuses.size() >= 3 ? null : "status moved " + tableStatuses);
                // one list's row is refused for 12 s: the sink subtask that owns it cannot publish,
                // the other one can
                proxy.outageFor("{\"S\":\"l3\"}");
                long outageStart = System.currentTimeMillis();
                Poll.until(
                        Duration.ofSeconds(60),
                        () -> System.currentTimeMillis() - outageStart > 12_000 ? null : "outage");
                long refused = proxy.refused.get();
                proxy.outageFor(null);
                assertThat(refused).as("rows of l3 refused during the outage").isPositive();
                long afterOutage = System.currentTimeMillis();
                Poll.until(
                        Duration.ofSeconds(90),
                        () ->
                                last(tableStatuses) > afterOutage
                                                && last(indexStatuses) > afterOutage
                                        ? null
                                        : "status after the outage: table "
                                                + last(tableStatuses)
                                                + ", index "
                                                + last(indexStatuses));
                writing.set(false);
                writer.join();
                long lastWrite = System.currentTimeMillis();
                Poll.until(
                        Duration.ofSeconds(90),
                        () ->
                                last(tableStatuses) > lastWrite && last(indexStatuses) > lastWrite
                                        ? null
                                        : "status after the last write");
                auditing.set(false);
                auditor.join();
                // once caught up past every write, every count is exact
                Map<String, Long> rows = TodoTables.aggregateCounts(ddb, "auditCounts");
                for (Map.Entry<String, ConcurrentLinkedQueue<Long>> e : acks.entrySet()) {
                    assertThat(rows.get(e.getKey()))
                            .as("count of %s", e.getKey())
                            .isGreaterThanOrEqualTo((long) e.getValue().size());
                }
                System.out.println(
                        "FRESHNESS audit: "
                                + audits.get()
                                + " audits, "
                                + written.get()
                                + " writes, "
                                + tableStatuses.size()
                                + " table statuses, "
                                + indexStatuses.size()
                                + " index statuses, "
                                + refused
                                + " rows refused in the outage, violations "
                                + violations.size());
                assertThat(violations).as("status ahead of published data").isEmpty();
                assertThat(audits.get()).isGreaterThan(50);
                // the status moves whenever the earliest pending list is emitted (every 8 s per
                // list here) and a checkpoint completes: 9 and 10 distinct values in ~20 s measured
                assertThat(tableStatuses.size())
                        .as("table status values")
                        .isGreaterThanOrEqualTo(5);
                assertThat(indexStatuses.size())
                        .as("index status values")
                        .isGreaterThanOrEqualTo(5);
            } finally {
                writing.set(false);
                auditing.set(false);
                writer.join();
                auditor.join();
                job.cancel().get();
            }
        }
    }

    /**
     * Reads the status first, then the outputs: every write acknowledged before the status's time
     * was created before it, so its list's count must include it.
     */
    private static void audit(
            DynamoDbClient ddb,
            SearchHttp search,
            Map<String, ConcurrentLinkedQueue<Long>> acks,
            List<String> violations,
            NavigableSet<Long> tableStatuses,
            NavigableSet<Long> indexStatuses)
            throws Exception {
        long t = tableCaughtUp(ddb, "auditCounts");
        if (t != Long.MIN_VALUE) {
            if (!tableStatuses.isEmpty() && t < tableStatuses.last()) {
                violations.add("table status went back from " + tableStatuses.last() + " to " + t);
            }
            tableStatuses.add(t);
            Map<String, Long> rows = TodoTables.aggregateCounts(ddb, "auditCounts");
            for (Map.Entry<String, ConcurrentLinkedQueue<Long>> e : acks.entrySet()) {
                long before = e.getValue().stream().filter(a -> a < t).count();
                long shown = rows.getOrDefault(e.getKey(), 0L);
                if (shown < before) {
                    violations.add(
                            "table status "
                                    + t
                                    + ": "
                                    + e.getKey()
                                    + " shows "
                                    + shown
                                    + " but "
                                    + before
                                    + " writes were acknowledged before it");
                }
            }
        }
        long s = indexCaughtUp(search, "audit-counts");
        if (s != Long.MIN_VALUE) {
            if (!indexStatuses.isEmpty() && s < indexStatuses.last()) {
                violations.add("index status went back from " + indexStatuses.last() + " to " + s);
            }
            indexStatuses.add(s);
            for (Map.Entry<String, ConcurrentLinkedQueue<Long>> e : acks.entrySet()) {
                long before = e.getValue().stream().filter(a -> a < s).count();
                JsonNode doc = document(search, "audit-counts", e.getKey());
                long shown = doc.path("taskCount").asLong(0);
                if (shown < before) {
                    violations.add(
                            "index status "
                                    + s
                                    + ": "
                                    + e.getKey()
                                    + " shows "
                                    + shown
                                    + " but "
                                    + before
                                    + " writes were acknowledged before it");
                }
            }
        }
        if (violations.size() > 1000) {
            throw new IllegalStateException("too many violations");
        }
    }

    private static long last(NavigableSet<Long> statuses) {
        return statuses.isEmpty() ? Long.MIN_VALUE : statuses.last();
    }

    private static JobClient start(Map<String, String> props) throws Exception {
        JobConfig config = JobConfig.from(props);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, config);
        StreamSyncPipeline.define(
                env,
                config,
                RecordSources.changeStream(config, Startup.prepare(config)),
                PipelineSinks.fromConfig(config));
        return env.executeAsync("freshness");
    }

    private static void put(DynamoDbClient ddb, String table, String list, String task) {
        ddb.putItem(
                b ->
                        b.tableName(table)
                                .item(
                                        Map.of(
                                                "listId", AttributeValue.fromS(list),
                                                "taskId", AttributeValue.fromS(task),
                                                "title", AttributeValue.fromS("task " + task))));
    }

    /** The status row's caughtUp, as a client reads it; Long.MIN_VALUE before the first. */
    static long tableCaughtUp(DynamoDbClient ddb, String table) {
        GetItemResponse r =
                ddb.getItem(
                        b ->
                                b.tableName(table)
                                        .consistentRead(true)
                                        .key(
                                                Map.of(
                                                        "listId",
                                                        AttributeValue.fromS(CaughtUp.STATUS_ID))));
        return r.hasItem() && r.item().containsKey("caughtUp")
                ? Long.parseLong(r.item().get("caughtUp").n())
                : Long.MIN_VALUE;
    }

    /** The status document's time (its version), as a client reads it; Long.MIN_VALUE before. */
    static long indexCaughtUp(SearchHttp search, String index) throws Exception {
        JsonNode doc = document(search, index, CaughtUp.STATUS_ID);
        return doc.isMissingNode() ? Long.MIN_VALUE : doc.path("version").asLong();
    }

    private static long count(DynamoDbClient ddb, String table, String list) {
        GetItemResponse r =
                ddb.getItem(
                        b ->
                                b.tableName(table)
                                        .consistentRead(true)
                                        .key(Map.of("listId", AttributeValue.fromS(list))));
        return r.hasItem() ? Long.parseLong(r.item().get("taskCount").n()) : 0;
    }

    /** A document's source by a real-time GET; missing when there is none. */
    private static JsonNode document(SearchHttp search, String index, String id) throws Exception {
        try {
            JsonNode r =
                    search.get(
                            "/"
                                    + index
                                    + "/_doc/"
                                    + URLEncoder.encode(id, StandardCharsets.UTF_8)
                                            .replace("+", "%20"));
            return r.path("found").asBoolean() ? r.path("_source") : r.path("no-such-field");
        } catch (java.io.IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("HTTP 404")) {
                return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
            }
            throw e;
        }
    }
}

package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.change.ItemKeys;
import io.streamsync.config.JobConfig;
import io.streamsync.reconcile.ReconcileJob;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.ReportedMetrics;
import io.streamsync.testing.StreamsModel;
import io.streamsync.testing.StreamsModelServer;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TestJobs;
import io.streamsync.testing.TodoTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The reconciliation report against a running job (moto, Elasticsearch, MiniCluster), drift
 * injected while traffic goes on: a row overwritten by hand, an item document deleted and one
 * altered, a phantom document. The report, run as its bounded Flink job, must find each one and
 * nothing else: the lists under traffic may be reported as lag, never as drift.
 */
class ReconcileITCase {
    static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(3)
                            .build());

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    @Test
    void theReportFindsEachInjectedDriftAndNothingElseWhileTrafficGoesOn() throws Exception {
        Map<String, String> props =
                SERVICES.services().testJobProperties("reconcile", dir.resolve("dead-letters"));
        String source = props.get("source.table.name");
        String counts = props.get("sink.dynamodb.table");
        String countIndex = props.get("sink.search.aggregate.index");
        String itemIndex = props.get("sink.search.item.index");
        TodoTables.createSourceTable(SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), counts);
        JobClient job = TestJobs.start(props, 0, null, "reconcile-it");
        Thread traffic = null;
        try {
            // quiet lists (only the drift touches them) and lists under traffic
            for (int l = 0; l < 6; l++) {
                for (int t = 0; t < 4; t++) {
                    TodoTables.putTask(
                            SERVICES.ddb(), source, "quiet-" + l, "t" + t, "seed " + l + "/" + t);
                }
            }
            TaskWorkload workload = new TaskWorkload(SERVICES.ddb(), source, 8, 30L);
            workload.run(300);
            Poll.until(
                    Duration.ofSeconds(120),
                    () ->
                            GroundTruth.check(
                                    SERVICES.ddb(),
                                    source,
                                    counts,
                                    SERVICES.search(),
                                    countIndex,
                                    itemIndex));

            // the quiet lists' window is final and published (the row and the document then carry
            // it): after that nothing of theirs is published again unless they change
            Poll.until(
                    Duration.ofSeconds(60),
                    () -> {
                        for (int l = 0; l < 6; l++) {
                            String list = "quiet-" + l;
                            Map<String, AttributeValue> r =
                                    SERVICES.ddb()
                                            .getItem(
                                                    b ->
                                                            b.tableName(counts)
                                                                    .key(
                                                                            Map.of(
                                                                                    "listId",
                                                                                    AttributeValue
                                                                                            .fromS(
                                                                                                    list))))
                                            .item();
                            JsonNode d =
                                    SERVICES.search()
                                            .get("/" + countIndex + "/_doc/" + list)
                                            .path("_source");
                            if (!r.containsKey("windowStart") || !d.has("windowStart")) {
                                return list + "'s window is not published yet";
                            }
                        }
                        return null;
                    });

            traffic = new Thread(() -> workload.runAtRate(25), "traffic");
            traffic.start();

            // drift, by hand: quiet-0's row says 99 (its version kept), quiet-1's t1 document
            // is deleted, quiet-2's t2 document altered, quiet-3 gets a phantom document
            Map<String, AttributeValue> row =
                    new HashMap<>(
                            SERVICES.ddb()
                                    .getItem(
                                            b ->
                                                    b.tableName(counts)
                                                            .key(
                                                                    Map.of(
                                                                            "listId",
                                                                            AttributeValue.fromS(
                                                                                    "quiet-0"))))
                                    .item());
            row.put("taskCount", AttributeValue.fromN("99"));
            SERVICES.ddb().putItem(b -> b.tableName(counts).item(row));
            SERVICES.search()
                    .delete("/" + itemIndex + "/_doc/" + TodoTables.encodedItemId("quiet-1", "t1"));
            SERVICES.search()
                    .put(
                            "/" + itemIndex + "/_doc/" + TodoTables.encodedItemId("quiet-2", "t2"),
                            "{\"listId\":\"quiet-2\",\"taskId\":\"t2\",\"title\":\"edited by hand\"}");
            SERVICES.search()
                    .put(
                            "/"
                                    + itemIndex
                                    + "/_doc/"
                                    + TodoTables.encodedItemId("quiet-3", "ghost"),
                            "{\"listId\":\"quiet-3\",\"taskId\":\"ghost\",\"title\":\"never in the table\"}");
            SERVICES.search().post("/" + itemIndex + "/_refresh", "{}");

            Map<String, String> report = new HashMap<>(props);
            Path out = dir.resolve("report.jsonl");
            report.put("reconcile.mode", "report");
            report.put("reconcile.output.path", out.toString());
            report.put(
                    "reconcile.margin.ms", "10000"); // settle: 1 s window + 1 s checkpoint + 10 s
            report.put("reconcile.scan.segments", "4");
            report.put("job.parallelism", "1");
            report.put("restart.attempts", "0"); // a failing report fails the test at once
            JobExecutionResult result = ReconcileJob.run(JobConfig.from(report));

            List<JsonNode> lines = new ArrayList<>();
            for (String l : Files.readAllLines(out)) {
                lines.add(JSON.readTree(l));
            }
            lines.forEach(l -> System.out.println("reconcile report: " + l)); // for the record
            JsonNode summary = lines.get(lines.size() - 1);
            Map<String, JsonNode> drift = new TreeMap<>();
            for (JsonNode l : lines.subList(0, lines.size() - 1)) {
                if (l.path("verdict").asText().equals("drift")) {
                    drift.put(l.path("list").asText(), l);
                }
            }
            assertThat(drift)
                    .as("lines: %s", lines)
                    .containsOnlyKeys("quiet-0", "quiet-1", "quiet-2", "quiet-3");
            JsonNode q0 = drift.get("quiet-0");
            assertThat(q0.path("rowDiffers").asBoolean()).isTrue();
            assertThat(q0.path("rowCount").asLong()).isEqualTo(99);
            assertThat(q0.path("tableCount").asLong()).isEqualTo(4);
            assertThat(q0.path("documentDiffers").asBoolean()).isFalse();
            assertThat(ids(q0, "missing")).isEmpty();
            JsonNode q1 = drift.get("quiet-1");
            assertThat(ids(q1, "missing")).containsExactly(id("quiet-1", "t1"));
            assertThat(q1.path("rowDiffers").asBoolean()).isFalse();
            assertThat(ids(drift.get("quiet-2"), "stale")).containsExactly(id("quiet-2", "t2"));
            assertThat(ids(drift.get("quiet-3"), "phantom"))
                    .containsExactly(id("quiet-3", "ghost"));
            for (JsonNode d : drift.values()) {
                assertThat(
                                ids(d, "missing").size()
                                        + ids(d, "stale").size()
                                        + ids(d, "phantom").size()
                                        + (d.path("rowDiffers").asBoolean() ? 1 : 0)
                                        + (d.path("documentDiffers").asBoolean() ? 1 : 0))
                        .as("differences of %s", d)
                        .isEqualTo(1);
            }
            assertThat(summary.path("itemsUnreadable").asLong()).isZero();
            assertThat(summary.path("itemsScanned").asLong()).isGreaterThanOrEqualTo(24);
            assertThat(summary.path("listsDrifted").asLong()).isEqualTo(4);
            assertThat(summary.path("itemsMissing").asLong()).isEqualTo(1);
            assertThat(summary.path("itemsStale").asLong()).isEqualTo(1);
            assertThat(summary.path("itemsPhantom").asLong()).isEqualTo(1);
            assertThat(summary.path("listsChecked").asLong()).isGreaterThanOrEqualTo(14);

            ReportedMetrics m = new ReportedMetrics(METRICS, result.getJobID());
            assertThat(m.sum("reconcileListsDrifted")).isEqualTo(4);
            // the drift alarm of the deploy template watches this figure: the metric it names is
            // published in the kinesisanalytics group with the report's count of drifted lists
            assertThat(m.sum(driftAlarmMetric()))
                    .as("the template's DriftAlarm metric, as the report publishes it")
                    .isEqualTo(summary.path("listsDrifted").asLong());
            assertThat(m.sum("reconcileItemsMissing")).isEqualTo(1);
            assertThat(m.sum("reconcileItemsPhantom")).isEqualTo(1);
            assertThat(m.sum("reconcileItemsStale")).isEqualTo(1);
            assertThat(m.sum("reconcileListsChecked"))
                    .isEqualTo(summary.path("listsChecked").asLong());
        } finally {
            if (traffic != null) {
                traffic.interrupt();
                traffic.join();
            }
            job.cancel().get();
        }
    }

    /**
     * A trimmed-data gap skipped with {@code source.on.trimmed.data=continue}, made with the {@link
     * StreamsModel} (records trimmed after a retention the test's clock passes): the job is stopped
     * with a savepoint, changes are made to four lists while it is down, the stream trims them, and
     * the job restored with {@code continue} goes on from TRIM_HORIZON without them. The report
     * must find exactly the lists whose lost changes left a difference (an insert lost: a missing
     * item and counts one short; a delete lost: a phantom and counts one over; an update lost: a
     * stale item), and neither the list whose lost change a later one superseded, nor the quiet
     * lists, nor the lists under traffic while the report runs.
     */
    @Test
    void theReportFindsTheListsATrimmedGapLeftBehindAndNothingElse() throws Exception {
        Map<String, String> props =
                SERVICES.services().testJobProperties("reconcileGap", dir.resolve("dead-letters"));
        String source = props.get("source.table.name");
        String counts = props.get("sink.dynamodb.table");
        String countIndex = props.get("sink.search.aggregate.index");
        String itemIndex = props.get("sink.search.item.index");
        String arn =
                TodoTables.createSourceTable(
                        SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), counts);
        AtomicLong clockOffset = new AtomicLong();
        // one shard that does not roll over in the test's time; records kept for 60 s of the
        // model's clock, which the test moves on by 90 s while the job is down
        StreamsModel.Settings settings =
                new StreamsModel.Settings().lineages(1).rolloverMs(3_600_000L).retentionMs(60_000L);
        try (StreamsModelServer front =
                new StreamsModelServer(SERVICES.services().dynamoDb.endpoint())) {
            StreamsModel model =
                    front.serve(
                            new StreamsModel(
                                    arn,
                                    settings,
                                    () -> System.currentTimeMillis() + clockOffset.get()));
            front.tail(model, SERVICES.services().dynamoDb.streamsClient(), "listId");
            props.put("aws.endpoint", front.endpoint().toString());
            props.put("source.on.trimmed.data", "continue");
            props.put("restart.attempts", "3");
            props.put("restart.delay.ms", "200");

            JobClient job = TestJobs.start(props, 0, null, "reconcile-gap-it");
            String savepoint;
            try {
                for (int l = 0; l < 4; l++) {
                    for (int t = 0; t < 4; t++) {
                        TodoTables.putTask(
                                SERVICES.ddb(), source, "gap-" + l, "t" + t, "seed " + l + "/" + t);
                    }
                }
                for (int l = 0; l < 2; l++) {
                    for (int t = 0; t < 4; t++) {
                        TodoTables.putTask(
                                SERVICES.ddb(),
                                source,
                                "quiet-" + l,
                                "t" + t,
                                "seed " + l + "/" + t);
                    }
                }
                new TaskWorkload(SERVICES.ddb(), source, 6, 41L).run(200);
                Poll.until(
                        Duration.ofSeconds(120),
                        () ->
                                GroundTruth.check(
                                        SERVICES.ddb(),
                                        source,
                                        counts,
                                        SERVICES.search(),
                                        countIndex,
                                        itemIndex));
                awaitWindowsPublished(
                        counts,
                        countIndex,
                        List.of("gap-0", "gap-1", "gap-2", "gap-3", "quiet-0", "quiet-1"));
                savepoint =
                        job.stopWithSavepoint(
                                        false,
                                        dir.resolve("sp").toUri().toString(),
                                        SavepointFormatType.CANONICAL)
                                .get(3, TimeUnit.MINUTES);
            } catch (Exception e) {
                job.cancel().get();
                throw e;
            }

            // while the job is down: one change each to gap-0..3, then the stream trims them
            TodoTables.putTask(SERVICES.ddb(), source, "gap-0", "t9", "inserted in the gap");
            TodoTables.deleteTask(SERVICES.ddb(), source, "gap-1", "t1");
            TodoTables.putTask(SERVICES.ddb(), source, "gap-2", "t2", "updated in the gap");
            TodoTables.putTask(SERVICES.ddb(), source, "gap-3", "t0", "updated in the gap");
            long written = recordsInMotosStream(arn);
            Poll.until(
                    Duration.ofSeconds(30),
                    () ->
                            model.appended() >= written
                                    ? null
                                    : "the model holds "
                                            + model.appended()
                                            + " of moto's "
                                            + written
                                            + " records");
            clockOffset.addAndGet(90_000L);
            // gap-3's lost update is superseded by a later one, which the job reads
            TodoTables.putTask(SERVICES.ddb(), source, "gap-3", "t0", "updated after the gap");

            JobClient restored = TestJobs.start(props, 0, savepoint, "reconcile-gap-it");
            TaskWorkload traffic = new TaskWorkload(SERVICES.ddb(), source, 6, 43L);
            Thread trafficThread = new Thread(() -> traffic.runAtRate(25), "traffic");
            try {
                Poll.until(
                        Duration.ofSeconds(60),
                        () -> {
                            JsonNode d =
                                    SERVICES.search()
                                            .get(
                                                    "/"
                                                            + itemIndex
                                                            + "/_doc/"
                                                            + TodoTables.encodedItemId(
                                                                    "gap-3", "t0"));
                            return d.path("_source")
                                            .path("title")
                                            .asText()
                                            .equals("updated after the gap")
                                    ? null
                                    : "gap-3/t0 after the gap not indexed yet: " + d;
                        });
                assertThat(gapLetters(dir.resolve("dead-letters")))
                        .as("the dead letter of the skipped gap")
                        .isNotEmpty();
                trafficThread.start();

                Map<String, String> report = new HashMap<>(props);
                Path out = dir.resolve("gap-report.jsonl");
                report.put("reconcile.mode", "report");
                report.put("reconcile.output.path", out.toString());
                report.put("reconcile.margin.ms", "10000");
                report.put("reconcile.scan.segments", "4");
                report.put("job.parallelism", "1");
                report.put("restart.attempts", "0");
                ReconcileJob.run(JobConfig.from(report));

                List<JsonNode> lines = new ArrayList<>();
                for (String l : Files.readAllLines(out)) {
                    lines.add(JSON.readTree(l));
                }
                lines.forEach(l -> System.out.println("reconcile gap report: " + l));
                JsonNode summary = lines.get(lines.size() - 1);
                Map<String, JsonNode> drift = new TreeMap<>();
                for (JsonNode l : lines.subList(0, lines.size() - 1)) {
                    if (l.path("verdict").asText().equals("drift")) {
                        drift.put(l.path("list").asText(), l);
                    }
                }
                assertThat(drift)
                        .as("lines: %s", lines)
                        .containsOnlyKeys("gap-0", "gap-1", "gap-2");
                JsonNode g0 = drift.get("gap-0");
                assertThat(g0.path("tableCount").asLong()).isEqualTo(5);
                assertThat(g0.path("rowCount").asLong()).isEqualTo(4);
                assertThat(g0.path("documentCount").asLong()).isEqualTo(4);
                assertThat(ids(g0, "missing")).containsExactly(id("gap-0", "t9"));
                assertThat(ids(g0, "phantom")).isEmpty();
                assertThat(ids(g0, "stale")).isEmpty();
                JsonNode g1 = drift.get("gap-1");
                assertThat(g1.path("tableCount").asLong()).isEqualTo(3);
                assertThat(g1.path("rowCount").asLong()).isEqualTo(4);
                assertThat(g1.path("documentCount").asLong()).isEqualTo(4);
                assertThat(ids(g1, "phantom")).containsExactly(id("gap-1", "t1"));
                assertThat(ids(g1, "missing")).isEmpty();
                assertThat(ids(g1, "stale")).isEmpty();
                JsonNode g2 = drift.get("gap-2");
                assertThat(g2.path("rowDiffers").asBoolean()).isFalse();
                assertThat(g2.path("documentDiffers").asBoolean()).isFalse();
                assertThat(ids(g2, "stale")).containsExactly(id("gap-2", "t2"));
                assertThat(ids(g2, "missing")).isEmpty();
                assertThat(ids(g2, "phantom")).isEmpty();
                assertThat(summary.path("listsDrifted").asLong()).isEqualTo(3);
                assertThat(summary.path("itemsMissing").asLong()).isEqualTo(1);
                assertThat(summary.path("itemsPhantom").asLong()).isEqualTo(1);
                assertThat(summary.path("itemsStale").asLong()).isEqualTo(1);
                assertThat(summary.path("itemsUnreadable").asLong()).isZero();
                assertThat(summary.path("listsChecked").asLong()).isGreaterThanOrEqualTo(12);
            } finally {
                traffic.stop();
                if (trafficThread.getState() != Thread.State.NEW) {
                    trafficThread.interrupt();
                    trafficThread.join();
                }
                restored.cancel().get();
            }
        }
    }

    /** The metric the deploy template's drift alarm watches. */
    @SuppressWarnings("unchecked")
    private static String driftAlarmMetric() throws Exception {
        try (java.io.Reader in =
                Files.newBufferedReader(Path.of("deploy/cloudformation/streamsync.yaml"))) {
            Map<String, Object> template = new org.yaml.snakeyaml.Yaml().load(in);
            Map<String, Object> alarm =
                    (Map<String, Object>)
                            ((Map<String, Object>) template.get("Resources")).get("DriftAlarm");
            return (String) ((Map<String, Object>) alarm.get("Properties")).get("MetricName");
        }
    }

    /** Records in moto's own stream of the table (its one shard), read from TRIM_HORIZON. */
    private static long recordsInMotosStream(String arn) {
        DynamoDbStreamsClient streams = SERVICES.services().dynamoDb.streamsClient();
        String shard =
                streams.describeStream(b -> b.streamArn(arn))
                        .streamDescription()
                        .shards()
                        .get(0)
                        .shardId();
        String iterator =
                streams.getShardIterator(
                                b ->
                                        b.streamArn(arn)
                                                .shardId(shard)
                                                .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                        .shardIterator();
        long n = 0;
        while (true) {
            String it = iterator;
            GetRecordsResponse r = streams.getRecords(b -> b.shardIterator(it).limit(1000));
            if (r.records().isEmpty()) {
                return n; // moto's shard never closes: an empty page is its head
            }
            n += r.records().size();
            iterator = r.nextShardIterator();
        }
    }

    private static void awaitWindowsPublished(String counts, String countIndex, List<String> lists)
            throws Exception {
        Poll.until(
                Duration.ofSeconds(60),
                () -> {
                    for (String list : lists) {
                        Map<String, AttributeValue> r =
                                SERVICES.ddb()
                                        .getItem(
                                                b ->
                                                        b.tableName(counts)
                                                                .key(
                                                                        Map.of(
                                                                                "listId",
                                                                                AttributeValue
                                                                                        .fromS(
                                                                                                list))))
                                        .item();
                        JsonNode d =
                                SERVICES.search()
                                        .get("/" + countIndex + "/_doc/" + list)
                                        .path("_source");
                        if (!r.containsKey("windowStart") || !d.has("windowStart")) {
                            return list + "'s window is not published yet";
                        }
                    }
                    return null;
                });
    }

    private static List<JsonNode> gapLetters(Path dir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f :
                    files.filter(
                                    p ->
                                            Files.isRegularFile(p)
                                                    && p.getFileName()
                                                            .toString()
                                                            .startsWith("dead-letters"))
                            .collect(Collectors.toList())) {
                for (String line : Files.readAllLines(f)) {
                    JsonNode letter = JSON.readTree(line);
                    if (letter.path("reason").asText().contains("trimmed-data gap")) {
                        out.add(letter);
                    }
                }
            }
        }
        return out;
    }

    private static List<String> ids(JsonNode line, String kind) {
        List<String> out = new ArrayList<>();
        line.path(kind).forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String id(String list, String task) {
        return ItemKeys.itemKey(list, task);
    }
}

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
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

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
                    put(source, "quiet-" + l, "t" + t, "seed " + l + "/" + t);
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
            SERVICES.search().delete("/" + itemIndex + "/_doc/" + encoded("quiet-1", "t1"));
            SERVICES.search()
                    .put(
                            "/" + itemIndex + "/_doc/" + encoded("quiet-2", "t2"),
                            "{\"listId\":\"quiet-2\",\"taskId\":\"t2\",\"title\":\"edited by hand\"}");
            SERVICES.search()
                    .put(
                            "/" + itemIndex + "/_doc/" + encoded("quiet-3", "ghost"),
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

    private static List<String> ids(JsonNode line, String kind) {
        List<String> out = new ArrayList<>();
        line.path(kind).forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String encoded(String list, String task) {
        return java.net.URLEncoder.encode(id(list, task), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String id(String list, String task) {
        return ItemKeys.itemKey(list, task);
    }

    private static void put(String table, String list, String task, String title) {
        SERVICES.ddb()
                .putItem(
                        b ->
                                b.tableName(table)
                                        .item(
                                                Map.of(
                                                        "listId",
                                                        AttributeValue.fromS(list),
                                                        "taskId",
                                                        AttributeValue.fromS(task),
                                                        "title",
                                                        AttributeValue.fromS(title))));
    }
}

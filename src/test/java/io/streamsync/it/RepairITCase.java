package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.config.JobConfig;
import io.streamsync.reconcile.ReconcileJob;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.ReportedMetrics;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TestJobs;
import io.streamsync.testing.TodoTables;
import io.streamsync.testing.VisibilityAuditor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Repair through the running job (moto, Elasticsearch, MiniCluster): drift is injected while
 * traffic goes on (a row overwritten by hand, an item document deleted and one altered, a phantom
 * document), the reconciliation report finds it, the job is restarted from its savepoint with
 * {@code repair.request=r-1=drifted:REPORT} (what an application update does on Managed Service for
 * Apache Flink), the drifted lists change while the repair runs, and then every output equals the
 * table, a second report finds no drift, and a reader polling every output saw no version go back.
 */
class RepairITCase {
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
    void aRepairRequestBringsEveryDriftedOutputBackThroughTheRunningJob() throws Exception {
        Map<String, String> props =
                SERVICES.services().testJobProperties("repair", dir.resolve("dead-letters"));
        props.put("checkpoint.dir", dir.resolve("checkpoints").toUri().toString());
        String source = props.get("source.table.name");
        String counts = props.get("sink.dynamodb.table");
        String countIndex = props.get("sink.search.aggregate.index");
        String itemIndex = props.get("sink.search.item.index");
        TodoTables.createSourceTable(SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), counts);
        JobClient job = TestJobs.start(props, 0, null, "repair-it");
        Thread traffic = null;
        VisibilityAuditor auditor = null;
        try {
            for (int l = 0; l < 6; l++) {
                for (int t = 0; t < 4; t++) {
                    TodoTables.putTask(
                            SERVICES.ddb(), source, "quiet-" + l, "t" + t, "seed " + l + "/" + t);
                }
            }
            TaskWorkload workload = new TaskWorkload(SERVICES.ddb(), source, 8, 30L);
            workload.run(300);
            Poll.until(Duration.ofSeconds(120), () -> truth(source, counts, countIndex, itemIndex));

            // the quiet lists' window is final and published: after that nothing of theirs is
            // published again unless they change (else the first report calls them lag)
            Poll.until(
                    Duration.ofSeconds(60),
                    () -> {
                        for (int l = 0; l < 6; l++) {
                            String list = "quiet-" + l;
                            Map<String, AttributeValue> r =
                                    SERVICES.ddb()
                                            .getItem(b -> b.tableName(counts).key(listKey(list)))
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
            auditor =
                    new VisibilityAuditor(
                            SERVICES.ddb(), counts, SERVICES.search(), countIndex, itemIndex);
            traffic = new Thread(() -> workload.runAtRate(25), "traffic");
            traffic.start();

            // drift, by hand
            Map<String, AttributeValue> row =
                    new HashMap<>(
                            SERVICES.ddb()
                                    .getItem(b -> b.tableName(counts).key(listKey("quiet-0")))
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

            Path first = dir.resolve("report-1.jsonl");
            assertThat(drifted(report(props, first)))
                    .as("the report before the repair")
                    .containsExactly("quiet-0", "quiet-1", "quiet-2", "quiet-3");

            // the repair: the running job restarted from its savepoint with the request (an
            // application update on Managed Service for Apache Flink), traffic going on
            String savepoint =
                    job.stopWithSavepoint(
                                    false,
                                    dir.resolve("savepoints").toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get();
            Map<String, String> repairing = new HashMap<>(props);
            repairing.put("repair.request", "r-1=drifted:" + first.toUri());
            job = TestJobs.start(repairing, 0, savepoint, "repair-it-repairing");
            // the drifted lists change while the repair reads and merges them
            TodoTables.putTask(
                    SERVICES.ddb(), source, "quiet-1", "t9", "inserted during the repair");
            TodoTables.deleteTask(SERVICES.ddb(), source, "quiet-3", "t0");
            TodoTables.putTask(
                    SERVICES.ddb(), source, "quiet-2", "t3", "modified during the repair");
            JobClient repairJob = job;
            Poll.until(
                    Duration.ofSeconds(90),
                    () -> {
                        long repaired =
                                new ReportedMetrics(METRICS, repairJob.getJobID())
                                        .sum("listsRepaired");
                        return repaired >= 4 ? null : repaired + " lists repaired";
                    });

            traffic.interrupt();
            traffic.join();
            traffic = null;
            Poll.until(Duration.ofSeconds(120), () -> truth(source, counts, countIndex, itemIndex));
            assertThat(drifted(report(props, dir.resolve("report-2.jsonl"))))
                    .as("the report after the repair")
                    .isEmpty();

            auditor.close();
            assertThat(auditor.ownProblems(20)).isEmpty();
            assertThat(stepsBack(auditor)).as("a reader saw a version go back").isEmpty();
            assertThat(
                            auditor.seen().stream()
                                    .filter(
                                            s ->
                                                    s.output.equals("table")
                                                            && s.key.equals("quiet-0"))
                                    .map(s -> s.count)
                                    .reduce((a, b) -> b)
                                    .orElseThrow())
                    .as("quiet-0's row, last seen")
                    .isEqualTo(4);
        } finally {
            if (traffic != null) {
                traffic.interrupt();
                traffic.join();
            }
            if (auditor != null) {
                auditor.close();
            }
            job.cancel().get();
        }
    }

    private static String truth(String source, String counts, String countIndex, String itemIndex)
            throws Exception {
        return GroundTruth.check(
                SERVICES.ddb(), source, counts, SERVICES.search(), countIndex, itemIndex);
    }

    /** The reconciliation report as its bounded job; its lines. */
    private List<JsonNode> report(Map<String, String> props, Path out) throws Exception {
        Map<String, String> report = new HashMap<>(props);
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
            System.out.println("repair it, " + out.getFileName() + ": " + l); // for the record
        }
        return lines;
    }

    private static TreeSet<String> drifted(List<JsonNode> lines) {
        TreeSet<String> drift = new TreeSet<>();
        for (JsonNode l : lines) {
            if (l.path("verdict").asText().equals("drift")) {
                drift.add(l.path("list").asText());
            }
        }
        return drift;
    }

    /** Every time an output showed a key at an older version than it had shown. */
    private static List<String> stepsBack(VisibilityAuditor auditor) {
        Map<String, Long> last = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (VisibilityAuditor.Seen s : auditor.seen()) {
            Long before = last.put(s.output + " " + s.key, s.version);
            if (before != null && s.version < before) {
                out.add(s.output + " " + s.key + ": v" + before + ", then v" + s.version);
            }
        }
        return out;
    }

    private static Map<String, AttributeValue> listKey(String list) {
        return Map.of("listId", AttributeValue.fromS(list));
    }
}

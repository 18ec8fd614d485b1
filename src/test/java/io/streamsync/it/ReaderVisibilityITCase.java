package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.RecordingSearchProxy;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.StreamCapture;
import io.streamsync.testing.StreamHistory;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import io.streamsync.testing.VisibilityAuditor;
import io.streamsync.testing.WindowTruth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * No reader ever sees a state that a failure, a restore, a rescale or a rollback takes back,
 * checked on every observation of a reader polling the outputs every 50 ms and on every write each
 * output accepted: the aggregate table's own DynamoDB stream records its accepted rows, and a
 * recording proxy in front of the search node records the documents it accepted. Window documents,
 * which are final when published, must each be the stream's count of their window, whatever failed
 * or was rolled back before.
 *
 * <p>Ground truth is the source table's stream, read by a bare reader ({@link StreamHistory}): a
 * list's version counts the list's changes, so every output carrying version v must show the list
 * (or the item) exactly as the stream left it after that change. A value a failure took back, or a
 * version inflated by a clock, fails that check; showing an older version than before fails the
 * order check.
 */
class ReaderVisibilityITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    private static final String[] INSERT_ONLY = {"ins-a", "ins-b", "ins-c"};

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void noOutputEverShowsAStateThatAFailureARestoreARescaleOrARollbackTakesBack(
            @TempDir Path dir, @InjectMiniCluster MiniCluster cluster) throws Exception {
        String name = "visible";
        String source = name + "Tasks";
        String counts = name + "Counts";
        String countIndex = name + "-counts";
        String itemIndex = name + "-tasks";
        String windowsIndex = name + "-windows";
        String sourceArn =
                TodoTables.createSourceTable(
                        SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), counts);
        String countsArn =
                TodoTables.enableStream(SERVICES.ddb(), counts, StreamViewType.NEW_IMAGE);
        SearchHttp search = SERVICES.search();

        try (RecordingSearchProxy proxy =
                        new RecordingSearchProxy(SERVICES.services().search.uri());
                VisibilityAuditor reader =
                        new VisibilityAuditor(
                                SERVICES.ddb(), counts, search, countIndex, itemIndex)) {
            Map<String, String> props = SERVICES.services().testJobProperties(name, dir);
            props.put("sink.search.hosts", proxy.endpoint().toString());

            AtomicBoolean stop = new AtomicBoolean();
            Thread mixed =
                    new Thread(
                            () -> new TaskWorkload(SERVICES.ddb(), source, 8, 21L).runAtRate(25),
                            "mixed");
            Thread inserts = new Thread(() -> insertOnly(source, stop), "insert-only");
            JobClient job = start(props, 2, null);
            mixed.start();
            inserts.start();
            List<String> steps = new ArrayList<>();
            try {
                awaitRows(source, 60);
                String older =
                        job.triggerSavepoint(
                                        dir.resolve("sp-old").toUri().toString(),
                                        SavepointFormatType.CANONICAL)
                                .get(3, TimeUnit.MINUTES);
                steps.add("savepoint taken, job goes on");

                awaitRows(source, 140);
                loseTaskManagerAndAwaitRestart(cluster, job);
                steps.add("TaskManager lost");

                awaitRows(source, 220);
                loseTaskManagerAndAwaitRestart(cluster, job);
                steps.add("TaskManager lost again");

                awaitRows(source, 300);
                String stopped =
                        job.stopWithSavepoint(
                                        false,
                                        dir.resolve("sp-stop").toUri().toString(),
                                        SavepointFormatType.CANONICAL)
                                .get(3, TimeUnit.MINUTES);
                steps.add("stop-with-savepoint");
                awaitRows(source, 330); // traffic goes on while no job runs
                job = start(props, 1, stopped);
                steps.add("restored at parallelism 1");

                awaitRows(source, 420);
                job.stopWithSavepoint(
                                false,
                                dir.resolve("sp-stop2").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get(3, TimeUnit.MINUTES);
                job = start(props, 2, older);
                steps.add("rolled back to the older savepoint, parallelism 2");

                awaitRows(source, 500);
            } finally {
                mixed.interrupt();
                stop.set(true);
                mixed.join();
                inserts.join();
            }
            try {
                Poll.until(
                        Duration.ofSeconds(240),
                        () ->
                                GroundTruth.check(
                                        SERVICES.ddb(),
                                        source,
                                        counts,
                                        search,
                                        countIndex,
                                        itemIndex));
                Poll.until(
                        Duration.ofSeconds(60),
                        () ->
                                WindowTruth.compare(
                                        WindowTruth.windows(
                                                WindowTruth.read(
                                                        SERVICES.services()
                                                                .dynamoDb
                                                                .streamsClient(),
                                                        sourceArn,
                                                        "listId"),
                                                1000),
                                        WindowTruth.fromIndex(search, windowsIndex, "listId")));
            } finally {
                job.cancel().get(3, TimeUnit.MINUTES);
            }
            long round = reader.rounds(); // two more rounds of the reader over the final state
            Poll.until(
                    Duration.ofSeconds(60),
                    () -> reader.rounds() >= round + 2 ? null : "the reader's last rounds");
            reader.close();

            StreamHistory history =
                    StreamHistory.read(SERVICES.services().dynamoDb.streamsClient(), sourceArn);
            assertThat(history.lists()).contains(INSERT_ONLY);

            // every row the aggregate table accepted, in order, from the table's own stream
            Map<String, Long> lastVersion = new HashMap<>();
            Map<String, Long> lastCount = new HashMap<>();
            List<String> problems = new ArrayList<>();
            int[] rows = {0};
            StreamCapture.records(
                    SERVICES.services().dynamoDb.streamsClient(),
                    countsArn,
                    (shard, r) -> {
                        Map<String, AttributeValue> row = r.dynamodb().newImage();
                        String list = row.get("listId").s();
                        if (io.streamsync.sink.commit.CaughtUp.isStatus(list)) {
                            return; // the job's caught-up status row is no list
                        }
                        long version = Long.parseLong(row.get("version").n());
                        long count = Long.parseLong(row.get("taskCount").n());
                        rows[0]++;
                        String p = history.checkAggregate(list, version, count);
                        if (p != null) {
                            problems.add("aggregate table accepted " + p);
                        }
                        Long before = lastVersion.put(list, version);
                        if (before != null && version <= before) {
                            problems.add(
                                    "aggregate table accepted "
                                            + list
                                            + " v"
                                            + version
                                            + " after v"
                                            + before);
                        }
                        Long countBefore = lastCount.put(list, count);
                        if (list.startsWith("ins-") && countBefore != null && count < countBefore) {
                            problems.add(
                                    "insert-only "
                                            + list
                                            + " went from "
                                            + countBefore
                                            + " to "
                                            + count);
                        }
                    });

            // every document the search node accepted; a window document must be the stream's count
            // of its window
            Map<String, long[]> windows =
                    WindowTruth.windows(
                            WindowTruth.read(
                                    SERVICES.services().dynamoDb.streamsClient(),
                                    sourceArn,
                                    "listId"),
                            1000);
            List<RecordingSearchProxy.Write> accepted = proxy.accepted();
            Map<String, Long> lastDoc = new HashMap<>();
            int windowDocs = 0;
            for (RecordingSearchProxy.Write w : accepted) {
                if (w.index.equals(windowsIndex)) {
                    windowDocs++;
                    Map.Entry<String, long[]> doc = WindowTruth.ofDocument(w.source, "listId");
                    if (!java.util.Arrays.equals(doc.getValue(), windows.get(doc.getKey()))) {
                        problems.add(
                                w.index
                                        + " accepted "
                                        + doc.getKey()
                                        + " "
                                        + java.util.Arrays.toString(doc.getValue())
                                        + ", the stream has "
                                        + java.util.Arrays.toString(windows.get(doc.getKey())));
                    }
                    continue;
                }
                if (w.index.equals(countIndex)
                        && io.streamsync.sink.commit.CaughtUp.isStatus(w.id)) {
                    continue; // the job's caught-up status document is no list
                }
                String p =
                        w.index.equals(countIndex)
                                ? history.checkAggregate(
                                        w.id, w.version, w.source.get("taskCount").asLong())
                                : history.checkItem(
                                        VisibilityAuditor.listOf(w.id), w.id, w.version, w.source);
                if (p != null) {
                    problems.add(w.index + " accepted " + p);
                }
                Long before = lastDoc.put(w.index + "/" + w.id, w.version);
                if (before != null && w.version == before) {
                    problems.add(w.index + " accepted " + w.id + " v" + w.version + " twice");
                }
            }

            // everything the reader saw
            List<VisibilityAuditor.Seen> seen = reader.seen();
            problems.addAll(reader.problems(history));
            for (String list : INSERT_ONLY) {
                long max = -1;
                for (VisibilityAuditor.Seen s : seen) {
                    if (s.key.equals(list) && s.output.equals("table")) {
                        if (s.count < max) {
                            problems.add(
                                    "reader: insert-only "
                                            + list
                                            + " went from "
                                            + max
                                            + " to "
                                            + s.count);
                        }
                        max = Math.max(max, s.count);
                    }
                }
            }

            System.out.printf(
                    "%s; %,d stream changes; aggregate table accepted %,d rows; search node accepted %,d "
                            + "documents; the reader made %,d observations%n",
                    steps, history.changes(), rows[0], accepted.size(), seen.size());
            assertThat(steps).hasSize(6);
            assertThat(rows[0]).isGreaterThan(50);
            assertThat(accepted).hasSizeGreaterThan(200);
            assertThat(windowDocs).as("window documents accepted").isGreaterThan(50);
            assertThat(seen.stream().filter(s -> s.output.equals("item document")).count())
                    .isGreaterThan(1000);
            assertThat(seen.stream().filter(s -> s.output.equals("table")).count())
                    .isGreaterThan(1000);
            assertThat(problems).isEmpty();
        }
    }

    /**
     * Nothing is published before a checkpoint completes, and stop-with-savepoint publishes what
     * the job has computed: with checkpoints a day apart, the outputs stay empty once the job has
     * read every change of the stream and its sinks have received the lists' states (the job's own
     * metrics say so), and are exact as soon as the stop returns.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void outputsAppearOnlyWithACompletedCheckpointAndStopWithSavepointPublishesThem(
            @TempDir Path dir) throws Exception {
        String name = "stopped";
        String source = name + "Tasks";
        String counts = name + "Counts";
        TodoTables.createSourceTable(SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), counts);
        Map<String, String> props = SERVICES.services().testJobProperties(name, dir);
        props.put("checkpoint.interval.ms", "86400000"); // the first comes at random within it
        String streamArn =
                SERVICES.ddb().describeTable(b -> b.tableName(source)).table().latestStreamArn();
        JobClient job = start(props, 2, null);
        new TaskWorkload(SERVICES.ddb(), source, 10, 31L).run(300);
        long changes =
                StreamCapture.readAll(SERVICES.services().dynamoDb.streamsClient(), streamArn)
                        .size();
        long lists =
                TodoTables.scan(SERVICES.ddb(), source).stream()
                        .map(i -> i.get("listId").s())
                        .distinct()
                        .count();
        // evidence, not a sleep: the source read every change, the aggregator emitted at least one
        // aggregate per list and has no change left to emit, and the sinks' writers (chained to it)
        // received states
        Poll.until(
                Duration.ofSeconds(90),
                () -> {
                    io.streamsync.testing.ReportedMetrics m = FLINK.reported(job.getJobID());
                    long read = m.sum("recordsRead");
                    long emitted = m.sum("aggregatesEmitted");
                    long received = m.sum("statesReceived");
                    long awaiting = m.sum("listsAwaitingEmission");
                    return read >= changes
                                    && emitted >= lists
                                    && received >= 2 * lists
                                    && awaiting == 0
                            ? null
                            : "the job read "
                                    + read
                                    + " of "
                                    + changes
                                    + " changes, emitted "
                                    + emitted
                                    + " aggregates for "
                                    + lists
                                    + " lists; its sinks received "
                                    + received
                                    + " states; lists awaiting emission: "
                                    + awaiting;
                });
        assertThat(FLINK.completedCheckpoints(job.getJobID())).as("checkpoints completed").isZero();
        assertThat(TodoTables.scan(SERVICES.ddb(), counts))
                .as("published before any checkpoint")
                .isEmpty();
        assertThat(SERVICES.search().allDocuments(name + "-counts")).isEmpty();
        assertThat(SERVICES.search().allDocuments(name + "-tasks")).isEmpty();

        job.stopWithSavepoint(
                        false, dir.resolve("sp").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(3, TimeUnit.MINUTES);
        assertThat(
                        GroundTruth.check(
                                SERVICES.ddb(),
                                source,
                                counts,
                                SERVICES.search(),
                                name + "-counts",
                                name + "-tasks"))
                .as("the outputs once the stop returned")
                .isNull();
    }

    /**
     * Kills the live TaskManager and waits until the job's {@code numRestarts} has gone up: a kill
     * that hits a TaskManager no longer in the cluster (as {@code terminateTaskManager(0)} did on a
     * second kill) restarts nothing and fails here, instead of passing as a fault that never
     * happened.
     */
    private static void loseTaskManagerAndAwaitRestart(MiniCluster cluster, JobClient job)
            throws Exception {
        long before = FLINK.jobMetric(job.getJobID(), "numRestarts");
        assertThat(before).as("numRestarts registered before the kill").isNotNegative();
        FLINK.loseTaskManager(cluster);
        Poll.until(
                Duration.ofSeconds(60),
                () -> {
                    long now = FLINK.jobMetric(job.getJobID(), "numRestarts");
                    return now > before
                            ? null
                            : "numRestarts "
                                    + now
                                    + " after the TaskManager loss, "
                                    + before
                                    + " before it: the kill restarted nothing";
                });
    }

    private static JobClient start(Map<String, String> props, int parallelism, String savepoint)
            throws Exception {
        return io.streamsync.testing.TestJobs.start(props, parallelism, savepoint, "visibility");
    }

    /** Three lists that only ever get new tasks: their counts must never shrink, anywhere. */
    private static void insertOnly(String table, AtomicBoolean stop) {
        int n = 0;
        while (!stop.get()) {
            String list = INSERT_ONLY[n % INSERT_ONLY.length];
            SERVICES.ddb()
                    .putItem(
                            b ->
                                    b.tableName(table)
                                            .item(
                                                    Map.of(
                                                            "listId",
                                                            AttributeValue.fromS(list),
                                                            "taskId",
                                                            AttributeValue.fromS(
                                                                    "t" + System.nanoTime()),
                                                            "title",
                                                            AttributeValue.fromS("insert only"))));
            n++;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void awaitRows(String source, int rows) throws Exception {
        Poll.until(
                Duration.ofSeconds(90),
                () ->
                        TodoTables.scan(SERVICES.ddb(), source).size() >= rows
                                ? null
                                : "source table below " + rows + " items");
    }
}

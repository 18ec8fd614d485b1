package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.StreamCapture;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import io.streamsync.testing.WindowTruth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The windows history against the stream itself, on moto, Elasticsearch and a MiniCluster: a bare
 * SDK reader of the stream ({@link WindowTruth}) counts every change by list, window of its
 * creation time and event name; the windows index must hold exactly that, through TaskManager
 * losses, an injected failure and a restore from a savepoint taken while traffic goes on, and with
 * the stream's records duplicated and reordered. A reader polls the windows index all along: a
 * window, once visible, is final, so every document it ever saw must equal the stream's count of
 * that window.
 */
class WindowsITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final long WINDOW = 1000;

    private static JobClient start(
            Map<String, String> props, UnaryOperator<RecordSource> wrap, Configuration envConf)
            throws Exception {
        JobConfig c = JobConfig.from(props);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(envConf);
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(
                env,
                c,
                wrap.apply(RecordSources.changeStream(c, Startup.prepare(c))),
                PipelineSinks.fromConfig(c));
        return env.executeAsync(c.sourceTableName);
    }

    /**
     * Polls the windows index every 100 ms (no refresh forced: what a reader gets) and keeps every
     * document seen.
     */
    static final class WindowsReader implements AutoCloseable {
        final Map<String, List<long[]>> seen = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean running = true;

        WindowsReader(SearchHttp search, String index) {
            thread =
                    new Thread(
                            () -> {
                                while (running) {
                                    try {
                                        JsonNode r =
                                                search.post(
                                                        "/" + index + "/_search",
                                                        "{\"size\":10000}");
                                        for (JsonNode hit : r.path("hits").path("hits")) {
                                            Map.Entry<String, long[]> w =
                                                    WindowTruth.ofDocument(
                                                            hit.get("_source"), "listId");
                                            seen.computeIfAbsent(
                                                            w.getKey(),
                                                            k ->
                                                                    Collections.synchronizedList(
                                                                            new ArrayList<>()))
                                                    .add(w.getValue());
                                        }
                                    } catch (Exception e) {
                                        // no index yet: try again
                                    }
                                    try {
                                        Thread.sleep(100);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            },
                            "windows-reader");
            thread.setDaemon(true);
            thread.start();
        }

        /** Every observation that is not the stream's count of its window. */
        List<String> problems(Map<String, long[]> truth) {
            List<String> out = new ArrayList<>();
            seen.forEach(
                    (k, values) -> {
                        synchronized (values) {
                            for (long[] v : values) {
                                if (!java.util.Arrays.equals(v, truth.get(k))) {
                                    out.add(
                                            k
                                                    + " seen as "
                                                    + java.util.Arrays.toString(v)
                                                    + ", the stream has "
                                                    + java.util.Arrays.toString(truth.get(k)));
                                }
                            }
                        }
                    });
            return out;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }
    }

    @Test
    void windowsEqualTheStreamThroughTaskManagerLossesAFailureAndARestore(
            @TempDir Path dir, @InjectMiniCluster MiniCluster cluster) throws Exception {
        String name = "windowsFaults";
        String source = name + "Tasks";
        String arn =
                TodoTables.createSourceTable(
                        SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), name + "Counts");
        Map<String, String> props = SERVICES.services().testJobProperties(name, dir);
        String index = props.get("sink.search.windows.index");
        UnaryOperator<RecordSource> failing =
                s ->
                        env ->
                                s.create(env)
                                        .map(new FaultToleranceITCase.FailOnce(name + "-a", 900))
                                        .returns(Types.POJO(RawRecord.class))
                                        .uid("fail-once-a");
        JobClient job = start(props, failing, new Configuration());
        try (WindowsReader reader = new WindowsReader(SERVICES.search(), index)) {
            TaskWorkload workload = new TaskWorkload(SERVICES.ddb(), source, 20, 11L);
            Thread traffic = new Thread(() -> workload.run(2400), "traffic");
            traffic.start();
            awaitRows(source, 150);
            FLINK.loseTaskManager(cluster);
            awaitRows(source, 400);
            String savepoint = stopWithSavepoint(job, dir.resolve("savepoints"));
            awaitRows(source, 550); // traffic goes on while no job runs
            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            job = start(props, failing, restore);
            traffic.join();

            List<WindowTruth.Change> stream =
                    WindowTruth.read(SERVICES.services().dynamoDb.streamsClient(), arn, "listId");
            Map<String, long[]> truth = WindowTruth.windows(stream, WINDOW);
            assertThat(stream).hasSizeGreaterThan(2000);
            assertThat(truth).as("windows with activity").hasSizeGreaterThan(100);
            Poll.until(
                    CONVERGE,
                    () ->
                            WindowTruth.compare(
                                    truth,
                                    WindowTruth.fromIndex(SERVICES.search(), index, "listId")));
            reader.close();
            assertThat(reader.seen)
                    .as("the reader saw windows while the faults happened")
                    .hasSizeGreaterThan(50);
            assertThat(reader.problems(truth)).as("a window once visible is final").isEmpty();
        } finally {
            job.cancel().get();
        }
        assertThat(FaultToleranceITCase.lines(dir, "dead-letters"))
                .as("no change was late")
                .isEmpty();
    }

    @Test
    void windowsEqualTheStreamWhenItsRecordsAreDuplicatedAndReordered(@TempDir Path dir)
            throws Exception {
        String name = "windowsDisorder";
        String source = name + "Tasks";
        String arn =
                TodoTables.createSourceTable(
                        SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), name + "Counts");
        new TaskWorkload(SERVICES.ddb(), source, 20, 12L).run(1500);
        List<RawRecord> captured =
                StreamCapture.readAll(SERVICES.services().dynamoDb.streamsClient(), arn);
        Map<String, long[]> truth =
                WindowTruth.windows(
                        WindowTruth.read(
                                SERVICES.services().dynamoDb.streamsClient(), arn, "listId"),
                        WINDOW);
        // shuffled in blocks of 50 (within the source's out-of-orderness: the workload writes about
        // 100 a
        // second), a quarter of each block again, and one block replayed at the end
        Random random = new Random(12);
        List<RawRecord> delivered = new ArrayList<>();
        for (int i = 0; i < captured.size(); i += 50) {
            List<RawRecord> block =
                    new ArrayList<>(captured.subList(i, Math.min(captured.size(), i + 50)));
            for (RawRecord r : List.copyOf(block)) {
                if (random.nextInt(4) == 0) {
                    block.add(r);
                }
            }
            Collections.shuffle(block, random);
            delivered.addAll(block);
        }
        delivered.addAll(captured.subList(captured.size() / 2, captured.size() / 2 + 50));

        // the live stream of an empty table keeps the job running after the fixture records
        String idle = source + "Idle";
        TodoTables.createSourceTable(SERVICES.ddb(), idle, StreamViewType.NEW_AND_OLD_IMAGES);
        Map<String, String> props = SERVICES.services().testJobProperties(name, dir);
        props.put("source.table.name", idle);
        String index = props.get("sink.search.windows.index");
        JobClient job =
                start(
                        props,
                        s ->
                                env ->
                                        s.create(env)
                                                .union(
                                                        env.fromData(
                                                                        Types.POJO(RawRecord.class),
                                                                        delivered.toArray(
                                                                                new RawRecord[0]))
                                                                .uid("disordered-records")),
                        new Configuration());
        try {
            Poll.until(
                    CONVERGE,
                    () ->
                            WindowTruth.compare(
                                    truth,
                                    WindowTruth.fromIndex(SERVICES.search(), index, "listId")));
            theReadmesQueryGivesAListsActivity(index, truth);
        } finally {
            job.cancel().get();
        }
        assertThat(delivered.size() - captured.size())
                .as("duplicates delivered")
                .isGreaterThan(300);
        assertThat(FaultToleranceITCase.lines(dir, "dead-letters"))
                .as("no change was late")
                .isEmpty();
    }

    /**
     * The windows page's query example, as printed there, for one list: its windows and sums of the
     * last hour.
     */
    private static void theReadmesQueryGivesAListsActivity(String index, Map<String, long[]> truth)
            throws Exception {
        String readme = java.nio.file.Files.readString(Path.of("src/site/markdown/windows.md"));
        int at = readme.indexOf("**Query example**");
        int from = readme.indexOf("-d '", at) + 4;
        String query =
                readme.substring(from, readme.indexOf("}'\n```", from) + 1)
                        .replace("list-001", "list-003");
        JsonNode r = SERVICES.search().post("/" + index + "/_search", query);
        long[] sums = new long[3];
        int windows = 0;
        for (Map.Entry<String, long[]> w : truth.entrySet()) {
            if (w.getKey().startsWith("list-003|")) {
                windows++;
                for (int i = 0; i < 3; i++) {
                    sums[i] += w.getValue()[i];
                }
            }
        }
        assertThat(windows).as("windows of list-003 in the fixture").isGreaterThanOrEqualTo(2);
        assertThat(r.path("hits").path("hits").size())
                .as("the windows page's query: %s", query)
                .isEqualTo(windows);
        assertThat(r.path("aggregations").path("inserted").path("value").asLong())
                .isEqualTo(sums[0]);
        assertThat(r.path("aggregations").path("modified").path("value").asLong())
                .isEqualTo(sums[1]);
        assertThat(r.path("aggregations").path("removed").path("value").asLong())
                .isEqualTo(sums[2]);
        assertThat(r.path("hits").path("hits").get(0).path("_source").path("listId").asText())
                .isEqualTo("list-003");
    }

    /**
     * Stops the job with a savepoint, trying again while it restarts from a fault (no savepoint
     * then).
     */
    private static String stopWithSavepoint(JobClient job, Path dir) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return job.stopWithSavepoint(
                                false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (attempt == 60) {
                    throw e;
                }
                Thread.sleep(
                        500); // "not all required tasks are currently running": still restarting
            }
        }
    }

    private static void awaitRows(String table, long rows) throws Exception {
        Poll.until(
                Duration.ofSeconds(60),
                () ->
                        TodoTables.scan(SERVICES.ddb(), table).size() >= rows
                                ? null
                                : "source table below " + rows + " items");
    }
}

package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import io.streamsync.testing.FaultyDynamoDbProxy;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.StreamCapture;
import io.streamsync.testing.StreamHistory;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import io.streamsync.testing.VisibilityAuditor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.RichMapFunction;
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
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Exactly-once in effect, under injected faults, on a real moto server (DynamoDB and Streams), a
 * real Elasticsearch node and a MiniCluster. Each test writes random traffic, injects its faults
 * mid-run, then polls until the aggregate table, the aggregate documents and the item index equal a
 * fresh scan of the source table; a reader polls the three outputs all along, and everything it saw
 * must be the state the source stream had at that version, never older than what it saw before
 * ({@link VisibilityAuditor}).
 */
class FaultToleranceITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    /** Failures injected by {@link FailOnce}, by test: each fires once, across restarts. */
    private static final Map<String, AtomicBoolean> FIRED = new ConcurrentHashMap<>();

    /** Failures {@link FailOnce#arm armed} by the test, by key. */
    private static final Map<String, AtomicBoolean> ARMED = new ConcurrentHashMap<>();

    /** Records each {@link FailOnce} has seen, over its subtasks and restarts. */
    private static final Map<String, AtomicLong> SEEN = new ConcurrentHashMap<>();

    /**
     * Observations the reader must have made of each output (table rows, aggregate documents, item
     * documents): a check that saw none of an output cannot say it never rolled back.
     */
    private static final long MIN_OBSERVATIONS_PER_OUTPUT = 100;

    private static final Duration CONVERGE = Duration.ofSeconds(180);

    /** Tables, indices and config of one test. */
    private static final class Run {
        final String name;
        final String source;
        final String counts;
        final String countIndex;
        final String itemIndex;
        final String streamArn;
        final Map<String, String> props;

        Run(String name, Path deadLetters) {
            this.name = name;
            this.source = name + "Tasks";
            this.counts = name + "Counts";
            this.countIndex = name.toLowerCase() + "-counts";
            this.itemIndex = name.toLowerCase() + "-tasks";
            streamArn =
                    TodoTables.createSourceTable(
                            SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
            TodoTables.createAggregateTable(SERVICES.ddb(), counts);
            props = SERVICES.services().testJobProperties(name, deadLetters);
        }

        JobConfig config() {
            return JobConfig.from(props);
        }

        JobClient start(UnaryOperator<RecordSource> wrap, Configuration envConf) throws Exception {
            JobConfig c = config();
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(envConf);
            StreamSyncPipeline.configureEnvironment(env, c);
            StreamSyncPipeline.define(
                    env,
                    c,
                    wrap.apply(RecordSources.changeStream(c, Startup.prepare(c))),
                    PipelineSinks.fromConfig(c));
            return env.executeAsync(name);
        }

        JobClient start() throws Exception {
            return start(s -> s, new Configuration());
        }

        VisibilityAuditor watch() {
            return new VisibilityAuditor(
                    SERVICES.ddb(), counts, SERVICES.search(), countIndex, itemIndex);
        }

        /**
         * Everything the reader saw was the stream's state at its version, never older than before.
         */
        void assertNothingRolledBack(VisibilityAuditor reader) throws Exception {
            reader.close();
            StreamHistory history =
                    StreamHistory.read(SERVICES.services().dynamoDb.streamsClient(), streamArn);
            System.out.println(name + ": the reader's observations " + reader.observations());
            assertThat(reader.problems(history, MIN_OBSERVATIONS_PER_OUTPUT)).isEmpty();
        }

        String check() throws Exception {
            return GroundTruth.check(
                    SERVICES.ddb(), source, counts, SERVICES.search(), countIndex, itemIndex);
        }

        Thread traffic(int operations, long seed) {
            Thread t =
                    new Thread(
                            () ->
                                    new TaskWorkload(SERVICES.ddb(), source, 40, seed)
                                            .run(operations),
                            name + "-traffic");
            t.start();
            return t;
        }
    }

    private static void awaitOperations(Run run, long rows) throws Exception {
        Poll.until(
                Duration.ofSeconds(120), // 60 s was short on a machine shared by several builds
                () ->
                        TodoTables.scan(SERVICES.ddb(), run.source).size() >= rows
                                ? null
                                : "source table below " + rows + " items");
    }

    /**
     * Two TaskManager losses and two injected task failures, one after the other while traffic goes
     * on: each fault comes only once the job has restarted from the one before, completed a
     * checkpoint after that restart and published aggregates newer than any it had shown when it
     * restarted. So every fault is a failover of its own (none falls into the restart of another),
     * the job runs between them, and the witness watches the outputs move through all of them. The
     * faults used to come at row and record counts: on a fast machine all four fell before the job
     * had completed its second checkpoint, every recovery restored the first, the aggregates were
     * published only after the last, and the outputs converged 1.4 s later (79 observations of the
     * aggregate documents, see testing.md).
     */
    @Test
    void staysExactThroughTaskManagerLossesAndInjectedFailures(
            @TempDir Path dir, @InjectMiniCluster MiniCluster cluster) throws Exception {
        Run run = new Run("tmLoss", dir);
        String key = run.name;
        JobClient job =
                run.start(
                        s ->
                                env ->
                                        s.create(env)
                                                .map(new FailOnce(key + "-a"))
                                                .returns(Types.POJO(RawRecord.class))
                                                .uid("fail-once-a")
                                                .map(new FailOnce(key + "-b"))
                                                .returns(Types.POJO(RawRecord.class))
                                                .uid("fail-once-b"),
                        new Configuration());
        try (VisibilityAuditor watcher = run.watch()) {
            TaskWorkload workload = new TaskWorkload(SERVICES.ddb(), run.source, 40, 1L);
            Thread traffic = new Thread(() -> workload.runAtRate(100), "tmLoss-traffic");
            traffic.start();
            try {
                awaitOperations(run, 150);
                Map<String, Runnable> faults = new java.util.LinkedHashMap<>();
                faults.put("a TaskManager lost", () -> loseTaskManager(cluster));
                faults.put("an injected failure", () -> FailOnce.arm(key + "-a"));
                faults.put("another TaskManager lost", () -> loseTaskManager(cluster));
                faults.put("another injected failure", () -> FailOnce.arm(key + "-b"));
                awaitPublishedAgain(watcher, job, -1, "before the faults");
                for (Map.Entry<String, Runnable> fault : faults.entrySet()) {
                    long restarts = FLINK.jobMetric(job.getJobID(), "numRestarts");
                    long started = System.nanoTime();
                    fault.getValue().run();
                    awaitPublishedAgain(watcher, job, restarts, "after " + fault.getKey());
                    System.out.println(
                            run.name
                                    + ": "
                                    + fault.getKey()
                                    + ", the job restarted and published new aggregates in "
                                    + (System.nanoTime() - started) / 1_000_000
                                    + " ms");
                }
                // the witness watched the outputs through the faults, not only once they converged
                System.out.println(
                        run.name
                                + ": the reader's observations through the faults "
                                + watcher.observations()
                                + " in "
                                + watcher.rounds()
                                + " rounds");
                assertThat(watcher.ownProblems(MIN_OBSERVATIONS_PER_OUTPUT))
                        .as(
                                "the witness's observations during the faults: %s",
                                watcher.observations())
                        .isEmpty();
            } finally {
                workload.stop();
                traffic.join();
            }
            Poll.until(CONVERGE, run::check);
            assertThat(FIRED.get(key + "-a").get()).isTrue();
            assertThat(FIRED.get(key + "-b").get()).isTrue();
            // each TaskManager loss and each injected failure failed the job over at least once
            assertThat(FLINK.jobMetric(job.getJobID(), "numRestarts"))
                    .as("restarts of the job")
                    .isGreaterThanOrEqualTo(4);
            run.assertNothingRolledBack(watcher);
        } finally {
            job.cancel().get();
        }
    }

    private static void loseTaskManager(MiniCluster cluster) {
        try {
            FLINK.loseTaskManager(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("losing a TaskManager", e);
        }
    }

    /**
     * Waits until the job has restarted since {@code restarts} (the fault it met; -1: no fault),
     * then until a checkpoint has completed after that restart (every task runs again) and both
     * aggregate outputs show a version above what they showed when the restart was seen: the job
     * has published what it computed after the fault. (A version that moves while the restart is
     * still under way can come from the checkpoint before the fault: seen once, a second fault then
     * fell into that restart and was absorbed in it.)
     */
    private static void awaitPublishedAgain(
            VisibilityAuditor watcher, JobClient job, long restarts, String when) throws Exception {
        if (restarts >= 0) {
            Poll.until(
                    Duration.ofSeconds(120),
                    () -> {
                        long now = FLINK.jobMetric(job.getJobID(), "numRestarts");
                        return now > restarts
                                ? null
                                : when + ": the job has not restarted (" + now + " restarts)";
                    });
        }
        long checkpoints = FLINK.completedCheckpoints(job.getJobID());
        long table = watcher.newest("table");
        long document = watcher.newest("aggregate document");
        Poll.until(
                Duration.ofSeconds(120),
                () -> {
                    long now = FLINK.completedCheckpoints(job.getJobID());
                    if (now <= checkpoints) {
                        return when + ": no checkpoint completed since the restart";
                    }
                    return watcher.newest("table") > table
                                    && watcher.newest("aggregate document") > document
                            ? null
                            : when
                                    + ": no new aggregates published (table v"
                                    + watcher.newest("table")
                                    + ", documents v"
                                    + watcher.newest("aggregate document")
                                    + "; at the restart: v"
                                    + table
                                    + ", v"
                                    + document
                                    + ")";
                });
    }

    @Test
    void staysExactWhenTheSearchNodeIsKilledAndComesBack(@TempDir Path dir) throws Exception {
        Run run = new Run("esKill", dir);
        JobClient job = run.start();
        try (VisibilityAuditor watcher = run.watch()) {
            Thread traffic = run.traffic(2500, 2L);
            awaitOperations(run, 300);
            SERVICES.services().search.kill();
            awaitOperations(run, 600);
            SERVICES.services().search.restart();
            traffic.join();
            Poll.until(CONVERGE, run::check);
            run.assertNothingRolledBack(watcher);
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void staysExactWhenAggregateWritesAreThrottledAndTheTableIsUnavailable(@TempDir Path dir)
            throws Exception {
        Run run = new Run("throttle", dir);
        try (FaultyDynamoDbProxy proxy =
                new FaultyDynamoDbProxy(SERVICES.services().dynamoDb.endpoint())) {
            run.props.put("aws.endpoint", proxy.endpoint().toString());
            proxy.throttle(0.3);
            JobClient job = run.start();
            try (VisibilityAuditor watcher = run.watch()) {
                Thread traffic = run.traffic(2500, 3L);
                awaitOperations(run, 400);
                proxy.outage(true);
                // the outage lasts until the job has met it, then 5 s more while traffic goes on
                Poll.until(
                        Duration.ofSeconds(60),
                        () -> proxy.refused.get() > 0 ? null : "no write met the outage yet");
                Thread.sleep(5000);
                proxy.outage(false);
                traffic.join();
                Poll.until(CONVERGE, run::check);
                proxy.throttle(0);
                assertThat(proxy.throttled.get()).isGreaterThan(10);
                run.assertNothingRolledBack(watcher);
            } finally {
                job.cancel().get();
            }
        }
    }

    @Test
    void resumesExactlyFromASavepointTakenWhileTrafficGoesOn(@TempDir Path dir) throws Exception {
        Run run = new Run("savepoint", dir);
        JobClient first = run.start();
        JobClient second = null;
        boolean stopped = false;
        try (VisibilityAuditor watcher = run.watch()) {
            Thread traffic = run.traffic(2500, 4L);
            awaitOperations(run, 400);
            String savepoint =
                    first.stopWithSavepoint(
                                    false,
                                    dir.resolve("savepoints").toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get();
            stopped = true;
            awaitOperations(run, 700); // traffic goes on while no job runs
            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            second = run.start(s -> s, restore);
            traffic.join();
            Poll.until(CONVERGE, run::check);
            run.assertNothingRolledBack(watcher);
        } finally {
            // a failure before the stop would leave the first job holding the slots of the next
            // test
            if (!stopped) {
                first.cancel().get();
            }
            if (second != null) {
                second.cancel().get();
            }
        }
    }

    @Test
    void countsStayExactWithDuplicatedAndReorderedRecords(@TempDir Path dir) throws Exception {
        Run run = new Run("reorder", dir);
        // the real stream of a workload, captured, then delivered with duplicates and reordering
        new TaskWorkload(SERVICES.ddb(), run.source, 40, 5L).run(2500);
        String arn =
                SERVICES.ddb()
                        .describeTable(b -> b.tableName(run.source))
                        .table()
                        .latestStreamArn();
        List<RawRecord> captured =
                StreamCapture.readAll(SERVICES.services().dynamoDb.streamsClient(), arn);
        assertThat(captured).as("deletes of absent items leave no record").hasSizeGreaterThan(2000);
        List<RawRecord> delivered = disorder(captured, new Random(5));
        assertThat(delivered.size()).isGreaterThan(captured.size());

        // the live stream of an empty table keeps the job running after the fixture records
        String idle = run.source + "Idle";
        TodoTables.createSourceTable(SERVICES.ddb(), idle, StreamViewType.NEW_AND_OLD_IMAGES);
        run.props.put("source.table.name", idle);
        JobClient job =
                run.start(
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
        run.props.put("source.table.name", run.source);
        try {
            Poll.until(CONVERGE, run::check);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Shuffles within blocks of 60, repeats a quarter of the records later in their block, replays
     * one block.
     */
    private static List<RawRecord> disorder(List<RawRecord> records, Random random) {
        List<RawRecord> out = new ArrayList<>();
        for (int start = 0; start < records.size(); start += 60) {
            List<RawRecord> block =
                    new ArrayList<>(records.subList(start, Math.min(records.size(), start + 60)));
            List<RawRecord> copies =
                    block.stream().filter(r -> random.nextInt(4) == 0).collect(Collectors.toList());
            block.addAll(copies);
            Collections.shuffle(block, random);
            out.addAll(block);
        }
        out.addAll(records.subList(records.size() / 2, records.size() / 2 + 60)); // a late replay
        return out;
    }

    @Test
    void poisonRecordsAndRejectedDocumentsAreDeadLettersAndTheRestIsExact(@TempDir Path dir)
            throws Exception {
        Run run = new Run("poison", dir);
        // the item index maps mixedList (a chosen field; the others are not mapped) as a number, so
        // the engine refuses "a"
        Path mapping = Files.createTempFile("poison-item-mapping", ".json");
        mapping.toFile().deleteOnExit();
        Files.writeString(
                mapping, "{\"mappings\":{\"properties\":{\"mixedList\":{\"type\":\"long\"}}}}");
        run.props.put("sink.search.item.mapping.file", mapping.toString());
        List<RawRecord> poison =
                List.of(
                        new RawRecord("{\"eventName\":\"INSERT\",\"dynamodb\":", "poison", "1", -1),
                        new RawRecord(
                                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"list-001\"},"
                                        + "\"taskId\":{\"S\":\"p\"}},\"NewImage\":{\"x\":{\"Q\":\"1\"}},\"SequenceNumber\":\"9\"}}",
                                "poison",
                                "2",
                                -1),
                        new RawRecord(
                                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"taskId\":{\"S\":\"p\"}},"
                                        + "\"SequenceNumber\":\"9\"}}",
                                "poison",
                                "3",
                                -1),
                        new RawRecord(
                                "{\"eventName\":\"REMOVE\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"list-001\"},"
                                        + "\"taskId\":{\"S\":\"p\"}},\"SequenceNumber\":\"9\",\"ApproximateCreationDateTime\":\"later\"}}",
                                "poison",
                                "4",
                                -1),
                        new RawRecord(
                                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"list-001\"},"
                                        + "\"taskId\":{\"S\":\"p\"}},\"NewImage\":{\"n\":{\"N\":\"1.2.3\"}},\"SequenceNumber\":\"9\"}}",
                                "poison",
                                "5",
                                -1));
        JobClient job =
                run.start(
                        s ->
                                env ->
                                        s.create(env)
                                                .union(
                                                        env.fromData(
                                                                        Types.POJO(RawRecord.class),
                                                                        poison.toArray(
                                                                                new RawRecord[0]))
                                                                .uid("poison-records")),
                        new Configuration());
        try {
            Thread traffic = run.traffic(2000, 6L);
            traffic.join();
            // an item the SERVICES.search() engine refuses: a string in the field mapped as a
            // number
            Map<String, AttributeValue> mixed = new HashMap<>();
            mixed.put("listId", AttributeValue.fromS("list-002"));
            mixed.put("taskId", AttributeValue.fromS("mixed"));
            mixed.put(
                    "mixedList",
                    AttributeValue.fromL(
                            List.of(AttributeValue.fromS("a"), AttributeValue.fromN("1"))));
            SERVICES.ddb().putItem(b -> b.tableName(run.source).item(mixed));

            Poll.until(
                    CONVERGE,
                    () -> {
                        String counts =
                                GroundTruth.check(
                                        SERVICES.ddb(),
                                        run.source,
                                        run.counts,
                                        SERVICES.search(),
                                        run.countIndex,
                                        null);
                        if (counts != null) {
                            return counts;
                        }
                        Map<String, JsonNode> truth =
                                TodoTables.itemsById(SERVICES.ddb(), run.source);
                        truth.remove("list-002|mixed");
                        return GroundTruth.compareItems(
                                truth, SERVICES.search().allDocuments(run.itemIndex));
                    });
            Poll.until(
                    Duration.ofSeconds(30),
                    () ->
                            lines(dir, "dead-letters").size() >= poison.size()
                                            && !lines(dir, "rejected-").isEmpty()
                                    ? null
                                    : "dead letters not all written yet");
        } finally {
            job.cancel().get();
        }
        List<JsonNode> letters = lines(dir, "dead-letters");
        assertThat(letters)
                .extracting(l -> l.get("sequenceNumber").asText())
                .containsExactlyInAnyOrder("1", "2", "3", "4", "5");
        assertThat(letters)
                .extracting(l -> l.get("reason").asText())
                .anyMatch(r -> r.startsWith("malformed JSON"))
                .anyMatch(r -> r.contains("unknown attribute type 'Q'"))
                .anyMatch(r -> r.contains("do not match the configured key schema"))
                .anyMatch(r -> r.contains("ApproximateCreationDateTime"))
                .anyMatch(r -> r.contains("N value '1.2.3' is not a number"));
        List<JsonNode> rejected = lines(dir, "rejected-");
        assertThat(rejected).extracting(l -> l.get("id").asText()).contains("list-002|mixed");
        assertThat(rejected.get(0).get("reason").asText()).startsWith("400 ");
    }

    static List<JsonNode> lines(Path dir, String prefix) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f :
                    files.filter(
                                    p ->
                                            Files.isRegularFile(p)
                                                    && p.getFileName().toString().startsWith(prefix)
                                                    && !p.getFileName().toString().startsWith("."))
                            .collect(Collectors.toList())) {
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank()) {
                        out.add(mapper.readTree(line));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Throws once, in the subtask that sees the record, never again across all restarts of the job:
     * at the first record after the test has {@link #arm armed} it, or (the second constructor) at
     * the n-th record its subtasks have seen together since the test began (replays after a restart
     * count again).
     */
    static final class FailOnce extends RichMapFunction<RawRecord, RawRecord> {
        private static final long serialVersionUID = 1L;
        private final String key;
        private final long at;

        /** Fails at the first record after {@link #arm}. */
        FailOnce(String key) {
            this(key, Long.MAX_VALUE);
        }

        /** Fails at the {@code at}-th record, or at the first after {@link #arm}. */
        FailOnce(String key, long at) {
            this.key = key;
            this.at = at;
            FIRED.putIfAbsent(key, new AtomicBoolean());
            ARMED.putIfAbsent(key, new AtomicBoolean());
            SEEN.putIfAbsent(key, new AtomicLong());
        }

        /** The next record any subtask of {@code key} sees fails it. */
        static void arm(String key) {
            ARMED.get(key).set(true);
        }

        @Override
        public RawRecord map(RawRecord r) {
            long seen = SEEN.get(key).incrementAndGet();
            if ((seen >= at || ARMED.get(key).get()) && FIRED.get(key).compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure " + key);
            }
            return r;
        }
    }
}

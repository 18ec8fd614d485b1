package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import io.streamsync.testing.FaultyDynamoDbProxy;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.RecordingSearchProxy;
import io.streamsync.testing.StreamCapture;
import io.streamsync.testing.StreamHistory;
import io.streamsync.testing.StreamsModel;
import io.streamsync.testing.StreamsModelServer;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import io.streamsync.testing.VisibilityAuditor;
import io.streamsync.testing.WindowTruth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The seeded fault harness: the real job (start-up checks, change-stream source, both sinks) on a
 * MiniCluster at parallelism 2, reading a {@link StreamsModel} of its table's stream (shards
 * rolling over every few seconds, children listed late, parents closing late, throttling, and per
 * seed empty pages mid-shard) while a workload writes to the table, and faults drawn from a seed
 * hit it:
 *
 * <ul>
 *   <li>regional failovers: a TaskManager killed ({@code TM_KILL}), an exception in a task ({@code
 *       TASK_EXCEPTION});
 *   <li>a global failover ({@code GLOBAL_FAILOVER}): a checkpoint is held past its timeout with no
 *       failure tolerated, so the checkpoint coordinator fails the job globally and the source
 *       coordinator (the enumerator) is restored from the last checkpoint;
 *   <li>stop-with-savepoint, traffic while stopped, then a restore ({@code STOP_RESTORE});
 *   <li>a rollback: stop, then a restore from an older savepoint ({@code ROLLBACK});
 *   <li>a rescale to 1, 2 or 3 through a savepoint ({@code RESCALE});
 *   <li>an outage of the aggregate table's writes ({@code SINK_OUTAGE}, HTTP 503 to every PutItem).
 * </ul>
 *
 * Then the checks, every one against a bare read of moto's stream or a scan, never against the
 * job's own view:
 *
 * <ol>
 *   <li>the aggregate table, the aggregate documents and the item documents equal a scan of the
 *       table;
 *   <li>every write an output accepted (the aggregate table's own stream; every {@code _bulk} item
 *       the search node accepted, through {@link RecordingSearchProxy}) is the stream's state at
 *       that version ({@link StreamHistory});
 *   <li>every window document the node accepted, and the index at the end, equal a bare read's
 *       counts per window, and no change was a late dead letter (no seed injects lateness); the
 *       index at the end only where {@link #checkWindowsIndex} says so;
 *   <li>no record skipped or applied twice: a witness operator right after the source keeps, in
 *       checkpointed state, every (shard, sequence number) the source emitted; after the last
 *       checkpoint, per shard of the model, that log holds every sequence number the model put in
 *       the shard exactly once, and no gap was reported.
 * </ol>
 *
 * A failure names its seed and its faults; {@code -Dseed=N} replays one seed, {@code
 * -Dchaos.seeds=N} (profile {@code chaos}) runs N seeds from {@code -Dchaos.base} and the {@link
 * #KNOWN_FAILING_SEEDS} (not with {@code -Dchaos.known=false}); {@code -Dfaults=A,B} chooses the
 * fault kinds drawn; {@code -Dmodel.empty.pages=true} lets seeds draw empty pages mid-shard.
 */
class SeededFaultITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(3)
                            .build());

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    /**
     * Seeds run by {@code mvn verify} (about a minute each), every check on: seed 6 draws a task
     * exception, two TaskManager kills and an aggregate-table outage. With {@link
     * #aRollbackPastADueCleanUpTakesNoGuardedReaderBack} (a stop and a rollback) that is the
     * harness's share of {@code mvn verify}; seed 2 (two task exceptions, two stop/restores) and
     * the scan scenario run with {@code -Pchaos} or when asked for ({@link #everything}).
     */
    static final long[] DEFAULT_SEEDS = {6};

    /**
     * Seeds that found a defect, kept in the chaos profile. Seeds 1-6: after the first failover or
     * restore while shards roll over, the windows index stopped getting windows (94-194 of 134-255
     * windows missing at the end, none late, none wrong): a restored finished shard kept its split
     * output at Long.MIN_VALUE (fixed in ShardReader). Seed 105 (rescales to 1, a global failover,
     * a rollback): a finished parent's split output was released while the same reader read another
     * lineage ahead, so its child's first records came late (the output now holds the reader until
     * the enumerator says the children are settled). Seeds 111, 116, 122 and 127 (rollbacks): the
     * final window fields of a row or document went back (now guarded on their own by both
     * aggregate sinks).
     */
    static final long[] KNOWN_FAILING_SEEDS = {1, 2, 3, 4, 5, 6, 105, 111, 116, 122, 127};

    /**
     * Issue 28's directed scenarios, scripted on the same harness (same model, witnesses and
     * checks); the model's timings come from the scenario's seed ({@code -Dscenario.seed=N}).
     */
    enum Scenario {
        /**
         * A list emptied (its clean-up due after {@link #CLEANUP_RETENTION_MS} of event time) when
         * a savepoint is taken; inserts into it after, published; then a rollback to that savepoint
         * after a stop, so that processing time and the replay's event time pass the clean-up.
         */
        CLEANUP_ROLLBACK,
        /**
         * A job started with the bootstrap scan on a table filled before its stream; a savepoint
         * taken while the scan is under way; changes (updates, deletes of scanned items) after it;
         * then a rollback to that savepoint.
         */
        SCAN_ROLLBACK
    }

    /** The list {@link Scenario#CLEANUP_ROLLBACK} empties. */
    static final String CLEANUP_LIST = "cleanup-list";

    static final long CLEANUP_RETENTION_MS = 5_000;

    /** Items in the table before its stream, for {@link Scenario#SCAN_ROLLBACK}. */
    static final int PRELOADED = 600;

    enum Fault {
        TM_KILL,
        TASK_EXCEPTION,
        GLOBAL_FAILOVER,
        STOP_RESTORE,
        ROLLBACK,
        RESCALE,
        SINK_OUTAGE
    }

    /**
     * What the witness operators of one run share with the test (one JVM: the MiniCluster runs in
     * it).
     */
    static final class Control {
        final AtomicBoolean failNext = new AtomicBoolean();
        final AtomicBoolean holdNextSnapshot = new AtomicBoolean();
        final AtomicLong completed = new AtomicLong();

        /** Job id -> subtask -> (checkpoint id, the log as of that checkpoint). */
        final Map<String, Map<Integer, Map.Entry<Long, List<String>>>> committed =
                new ConcurrentHashMap<>();

        final AtomicLong gaps = new AtomicLong();

        /** Witness instances opened: grows with every (re)start of the job's tasks. */
        final AtomicLong opens = new AtomicLong();

        volatile long holdMillis;
    }

    static final Map<String, Control> CONTROLS = new ConcurrentHashMap<>();

    /** Index of the live TaskManager in the class's MiniCluster (one at a time). */
    static final java.util.concurrent.atomic.AtomicInteger LIVE_TASK_MANAGER =
            new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Whether check 3 compares the windows index at the end with the bare read: always, unless
     * {@code -Dharness.windows=false}. It was off for the default seeds until the defect it found
     * was fixed (a restored finished shard kept the split output Flink made for it at
     * Long.MIN_VALUE, so after any restore while shards roll over the watermark stopped and no
     * window was published again; ShardReader now releases it).
     */
    static boolean checkWindowsIndex() {
        String set = System.getProperty("harness.windows");
        return set == null || set.isBlank() || Boolean.parseBoolean(set);
    }

    /**
     * Whether this run goes beyond {@code mvn verify}'s share: {@code -Pchaos}, {@code -Dseed},
     * {@code -Dscenario.seed} or {@code -Dharness.all=true}.
     */
    static boolean everything() {
        return Integer.getInteger("chaos.seeds", 0) > 0
                || !System.getProperty("seed", "").isBlank()
                || !System.getProperty("scenario.seed", "").isBlank()
                || Boolean.getBoolean("harness.all");
    }

    static Stream<Long> seeds() {
        String one = System.getProperty("seed");
        if (one != null && !one.isBlank()) {
            return Arrays.stream(one.split(",")).map(String::trim).map(Long::parseLong);
        }
        int chaos = Integer.getInteger("chaos.seeds", 0);
        if (chaos > 0) {
            long base = Long.getLong("chaos.base", 100);
            boolean known = Boolean.parseBoolean(System.getProperty("chaos.known", "true"));
            return Stream.concat(
                    Arrays.stream(known ? KNOWN_FAILING_SEEDS : new long[0]).boxed(),
                    LongStream.range(base, base + chaos).boxed());
        }
        return Arrays.stream(DEFAULT_SEEDS).boxed();
    }

    /** The faults and model timings of one seed. */
    static final class Plan {
        final long seed;
        final List<Fault> faults = new ArrayList<>();

        /** Per fault: records to let through before it (0: at once after the previous fault). */
        final List<Integer> pauses = new ArrayList<>();

        final List<Integer> rescales = new ArrayList<>();
        final StreamsModel.Settings model;
        final long checkpointMillis;

        Plan(long seed) {
            this.seed = seed;
            Random r = new Random(seed);
            Set<Fault> kinds = enabledFaults();
            List<Fault> pool = new ArrayList<>(kinds);
            int n = 3 + r.nextInt(2);
            for (int i = 0; i < n; i++) {
                faults.add(pool.get(r.nextInt(pool.size())));
                pauses.add(r.nextInt(4) == 0 ? 0 : 30 + r.nextInt(60));
                rescales.add(1 + r.nextInt(3));
            }
            boolean emptyPages = Boolean.getBoolean("model.empty.pages") && r.nextBoolean();
            long rollover = 2_000 + r.nextInt(4_000);
            model =
                    new StreamsModel.Settings()
                            .seed(seed)
                            .lineages(2)
                            .rolloverMs(Long.getLong("model.rollover.ms", rollover))
                            .childListingDelayMs(500 + r.nextInt(1_500))
                            .parentCloseDelayMs(r.nextInt(1_500))
                            .describePageSize(20 + r.nextInt(20))
                            .throttleShare(0.02)
                            .emptyPageShare(emptyPages ? 0.2 : 0.0);
            checkpointMillis = r.nextBoolean() ? 1_000 : 2_500;
        }

        static Set<Fault> enabledFaults() {
            String list = System.getProperty("faults");
            if (list == null || list.isBlank()) {
                return EnumSet.allOf(Fault.class);
            }
            return Arrays.stream(list.split(","))
                    .map(s -> Fault.valueOf(s.trim().toUpperCase(Locale.ROOT)))
                    .collect(Collectors.toCollection(() -> EnumSet.noneOf(Fault.class)));
        }

        @Override
        public String toString() {
            List<String> steps = new ArrayList<>();
            for (int i = 0; i < faults.size(); i++) {
                steps.add(
                        (pauses.get(i) == 0 ? "at once " : "after " + pauses.get(i) + " records ")
                                + faults.get(i)
                                + (faults.get(i) == Fault.RESCALE ? " to " + rescales.get(i) : ""));
            }
            return steps + "; checkpoints every " + checkpointMillis + " ms; model: " + model;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void keepsItsPromisesThroughSeededFaultsWhileShardsRollOver(
            long seed, @TempDir Path dir, @InjectMiniCluster MiniCluster cluster) throws Exception {
        run(seed, null, dir, cluster);
    }

    /**
     * Issue 28, end to end: a rollback to a savepoint that holds an empty list whose clean-up is
     * due, past inserts published since, takes no version-guarded reader back, and every accepted
     * write is the list's state at its version.
     */
    @Test
    void aRollbackPastADueCleanUpTakesNoGuardedReaderBack(
            @TempDir Path dir, @InjectMiniCluster MiniCluster cluster) throws Exception {
        run(Long.getLong("scenario.seed", 2801), Scenario.CLEANUP_ROLLBACK, dir, cluster);
    }

    /**
     * Issue 28, end to end: a rollback to a savepoint taken during the bootstrap scan freezes no
     * item (the item documents end equal to the table) and takes no version-guarded reader back.
     */
    @Test
    void aRollbackToASavepointTakenDuringTheBootstrapScanFreezesNoItem(
            @TempDir Path dir, @InjectMiniCluster MiniCluster cluster) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                everything(), "the scan scenario runs with -Pchaos or -Dharness.all=true");
        run(Long.getLong("scenario.seed", 2802), Scenario.SCAN_ROLLBACK, dir, cluster);
    }

    static void run(long seed, Scenario scenario, Path dir, MiniCluster cluster) throws Exception {
        Plan plan = new Plan(seed);
        String replay =
                scenario == null ? "-Dseed=" + seed : "-Dscenario.seed=" + seed + ", " + scenario;
        List<String> problems;
        List<String> log = new ArrayList<>();
        try {
            problems = new Run(seed, scenario, plan, dir, cluster, log).execute();
        } catch (Exception | AssertionError e) {
            throw new AssertionError(
                    "seed "
                            + seed
                            + " failed (replay with "
                            + replay
                            + "), "
                            + (scenario == null ? "faults " + plan : "model " + plan.model)
                            + "\nsteps: "
                            + log
                            + "\n"
                            + e,
                    e);
        }
        System.out.println(
                "[harness] seed "
                        + seed
                        + (scenario == null ? "" : " " + scenario)
                        + ": "
                        + problems.size()
                        + " problems; steps: "
                        + log);
        assertThat(problems)
                .as(
                        "seed "
                                + seed
                                + " (replay with "
                                + replay
                                + "), "
                                + (scenario == null ? "faults " + plan : "model " + plan.model)
                                + "\nsteps: "
                                + log)
                .isEmpty();
    }

    /** One seed's run: services, job, workload, faults, checks. */
    static final class Run {
        final long seed;
        final Scenario scenario;
        final Plan plan;
        final Path dir;
        final MiniCluster cluster;
        final List<String> log;
        final String name;
        final String source;
        final String counts;
        final String countIndex;
        final String itemIndex;
        final String windowIndex;
        final Control control = new Control();
        final Map<String, String> props;
        final List<String> savepoints = new ArrayList<>();
        int parallelism = 2;
        JobClient job;
        TaskWorkload workload;

        /** The table before its stream was turned on ({@link Scenario#SCAN_ROLLBACK}). */
        List<Map<String, AttributeValue>> before = List.of();

        /** What a directed scenario found did not happen as scripted. */
        final List<String> unmet = new ArrayList<>();

        Run(
                long seed,
                Scenario scenario,
                Plan plan,
                Path dir,
                MiniCluster cluster,
                List<String> log) {
            this.seed = seed;
            this.scenario = scenario;
            this.plan = plan;
            this.dir = dir;
            this.cluster = cluster;
            this.log = log;
            this.name = (scenario == null ? "sf" : "sc") + seed;
            this.source = name + "Tasks";
            this.counts = name + "Counts";
            this.countIndex = name + "-counts";
            this.itemIndex = name + "-tasks";
            this.windowIndex = name + "-windows";
            this.props = SERVICES.services().testJobProperties(name, dir.resolve("dead-letters"));
            CONTROLS.put(name, control);
        }

        List<String> execute() throws Exception {
            cancelAll(cluster); // a seed that failed hard may have left its job
            String arn;
            if (scenario == Scenario.SCAN_ROLLBACK) {
                TodoTables.createSourceTableWithoutStream(SERVICES.ddb(), source);
                workload = new TaskWorkload(SERVICES.ddb(), source, 12, seed);
                workload.preload(PRELOADED);
                before = TodoTables.scan(SERVICES.ddb(), source);
                arn =
                        TodoTables.enableStream(
                                SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
            } else {
                arn =
                        TodoTables.createSourceTable(
                                SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
                workload = new TaskWorkload(SERVICES.ddb(), source, 12, seed);
            }
            TodoTables.createAggregateTable(SERVICES.ddb(), counts);
            String countsArn =
                    TodoTables.enableStream(SERVICES.ddb(), counts, StreamViewType.NEW_IMAGE);
            try (FaultyDynamoDbProxy table =
                            new FaultyDynamoDbProxy(SERVICES.services().dynamoDb.endpoint());
                    StreamsModelServer front = new StreamsModelServer(table.endpoint());
                    RecordingSearchProxy search =
                            new RecordingSearchProxy(SERVICES.services().search.uri())) {
                StreamsModel model =
                        front.serve(new StreamsModel(arn, plan.model, System::currentTimeMillis));
                front.tail(model, SERVICES.services().dynamoDb.streamsClient(), "listId");
                props.put("aws.endpoint", front.endpoint().toString());
                props.put("sink.search.hosts", search.endpoint().toString());
                props.put("checkpoint.interval.ms", Long.toString(plan.checkpointMillis));
                props.put("checkpoint.timeout.ms", "5000");
                control.holdMillis = 6_500;
                if (scenario == Scenario.CLEANUP_ROLLBACK) {
                    props.put(
                            "aggregate.empty.list.retention.ms",
                            Long.toString(CLEANUP_RETENTION_MS));
                    // the clean-up's retention may not be shorter than the tombstones'
                    props.put(
                            "aggregate.tombstone.retention.ms",
                            Long.toString(CLEANUP_RETENTION_MS));
                    // a slower replay: the watermark moves in small steps, so that it passes the
                    // clean-up before the list's inserts come again
                    props.put("source.getrecords.max.records", "10");
                }
                if (scenario == Scenario.SCAN_ROLLBACK) {
                    props.put("bootstrap.mode", "scan");
                    props.put("bootstrap.scan.segments", "8");
                    props.put("bootstrap.scan.page.size", "10");
                    props.put("bootstrap.scan.read.units.per.second", "2");
                }

                Thread traffic = new Thread(() -> workload.runAtRate(25), name + "-traffic");
                try {
                    job = start(null);
                    traffic.start();
                    try {
                        if (scenario == Scenario.CLEANUP_ROLLBACK) {
                            cleanUpThenRollBack(model);
                        } else if (scenario == Scenario.SCAN_ROLLBACK) {
                            savepointDuringTheScanThenRollBack(model, table);
                        } else {
                            seededFaults(model, table);
                        }
                        awaitRecords(model, 40);
                    } finally {
                        traffic.interrupt();
                        traffic.join();
                    }
                    Poll.until(
                            Duration.ofSeconds(180),
                            () ->
                                    GroundTruth.check(
                                            SERVICES.ddb(),
                                            source,
                                            counts,
                                            SERVICES.search(),
                                            countIndex,
                                            itemIndex));
                    log.add("outputs equal the table");
                    List<String> problems = check(model, arn, countsArn, search);
                    problems.addAll(unmet);
                    log.add("model: " + model.summary());
                    return problems;
                } finally {
                    log.add("model: " + model.summary());
                    cancelAll(cluster);
                    CONTROLS.remove(name);
                }
            }
        }

        void seededFaults(StreamsModel model, FaultyDynamoDbProxy table) throws Exception {
            awaitRecords(model, 40);
            savepoints.add(
                    retrying(
                            () ->
                                    job.triggerSavepoint(
                                                    dir.resolve("sp-first").toUri().toString(),
                                                    SavepointFormatType.CANONICAL)
                                            .get(2, TimeUnit.MINUTES)));
            log.add("savepoint taken");
            for (int i = 0; i < plan.faults.size(); i++) {
                if (plan.pauses.get(i) > 0) {
                    awaitRecords(model, plan.pauses.get(i));
                }
                inject(plan.faults.get(i), plan.rescales.get(i), table, model, i);
            }
        }

        /** {@link Scenario#CLEANUP_ROLLBACK}. */
        void cleanUpThenRollBack(StreamsModel model) throws Exception {
            awaitRecords(model, 40);
            for (int i = 0; i < 3; i++) {
                putCleanUpItem("first-" + i);
            }
            awaitRow(CLEANUP_LIST, 3);
            for (int i = 0; i < 3; i++) {
                String task = "first-" + i;
                SERVICES.ddb()
                        .deleteItem(
                                b ->
                                        b.tableName(source)
                                                .key(
                                                        Map.of(
                                                                "listId",
                                                                AttributeValue.fromS(CLEANUP_LIST),
                                                                "taskId",
                                                                AttributeValue.fromS(task))));
            }
            long emptied = System.currentTimeMillis();
            awaitRow(CLEANUP_LIST, 0);
            String empty =
                    retrying(
                            () ->
                                    job.triggerSavepoint(
                                                    dir.resolve("sp-empty").toUri().toString(),
                                                    SavepointFormatType.CANONICAL)
                                            .get(2, TimeUnit.MINUTES));
            long held = System.currentTimeMillis() - emptied;
            log.add(
                    "savepoint with "
                            + CLEANUP_LIST
                            + " empty, taken "
                            + held
                            + " ms after its last delete");
            if (held >= CLEANUP_RETENTION_MS) {
                unmet.add(
                        "the savepoint came "
                                + held
                                + " ms after the list emptied: its clean-up may have run before it");
            }
            // the first run's event time passes the clean-up before the list is written again
            long again = emptied + CLEANUP_RETENTION_MS + 6_000;
            Poll.until(
                    Duration.ofSeconds(60),
                    () -> System.currentTimeMillis() >= again ? null : "before the clean-up");
            for (int i = 0; i < 5; i++) {
                putCleanUpItem("again-" + i);
                awaitRecords(model, 4);
            }
            awaitRow(CLEANUP_LIST, 5);
            log.add(CLEANUP_LIST + " shows 5 after the savepoint");
            String latest = stop("sp-latest");
            savepoints.add(latest);
            awaitRecords(model, 30); // processing time goes on while no job runs
            job = start(empty);
            log.add("rolled back to the savepoint with the empty list");
            awaitRecords(model, 40);
            putCleanUpItem("after-rollback");
            awaitRow(CLEANUP_LIST, 6);
        }

        void putCleanUpItem(String task) {
            SERVICES.ddb()
                    .putItem(
                            b ->
                                    b.tableName(source)
                                            .item(
                                                    Map.of(
                                                            "listId",
                                                            AttributeValue.fromS(CLEANUP_LIST),
                                                            "taskId",
                                                            AttributeValue.fromS(task),
                                                            "title",
                                                            AttributeValue.fromS("Task " + task),
                                                            "done",
                                                            AttributeValue.fromBool(false))));
        }

        void awaitRow(String list, long count) throws Exception {
            Poll.until(
                    Duration.ofSeconds(90),
                    () -> {
                        Long now = TodoTables.aggregateCounts(SERVICES.ddb(), counts).get(list);
                        return now != null && now == count
                                ? null
                                : list + "'s row shows " + now + ", waiting for " + count;
                    });
        }

        /** {@link Scenario#SCAN_ROLLBACK}. */
        void savepointDuringTheScanThenRollBack(StreamsModel model, FaultyDynamoDbProxy table)
                throws Exception {
            Poll.until(
                    Duration.ofSeconds(90),
                    () ->
                            table.scannedItems.get() >= PRELOADED / 4
                                    ? null
                                    : "the scan has returned "
                                            + table.scannedItems.get()
                                            + " items");
            String during =
                    retrying(
                            () ->
                                    job.triggerSavepoint(
                                                    dir.resolve("sp-scan").toUri().toString(),
                                                    SavepointFormatType.CANONICAL)
                                            .get(2, TimeUnit.MINUTES));
            long scanned = table.scannedItems.get();
            log.add(
                    "savepoint during the scan, after "
                            + scanned
                            + " of "
                            + PRELOADED
                            + "+ items returned by Scan");
            if (scanned >= PRELOADED) {
                unmet.add("the scan had returned every item before the savepoint completed");
            }
            savepoints.add(during);
            awaitRecords(model, 60); // changes of scanned and unscanned items
            String latest = stop("sp-latest");
            savepoints.add(latest);
            long scans = table.scans.get();
            awaitRecords(model, 20);
            job = start(during);
            log.add("rolled back to the savepoint taken during the scan");
            awaitRecords(model, 40);
            Poll.until(
                    Duration.ofSeconds(60),
                    () ->
                            table.scans.get() > scans
                                    ? null
                                    : "the restored job has not resumed the scan");
            log.add("Scan calls: " + table.scans.get() + ", items " + table.scannedItems.get());
        }

        /**
         * Cancels every job of the cluster that has not ended (a seed leaves nothing running for
         * the next).
         */
        static void cancelAll(MiniCluster cluster) throws Exception {
            for (org.apache.flink.runtime.client.JobStatusMessage j :
                    cluster.listJobs().get(1, TimeUnit.MINUTES)) {
                if (!j.getJobState().isGloballyTerminalState()) {
                    try {
                        cluster.cancelJob(j.getJobId()).get(2, TimeUnit.MINUTES);
                    } catch (Exception e) {
                        // ended meanwhile
                    }
                }
            }
        }

        JobClient start(String savepoint) throws Exception {
            Map<String, String> p = new HashMap<>(props);
            p.put("job.parallelism", Integer.toString(parallelism));
            JobConfig c = JobConfig.from(p);
            Configuration conf = new Configuration();
            if (savepoint != null) {
                conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            }
            // a checkpoint that fails (here: one held past its timeout) fails the job globally
            conf.set(
                    ConfigOptions.key("execution.checkpointing.tolerable-failed-checkpoints")
                            .intType()
                            .noDefaultValue(),
                    0);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            StreamSyncPipeline.configureEnvironment(env, c);
            RecordSource changes = RecordSources.fromConfig(c, Startup.prepare(c));
            String key = name;
            RecordSource witnessed =
                    e ->
                            changes.create(e)
                                    .map(new Witness(key))
                                    .returns(Types.POJO(RawRecord.class))
                                    .uid("seeded-fault-witness")
                                    .name("seeded fault witness");
            StreamSyncPipeline.define(env, c, witnessed, PipelineSinks.fromConfig(c));
            return env.executeAsync(name + " p" + parallelism);
        }

        void awaitRecords(StreamsModel model, int more) throws Exception {
            long target = model.appended() + more;
            Poll.until(
                    Duration.ofSeconds(90),
                    () ->
                            model.appended() >= target
                                    ? null
                                    : "the model has "
                                            + model.appended()
                                            + " records, waiting for "
                                            + target);
        }

        /** Stop-with-savepoint, retried while the job is (re)starting. */
        String stop(String where) throws Exception {
            return retrying(
                    () ->
                            job.stopWithSavepoint(
                                            false,
                                            dir.resolve(where).toUri().toString(),
                                            SavepointFormatType.CANONICAL)
                                    .get(2, TimeUnit.MINUTES));
        }

        /**
         * A savepoint operation, tried again while it fails because not all tasks run yet (a
         * (re)start in progress).
         */
        static String retrying(java.util.concurrent.Callable<String> savepoint) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (true) {
                try {
                    return savepoint.call();
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(
                            500); // tasks not all running yet (a restart in progress): try again
                }
            }
        }

        void inject(Fault fault, int rescale, FaultyDynamoDbProxy table, StreamsModel model, int i)
                throws Exception {
            switch (fault) {
                case TM_KILL:
                    // MiniCluster.terminateTaskManager(i) closes the i-th TaskManager ever started
                    // and keeps it in its list; startTaskManager appends: the live one is the last
                    cluster.terminateTaskManager(LIVE_TASK_MANAGER.getAndIncrement())
                            .get(2, TimeUnit.MINUTES);
                    cluster.startTaskManager();
                    break;
                case TASK_EXCEPTION:
                    control.failNext.set(true);
                    Poll.until(
                            Duration.ofSeconds(60),
                            () -> control.failNext.get() ? "no record reached the witness" : null);
                    break;
                case GLOBAL_FAILOVER:
                    {
                        long opened = control.opens.get();
                        control.holdNextSnapshot.set(true);
                        Poll.until(
                                Duration.ofSeconds(60),
                                () ->
                                        control.holdNextSnapshot.get()
                                                ? "no checkpoint held yet"
                                                : null);
                        // no other fault until the expired checkpoint has failed the job over (a
                        // stop-with-savepoint would
                        // abort the held checkpoint first)
                        Poll.until(
                                Duration.ofSeconds(60),
                                () ->
                                        control.opens.get() > opened
                                                ? null
                                                : "the job has not failed over yet");
                        break;
                    }
                case STOP_RESTORE:
                    {
                        String sp = stop("sp-" + i);
                        savepoints.add(sp);
                        awaitRecords(model, 30); // traffic goes on while no job runs
                        job = start(sp);
                        break;
                    }
                case ROLLBACK:
                    {
                        String latest = stop("sp-" + i);
                        String older =
                                savepoints.get(new Random(seed + i).nextInt(savepoints.size()));
                        savepoints.add(latest);
                        job = start(older);
                        break;
                    }
                case RESCALE:
                    {
                        String sp = stop("sp-" + i);
                        savepoints.add(sp);
                        parallelism = rescale;
                        job = start(sp);
                        break;
                    }
                case SINK_OUTAGE:
                    {
                        long before = table.refused.get();
                        table.outage(true);
                        try {
                            Poll.until(
                                    Duration.ofSeconds(60),
                                    () ->
                                            table.refused.get() > before
                                                    ? null
                                                    : "no write met the outage yet");
                            awaitRecords(model, 30);
                        } finally {
                            table.outage(false);
                        }
                        break;
                    }
                default:
                    throw new IllegalArgumentException(fault.name());
            }
            log.add(
                    fault
                            + (fault == Fault.RESCALE ? " to " + rescale : "")
                            + " at "
                            + model.appended()
                            + " records");
        }

        /**
         * Check 3's second half: the windows index at the end equals the bare read (polled for 30
         * s).
         */
        void compareWindowsIndex(
                RecordingSearchProxy search, Map<String, long[]> windows, List<String> problems)
                throws Exception {
            try {
                Poll.until(
                        Duration.ofSeconds(30),
                        () ->
                                WindowTruth.compare(
                                        windows,
                                        WindowTruth.fromIndex(
                                                SERVICES.search(), windowIndex, "listId")));
            } catch (AssertionError e) {
                List<Long> starts =
                        search.accepted().stream()
                                .filter(w -> w.index.equals(windowIndex))
                                .map(w -> WindowTruth.ofDocument(w.source, "listId").getKey())
                                .map(k -> Long.parseLong(k.substring(k.indexOf('|') + 1)))
                                .sorted()
                                .collect(Collectors.toList());
                long lastChange =
                        windows.keySet().stream()
                                .mapToLong(k -> Long.parseLong(k.substring(k.indexOf('|') + 1)))
                                .max()
                                .orElse(0);
                problems.add(
                        "windows index: "
                                + e.getMessage()
                                + " ("
                                + starts.size()
                                + " window documents accepted, the last "
                                + "of the window starting "
                                + (starts.isEmpty()
                                        ? "-"
                                        : java.time.Instant.ofEpochMilli(
                                                starts.get(starts.size() - 1)))
                                + "; the stream's last window starts "
                                + java.time.Instant.ofEpochMilli(lastChange)
                                + ")");
            }
        }

        List<String> check(
                StreamsModel model, String arn, String countsArn, RecordingSearchProxy search)
                throws Exception {
            List<String> problems = new ArrayList<>();
            StreamHistory history =
                    StreamHistory.read(SERVICES.services().dynamoDb.streamsClient(), arn, before);
            // a bootstrap scan adds states no stream change names (a scanned item, a list's count
            // with part of the table scanned): its run is checked by invariants, not version by
            // version
            boolean scanned = scenario == Scenario.SCAN_ROLLBACK;
            Invariants invariants = new Invariants(history, !scanned);
            if (model.appended() != history.changes()) {
                problems.add(
                        "the model holds "
                                + model.appended()
                                + " records, moto's stream "
                                + history.changes());
            }

            // every aggregate row the table accepted, from its own stream
            Map<String, Long> lastVersion = new HashMap<>();
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
                        invariants.list(
                                "aggregate table",
                                list,
                                version,
                                count,
                                row.containsKey("windowStart")
                                        ? Long.parseLong(row.get("windowStart").n())
                                        : Long.MIN_VALUE);
                        String p = scanned ? null : history.checkAggregate(list, version, count);
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
                    });

            // every document the search node accepted; window documents are final when published
            Map<String, long[]> windows =
                    WindowTruth.windows(
                            WindowTruth.read(
                                    SERVICES.services().dynamoDb.streamsClient(), arn, "listId"),
                            1000);
            for (RecordingSearchProxy.Write w : search.accepted()) {
                if (w.index.equals(windowIndex)) {
                    Map.Entry<String, long[]> doc = WindowTruth.ofDocument(w.source, "listId");
                    if (!Arrays.equals(doc.getValue(), windows.get(doc.getKey()))) {
                        problems.add(
                                w.index
                                        + " accepted "
                                        + doc.getKey()
                                        + " "
                                        + Arrays.toString(doc.getValue())
                                        + ", the stream has "
                                        + Arrays.toString(windows.get(doc.getKey())));
                    }
                } else if (w.index.equals(countIndex)
                        && io.streamsync.sink.commit.CaughtUp.isStatus(w.id)) {
                    continue; // the job's caught-up status document is no list
                } else if (w.index.equals(countIndex) || w.index.equals(itemIndex)) {
                    boolean count = w.index.equals(countIndex);
                    if (count) {
                        invariants.list(
                                w.index,
                                w.id,
                                w.version,
                                w.source.get("taskCount").asLong(),
                                w.source.hasNonNull("windowStart")
                                        ? java.time.Instant.parse(
                                                        w.source.get("windowStart").asText())
                                                .toEpochMilli()
                                        : Long.MIN_VALUE);
                    } else {
                        invariants.item(w.id, w.version, w.source);
                    }
                    String p =
                            scanned
                                    ? null
                                    : count
                                            ? history.checkAggregate(
                                                    w.id,
                                                    w.version,
                                                    w.source.get("taskCount").asLong())
                                            : history.checkItem(
                                                    VisibilityAuditor.listOf(w.id),
                                                    w.id,
                                                    w.version,
                                                    w.source);
                    if (p != null) {
                        problems.add(w.index + " accepted " + p);
                    }
                }
            }
            problems.addAll(invariants.problems());
            log.add(invariants.summary());
            if (scenario == Scenario.CLEANUP_ROLLBACK) {
                log.add(
                        CLEANUP_LIST
                                + " rows accepted (version: count): "
                                + invariants.rows(CLEANUP_LIST));
            }
            if (checkWindowsIndex()) {
                compareWindowsIndex(search, windows, problems);
            }
            List<String> late =
                    FaultToleranceITCase.lines(dir, "dead-letters").stream()
                            .map(Object::toString)
                            .collect(Collectors.toList());
            if (!late.isEmpty()) {
                problems.add(
                        late.size()
                                + " dead letters (no seed injects lateness or poison), e.g. "
                                + late.subList(0, Math.min(3, late.size())));
            }

            // no record skipped or applied twice, per shard of the model
            long mark = control.completed.get();
            int p = parallelism;
            String jobId = job.getJobID().toString();
            Poll.until(
                    Duration.ofSeconds(60),
                    () -> {
                        Map<Integer, Map.Entry<Long, List<String>>> subtasks =
                                control.committed.getOrDefault(jobId, Map.of());
                        long fresh =
                                subtasks.values().stream().filter(e -> e.getKey() > mark).count();
                        return fresh == p
                                ? null
                                : fresh
                                        + " of "
                                        + p
                                        + " subtasks published a checkpoint after "
                                        + mark;
                    });
            Map<String, List<String>> applied = new TreeMap<>();
            for (Map.Entry<Long, List<String>> e : control.committed.get(jobId).values()) {
                for (String entry : e.getValue()) {
                    int bar = entry.indexOf('|');
                    applied.computeIfAbsent(entry.substring(0, bar), k -> new ArrayList<>())
                            .add(entry.substring(bar + 1));
                }
            }
            Map<String, List<String>> layout = model.layout();
            for (Map.Entry<String, List<String>> shard : layout.entrySet()) {
                List<String> got = new ArrayList<>(applied.getOrDefault(shard.getKey(), List.of()));
                List<String> missing = new ArrayList<>(shard.getValue());
                missing.removeAll(got);
                Map<String, Long> times =
                        got.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
                List<String> twice =
                        times.entrySet().stream()
                                .filter(e -> e.getValue() > 1)
                                .map(Map.Entry::getKey)
                                .collect(Collectors.toList());
                if (!missing.isEmpty()) {
                    problems.add(
                            "shard "
                                    + shard.getKey()
                                    + " (parent "
                                    + model.parents().get(shard.getKey())
                                    + "): "
                                    + missing.size()
                                    + " of "
                                    + shard.getValue().size()
                                    + " records never applied, e.g. "
                                    + missing.subList(0, Math.min(5, missing.size())));
                }
                if (!twice.isEmpty()) {
                    problems.add(
                            "shard "
                                    + shard.getKey()
                                    + ": "
                                    + twice.size()
                                    + " records applied twice, e.g. "
                                    + twice.subList(0, Math.min(5, twice.size())));
                }
            }
            for (String shard : applied.keySet()) {
                if (!layout.containsKey(shard)) {
                    problems.add("applied records of a shard the model does not have: " + shard);
                }
            }
            if (control.gaps.get() > 0) {
                problems.add(control.gaps.get() + " gap records (nothing was trimmed)");
            }
            return problems;
        }
    }

    /**
     * Issue 28's two invariants over every write an output accepted, in any run of the job: (1) a
     * version stands for one state: no two accepted writes of a list (its row or its aggregate
     * document) carry one version with two counts, nor two of an item's document one version with
     * two documents; (2) a version-guarded reader never goes back: taken in version order (the
     * guards accept only higher versions, so that is the order a reader saw them in), an item's
     * accepted documents walk forward through the item's states as the stream (and the table before
     * it) had them, never back to an earlier one. (2) for lists is the rising row versions plus,
     * where no scan runs, each version's count being the stream's state after the change it names.
     */
    static final class Invariants {
        private final StreamHistory history;
        private final Map<String, String> listStates = new HashMap<>();
        private final Map<String, com.fasterxml.jackson.databind.JsonNode> itemStates =
                new HashMap<>();
        private final Map<String, TreeMap<Long, com.fasterxml.jackson.databind.JsonNode>> items =
                new HashMap<>();
        private final Map<String, TreeMap<Long, Long>> rows = new HashMap<>();
        private final Map<String, TreeMap<Long, Long>> windows = new HashMap<>();
        private final List<String> problems = new ArrayList<>();
        private final boolean walkLists;
        private long listWrites;
        private long itemWrites;

        /**
         * {@code walkLists}: also walk each list's accepted counts, in version order, through the
         * counts the stream gave it (only where every count a list shows is one of them: no scan).
         */
        Invariants(StreamHistory history, boolean walkLists) {
            this.history = history;
            this.walkLists = walkLists;
        }

        /**
         * A list's row or aggregate document: its count and the start of its latest final window
         * (Long.MIN_VALUE: none yet).
         */
        void list(String where, String list, long version, long count, long windowStart) {
            listWrites++;
            rows.computeIfAbsent(list, l -> new TreeMap<>()).put(version, count);
            windows.computeIfAbsent(list, l -> new TreeMap<>()).put(version, windowStart);
            String state =
                    "count "
                            + count
                            + ", window "
                            + (windowStart == Long.MIN_VALUE
                                    ? "none"
                                    : java.time.Instant.ofEpochMilli(windowStart));
            String before = listStates.putIfAbsent(list + " v" + version, state);
            if (before != null && !before.equals(state)) {
                problems.add(
                        "one version, two states: "
                                + list
                                + " v"
                                + version
                                + " was accepted with "
                                + before
                                + " and ("
                                + where
                                + ") with "
                                + state);
            }
        }

        void item(String id, long version, com.fasterxml.jackson.databind.JsonNode source) {
            itemWrites++;
            com.fasterxml.jackson.databind.JsonNode state =
                    source == null
                            ? com.fasterxml.jackson.databind.node.NullNode.getInstance()
                            : source;
            String key = id + " v" + version;
            com.fasterxml.jackson.databind.JsonNode before = itemStates.putIfAbsent(key, state);
            if (before != null && !io.streamsync.testing.JsonCompare.same(before, state)) {
                problems.add(
                        "one version, two states: item "
                                + key
                                + " was accepted as "
                                + before
                                + " and as "
                                + state);
            }
            items.computeIfAbsent(id, i -> new TreeMap<>()).put(version, state);
        }

        /** Check (2) for items (and lists), then every problem found. */
        List<String> problems() {
            List<String> out = new ArrayList<>(problems);
            // a list's latest final window, once shown, is never followed by an older one (a list
            // that comes back after its clean-up starts with none: not a window going back)
            for (Map.Entry<String, TreeMap<Long, Long>> e : windows.entrySet()) {
                long shown = Long.MIN_VALUE;
                long shownAt = 0;
                for (Map.Entry<Long, Long> w : e.getValue().entrySet()) {
                    if (w.getValue() == Long.MIN_VALUE) {
                        continue;
                    }
                    if (w.getValue() < shown) {
                        out.add(
                                "list "
                                        + e.getKey()
                                        + " v"
                                        + w.getKey()
                                        + " shows the final window of "
                                        + java.time.Instant.ofEpochMilli(w.getValue())
                                        + " after v"
                                        + shownAt
                                        + " showed the one of "
                                        + java.time.Instant.ofEpochMilli(shown));
                    } else {
                        shown = w.getValue();
                        shownAt = w.getKey();
                    }
                }
            }
            for (Map.Entry<String, TreeMap<Long, Long>> e :
                    walkLists
                            ? rows.entrySet()
                            : List.<Map.Entry<String, TreeMap<Long, Long>>>of()) {
                List<Long> counts = history.listCounts(e.getKey());
                int at = 0;
                for (Map.Entry<Long, Long> w : e.getValue().entrySet()) {
                    int found = counts.subList(at, counts.size()).indexOf(w.getValue());
                    if (found < 0) {
                        out.add(
                                "list "
                                        + e.getKey()
                                        + " v"
                                        + w.getKey()
                                        + " shows count "
                                        + w.getValue()
                                        + (counts.contains(w.getValue())
                                                ? ", which it had only before the count "
                                                        + counts.get(at)
                                                        + " of its change "
                                                        + at
                                                        + " shown at a lower version"
                                                : ", which it never had")
                                        + " (accepted, by version: "
                                        + e.getValue()
                                        + ")");
                        break;
                    }
                    at += found;
                }
            }
            for (Map.Entry<String, TreeMap<Long, com.fasterxml.jackson.databind.JsonNode>> e :
                    items.entrySet()) {
                List<com.fasterxml.jackson.databind.JsonNode> states =
                        history.itemStates(e.getKey());
                int at = 0;
                for (Map.Entry<Long, com.fasterxml.jackson.databind.JsonNode> w :
                        e.getValue().entrySet()) {
                    int found = find(states, w.getValue(), at);
                    if (found < 0) {
                        int earlier = find(states, w.getValue(), 0);
                        out.add(
                                "item "
                                        + e.getKey()
                                        + " v"
                                        + w.getKey()
                                        + (earlier < 0
                                                ? " shows a state the item never had: "
                                                : " goes back to its state "
                                                        + earlier
                                                        + " after state "
                                                        + at
                                                        + " of "
                                                        + (states.size() - 1)
                                                        + ": ")
                                        + w.getValue());
                    } else {
                        at = found;
                    }
                }
            }
            return out;
        }

        private static int find(
                List<com.fasterxml.jackson.databind.JsonNode> states,
                com.fasterxml.jackson.databind.JsonNode state,
                int from) {
            for (int i = from; i < states.size(); i++) {
                com.fasterxml.jackson.databind.JsonNode s = states.get(i);
                boolean removed = state.isNull();
                if (s == null
                        ? removed
                        : !removed && io.streamsync.testing.JsonCompare.same(s, state)) {
                    return i;
                }
            }
            return -1;
        }

        /** A list's accepted rows and documents, by version. */
        String rows(String list) {
            return String.valueOf(rows.get(list));
        }

        String summary() {
            return "invariants checked on "
                    + listWrites
                    + " accepted list writes ("
                    + rows.size()
                    + " lists) and "
                    + itemWrites
                    + " accepted item documents ("
                    + items.size()
                    + " items)";
        }
    }

    /**
     * Right after the source: keeps every record's (shard, sequence number) in checkpointed
     * operator state (so what it holds after a checkpoint is what that checkpoint's state has
     * applied) and publishes it to the test on each completed checkpoint; throws once when told (a
     * task failure) and holds one snapshot past the checkpoint timeout when told (a global
     * failover).
     */
    static final class Witness extends RichMapFunction<RawRecord, RawRecord>
            implements CheckpointedFunction, CheckpointListener {
        private static final long serialVersionUID = 1L;
        private final String key;
        private transient List<String> applied;
        private transient ListState<String> state;
        private transient Map<Long, List<String>> pending;

        Witness(String key) {
            this.key = key;
        }

        private Control control() {
            return CONTROLS.get(key);
        }

        @Override
        public void open(OpenContext context) {
            pending = new TreeMap<>();
            Control c = control();
            if (c != null) {
                c.opens.incrementAndGet();
            }
        }

        @Override
        public RawRecord map(RawRecord r) {
            Control c = control();
            if (c != null && c.failNext.compareAndSet(true, false)) {
                throw new IllegalStateException("injected task failure (seeded fault harness)");
            }
            if (r.gap != null) {
                if (c != null) {
                    c.gaps.incrementAndGet();
                }
            } else if (!r.isHeartbeat()
                    && r.sequenceNumber != null
                    && !r.shardId.startsWith("table-scan/")) {
                applied.add(r.shardId + "|" + r.sequenceNumber);
            }
            return r;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            state.update(applied);
            if (pending == null) {
                pending = new TreeMap<>();
            }
            pending.put(context.getCheckpointId(), new ArrayList<>(applied));
            Control c = control();
            if (c != null && c.holdNextSnapshot.compareAndSet(true, false)) {
                Thread.sleep(c.holdMillis); // past the checkpoint timeout: the checkpoint expires
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            state =
                    context.getOperatorStateStore()
                            .getListState(new ListStateDescriptor<>("applied", Types.STRING));
            applied = new ArrayList<>();
            for (String s : state.get()) {
                applied.add(s);
            }
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            List<String> log = pending == null ? null : pending.remove(checkpointId);
            if (pending != null) {
                pending.keySet().removeIf(id -> id < checkpointId);
            }
            Control c = control();
            if (log != null && c != null) {
                c.committed
                        .computeIfAbsent(
                                getRuntimeContext().getJobInfo().getJobId().toString(),
                                k -> new ConcurrentHashMap<>())
                        .put(
                                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                                Map.entry(checkpointId, log));
                c.completed.accumulateAndGet(checkpointId, Math::max);
            }
        }
    }
}

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
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Bootstrap from a table that already holds 20,000 tasks over 200 lists, written before its stream
 * was turned on, on moto, a real Elasticsearch node and a MiniCluster. Traffic updates, deletes and
 * re-inserts pre-loaded tasks while the job scans; a failure is injected in the middle of the scan,
 * after a checkpoint; a fifth of the Scan calls are throttled. The aggregate table, the aggregate
 * documents and the item index must then equal a fresh scan of the table, and the Scan calls must
 * show the scan resumed from its checkpoint instead of starting over; a TaskManager lost after the
 * scan ended must not make the job scan again. The same setup without bootstrap must converge to
 * counts that leave out every pre-loaded task the traffic never touched: the comparison can fail.
 */
class BootstrapITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    private static final int PRELOADED = 20_000;
    private static final int LISTS = 200;
    private static final int OPERATIONS = 4_000;
    private static final Duration CONVERGE = Duration.ofSeconds(240);

    /** Failures injected by {@link FailDuringScan}, by test: each fires once, across restarts. */
    private static final Map<String, AtomicBoolean> FIRED = new ConcurrentHashMap<>();

    /** Scan records seen before the injected failure, by test. */
    private static final Map<String, AtomicLong> SCANNED_AT_FAILURE = new ConcurrentHashMap<>();

    /** A table filled before its stream existed, its workload and the job's config. */
    private static final class Setup {
        final String name;
        final String source;
        final String counts;
        final String countIndex;
        final String itemIndex;
        final TaskWorkload workload;
        final Map<String, String> props;

        Setup(String name, Path deadLetters) {
            this.name = name;
            source = name + "Tasks";
            counts = name + "Counts";
            countIndex = name.toLowerCase() + "-counts";
            itemIndex = name.toLowerCase() + "-tasks";
            TodoTables.createSourceTableWithoutStream(SERVICES.ddb(), source);
            workload = new TaskWorkload(SERVICES.ddb(), source, LISTS, name.hashCode());
            long t0 = System.nanoTime();
            workload.preload(PRELOADED);
            System.out.printf(
                    "[%s] pre-loaded %d items in %.1f s%n",
                    name, PRELOADED, (System.nanoTime() - t0) / 1e9);
            TodoTables.enableStream(SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
            TodoTables.createAggregateTable(SERVICES.ddb(), counts);
            props = SERVICES.services().testJobProperties(name, deadLetters);
        }

        JobClient start(JobConfig c, java.util.function.UnaryOperator<RecordSource> wrap)
                throws Exception {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            StreamSyncPipeline.configureEnvironment(env, c);
            StreamSyncPipeline.define(
                    env,
                    c,
                    wrap.apply(RecordSources.fromConfig(c, Startup.prepare(c))),
                    PipelineSinks.fromConfig(c));
            return env.executeAsync(name);
        }

        Thread traffic() {
            Thread t = new Thread(() -> workload.run(OPERATIONS), name + "-traffic");
            t.start();
            return t;
        }

        String check() throws Exception {
            return GroundTruth.check(
                    SERVICES.ddb(), source, counts, SERVICES.search(), countIndex, itemIndex);
        }
    }

    @Test
    void countsAndIndexEqualTheTableAfterAScanWithTrafficAFailureAndThrottling(
            @TempDir Path dir, @InjectMiniCluster MiniCluster cluster) throws Exception {
        Setup s = new Setup("boot", dir);
        String key = s.name;
        try (FaultyDynamoDbProxy proxy =
                new FaultyDynamoDbProxy(SERVICES.services().dynamoDb.endpoint())) {
            s.props.put("aws.endpoint", proxy.endpoint().toString());
            s.props.put("bootstrap.mode", "scan");
            s.props.put("bootstrap.scan.segments", "16");
            s.props.put("bootstrap.scan.page.size", "100");
            // paced so that the scan takes long enough for traffic and a failure after a checkpoint
            // to fall inside it
            s.props.put("bootstrap.scan.read.units.per.second", "60");
            s.props.put("bootstrap.scan.progress.interval.ms", "2000");
            proxy.throttleScans(0.2);
            JobConfig c = JobConfig.from(s.props);
            Thread traffic = s.traffic();
            long started = System.nanoTime();
            JobClient job =
                    s.start(
                            c,
                            src ->
                                    env ->
                                            src.create(env)
                                                    .map(new FailDuringScan(key, PRELOADED / 2 / 2))
                                                    .returns(Types.POJO(RawRecord.class))
                                                    .uid("fail-during-scan"));
            try {
                traffic.join();
                Poll.until(CONVERGE, s::check);
                double seconds = (System.nanoTime() - started) / 1e9;
                long mostItems = PRELOADED + s.workload.created(); // the table never held more
                System.out.printf(
                        "[%s] exact after %.1f s; Scan calls %d (%d throttled), items returned %d;"
                                + " failure after %d scan records; traffic %d operations%n",
                        key,
                        seconds,
                        proxy.scans.get(),
                        proxy.scansThrottled.get(),
                        proxy.scannedItems.get(),
                        SCANNED_AT_FAILURE.get(key).get(),
                        OPERATIONS);
                assertThat(FIRED.get(key).get()).as("the failure was injected").isTrue();
                assertThat(SCANNED_AT_FAILURE.get(key).get())
                        .as("in the middle of the scan")
                        .isBetween((long) PRELOADED / 4, (long) PRELOADED);
                assertThat(proxy.scansThrottled.get())
                        .as("throttled Scan calls retried")
                        .isGreaterThan(5);
                // starting over after the failure would return the whole table again on top of the
                // items read
                // before it (at least PRELOADED / 4); resuming re-reads only the pages since the
                // last checkpoint
                assertThat(proxy.scannedItems.get())
                        .as("the scan resumed from its checkpoint")
                        .isBetween((long) PRELOADED - OPERATIONS, mostItems + PRELOADED / 8);

                // a failure after the scan ended: the job recovers and goes on, but never scans
                // again
                long scansBefore = proxy.scans.get();
                // two checkpoints completed from now on: at least one began after the scan's end
                FLINK.awaitCheckpoints(job.getJobID(), 2, Duration.ofSeconds(60));
                FLINK.loseTaskManager(cluster);
                s.workload.run(300);
                Poll.until(CONVERGE, s::check);
                assertThat(proxy.scans.get())
                        .as("Scan calls after a restart that followed the scan's end")
                        .isEqualTo(scansBefore);
            } finally {
                job.cancel().get();
            }
        }
    }

    /**
     * Why bootstrap exists, shown once: 49 s of the default verify, so it runs with {@code
     * -Dharness.all=true} (the default build's verify stays under 20 minutes on 2 cores).
     */
    @Test
    void withoutBootstrapTheCountsMissEveryTaskTheStreamNeverSaw(@TempDir Path dir)
            throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Boolean.getBoolean("harness.all"), "runs with -Dharness.all=true");
        Setup s = new Setup("noboot", dir);
        JobConfig c = JobConfig.from(s.props);
        Thread traffic = s.traffic();
        JobClient job = s.start(c, src -> src);
        try {
            traffic.join();
            // what a stream-only job must converge to: per list, the live tasks the traffic wrote
            // or deleted
            Map<String, Long> streamOnly = new TreeMap<>();
            long untouchedLive = 0;
            for (Map<String, AttributeValue> item : TodoTables.scan(SERVICES.ddb(), s.source)) {
                String list = item.get("listId").s();
                if (s.workload.touched().contains(list + "\u0000" + item.get("taskId").s())) {
                    streamOnly.merge(list, 1L, Long::sum);
                } else {
                    untouchedLive++;
                    streamOnly.putIfAbsent(list, 0L);
                }
            }
            Poll.until(
                    CONVERGE,
                    () ->
                            GroundTruth.compareCounts(
                                    "stream-only counts",
                                    streamOnly,
                                    TodoTables.aggregateCounts(SERVICES.ddb(), s.counts)));
            String problem = s.check();
            System.out.printf(
                    "[%s] without bootstrap: %d live pre-loaded tasks never counted; check says: %s%n",
                    s.name, untouchedLive, problem);
            assertThat(untouchedLive).isGreaterThan(PRELOADED / 2);
            assertThat(problem)
                    .as("the ground-truth comparison fails without bootstrap")
                    .isNotNull()
                    .contains("aggregate table");
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Throws once, across restarts, when its subtask has passed {@code at} scan records and seen a
     * checkpoint complete: the failure falls in the middle of the scan with a scan position to
     * resume from.
     */
    static final class FailDuringScan extends RichMapFunction<RawRecord, RawRecord>
            implements CheckpointListener {
        private static final long serialVersionUID = 1L;
        private final String key;
        private final long at;
        private long scanned;
        private boolean checkpointed;

        FailDuringScan(String key, long at) {
            this.key = key;
            this.at = at;
        }

        @Override
        public RawRecord map(RawRecord r) {
            AtomicBoolean fired = FIRED.computeIfAbsent(key, k -> new AtomicBoolean());
            if (r.shardId != null && r.shardId.startsWith("table-scan/")) {
                scanned++;
                if (!fired.get()) {
                    SCANNED_AT_FAILURE
                            .computeIfAbsent(key, k -> new AtomicLong())
                            .incrementAndGet();
                }
            }
            if (scanned >= at && checkpointed && !fired.get() && fired.compareAndSet(false, true)) {
                throw new IllegalStateException(
                        "injected failure during the bootstrap scan (" + key + ")");
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointed = true;
        }
    }
}

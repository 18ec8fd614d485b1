package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.aggregate.AggregateState;
import io.streamsync.aggregate.ListMeta;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.OperatorIds;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.TodoTables;
import io.streamsync.upgrade.FixtureSource;
import io.streamsync.upgrade.GoldenSavepoint;
import io.streamsync.upgrade.SavepointFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every golden savepoint committed under src/test/resources/savepoints/ (one per release, made by
 * {@code mvn -Pgolden-savepoint}) must still be readable and restorable by the current code: the
 * State Processor API reads its per-list counts, and the current job restored from it counts on
 * exactly.
 */
class SavepointCompatibilityITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    private static final SavepointFixture FIXTURE = new SavepointFixture();

    static List<Path> goldenSavepoints() throws Exception {
        try (Stream<Path> dirs = Files.list(Path.of("src/test/resources/savepoints"))) {
            List<Path> found =
                    dirs.filter(d -> Files.exists(d.resolve("_metadata")))
                            .sorted()
                            .collect(Collectors.toList());
            assertThat(found).as("committed golden savepoints").isNotEmpty();
            return found;
        }
    }

    @Test
    void theStateProcessorApiReadsTheCountsOfEveryGoldenSavepoint() throws Exception {
        for (Path savepoint : goldenSavepoints()) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            SavepointReader reader =
                    SavepointReader.read(
                            env, savepoint.toUri().toString(), new HashMapStateBackend());
            Map<String, Long> counts = new TreeMap<>();
            try (CloseableIterator<Tuple2<String, Long>> it =
                    reader.readKeyedState(
                                    OperatorIdentifier.forUid(OperatorIds.AGGREGATE.uid()),
                                    new CountReader())
                            .executeAndCollect()) {
                it.forEachRemaining(t -> counts.put(t.f0, t.f1));
            }
            assertThat(
                            GroundTruth.compareCounts(
                                    savepoint.toString(), FIXTURE.countsBefore, counts))
                    .isNull();
            assertThat(counts).isNotEmpty();
        }
    }

    @Test
    void everyGoldenSavepointRestoresIntoTheCurrentJobWhichCountsOnExactly(@TempDir Path dir)
            throws Exception {
        for (Path savepoint : goldenSavepoints()) {
            JobConfig c =
                    GoldenSavepoint.config(
                            SERVICES.services(),
                            dir.resolve("dl"),
                            Map.of(
                                    "sink.dynamodb.table",
                                    "restored"
                                            + savepoint.getFileName().toString().replace(".", "")));
            GoldenSavepoint.prepare(SERVICES.services(), c);
            JobClient job = restore(c, savepoint, false);
            try {
                Poll.until(
                        Duration.ofSeconds(120),
                        () ->
                                GroundTruth.compareCounts(
                                        "aggregate table",
                                        FIXTURE.countsAfter,
                                        TodoTables.aggregateCounts(
                                                SERVICES.ddb(), c.aggregateTable)));
            } finally {
                job.cancel().get();
            }
        }
    }

    @Test
    void aJobWithoutAnOperatorOfTheSavepointNeedsAllowNonRestoredState(@TempDir Path dir)
            throws Exception {
        Path savepoint = goldenSavepoints().get(0);
        JobConfig noSearch =
                GoldenSavepoint.config(
                        SERVICES.services(),
                        dir.resolve("dl"),
                        Map.of(
                                "sink.search.enabled",
                                "false",
                                "sink.dynamodb.table",
                                "droppedOperator"));
        GoldenSavepoint.prepare(SERVICES.services(), noSearch);
        // Flink names the operator by its hash, which is derived from the uid
        List<String> droppedHashes =
                Stream.of(
                                OperatorIds.AGGREGATE_DOCUMENTS,
                                OperatorIds.ITEM_DOCUMENTS,
                                OperatorIds.SEARCH_SINK)
                        .map(o -> OperatorIdentifier.forUid(o.uid()).getOperatorId().toHexString())
                        .collect(Collectors.toList());
        assertThatThrownBy(() -> restore(noSearch, savepoint, false).getJobExecutionResult().get())
                .hasStackTraceContaining("allowNonRestoredState")
                .satisfies(e -> assertThat(droppedHashes).anyMatch(h -> stackTrace(e).contains(h)));

        JobClient job = restore(noSearch, savepoint, true);
        try {
            Poll.until(
                    Duration.ofSeconds(120),
                    () ->
                            GroundTruth.compareCounts(
                                    "aggregate table",
                                    FIXTURE.countsAfter,
                                    TodoTables.aggregateCounts(
                                            SERVICES.ddb(), noSearch.aggregateTable)));
        } finally {
            job.cancel().get();
        }
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    private static JobClient restore(JobConfig c, Path savepoint, boolean allowNonRestoredState)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint.toUri().toString());
        conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, allowNonRestoredState);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(
                env, c, new FixtureSource(FIXTURE.after), PipelineSinks.fromConfig(c));
        return env.executeAsync("restored from " + savepoint.getFileName());
    }

    /**
     * Reads each list's count from the aggregation's state, through the same descriptor the job
     * uses.
     */
    static final class CountReader extends KeyedStateReaderFunction<String, Tuple2<String, Long>> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<ListMeta> meta;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
            meta = getRuntimeContext().getState(AggregateState.meta());
        }

        @Override
        public void readKey(String list, Context ctx, Collector<Tuple2<String, Long>> out)
                throws Exception {
            ListMeta m = meta.value();
            if (m != null) {
                out.collect(Tuple2.of(list, m.taskCount));
            }
        }
    }
}

package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GoldenReplay;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.ReportedMetrics;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TestJobs;
import io.streamsync.testing.WindowTruth;
import io.streamsync.upgrade.ChangeStreamSavepoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every committed golden savepoint of the job with the change-stream source
 * (src/test/resources/upgrade/*-change-stream, made by {@code ChangeStreamSavepoint}) restores into
 * the current job, source state included (the enumerator's lineage and the readers' shard
 * positions, in our versioned serializers), without --allowNonRestoredState: on a replay of its
 * stream with the outputs its job published, the restored source goes on from its position (no
 * record read twice: the sequence guard ignores none) and after more traffic the outputs equal a
 * scan.
 */
class ChangeStreamSavepointITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    static List<Path> goldenSavepoints() throws Exception {
        try (Stream<Path> dirs = Files.list(Path.of("src/test/resources/upgrade"))) {
            List<Path> found =
                    dirs.filter(d -> d.getFileName().toString().endsWith("-change-stream"))
                            .filter(d -> Files.exists(d.resolve("_metadata")))
                            .sorted()
                            .collect(Collectors.toList());
            assertThat(found)
                    .as("committed golden savepoints with the change-stream source")
                    .isNotEmpty();
            return found;
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyGoldenSavepointWithTheChangeStreamSourceRestoresItsPositionsAndCountsOnExactly(
            @TempDir Path dir) throws Exception {
        int round = 0;
        for (Path golden : goldenSavepoints()) {
            String name = ChangeStreamSavepoint.NAME; // the names the savepoint's job wrote to
            if (round++
                    > 0) { // one golden per round on fresh tables: drop what an earlier round left
                SERVICES.ddb().deleteTable(b -> b.tableName(name + "Tasks"));
                SERVICES.ddb().deleteTable(b -> b.tableName(name + "Counts"));
                for (String index : new String[] {"-counts", "-tasks", "-windows"}) {
                    SERVICES.search().delete("/" + name + index + "?ignore_unavailable=true");
                }
            }
            GoldenReplay world =
                    GoldenReplay.of(SERVICES, golden, name, dir.resolve("dl-" + round));
            JobConfig c = world.config;
            String streamArn = world.streamArn;
            TaskWorkload workload = world.traffic;

            workload.run(100); // written while no job runs
            JobClient restored =
                    TestJobs.start(
                            c,
                            RecordSources.changeStream(c, streamArn),
                            golden.toUri().toString(),
                            false,
                            "restored " + golden.getFileName());
            try {
                workload.run(150);
                Poll.until(Duration.ofSeconds(120), world::check);
                if (world.workload.has("windowsBeforeSavepoint")) {
                    // windows open in the savepoint are published with the counts they had, later
                    // ones from the replay
                    java.util.Map<String, long[]> expected = world.expectedWindows();
                    assertThat(world.workload.get("openWindowsAtSavepoint").asInt()).isPositive();
                    Poll.until(
                            Duration.ofSeconds(60),
                            () ->
                                    WindowTruth.compare(
                                            expected,
                                            WindowTruth.fromIndex(
                                                    SERVICES.search(),
                                                    world.windowsIndex,
                                                    "listId")));
                }
                ReportedMetrics reported = FLINK.reported(restored.getJobID());
                assertThat(reported.sum("duplicateOrOutdatedIgnored"))
                        .as(
                                "%s: the source went on from its position (from TRIM_HORIZON it would ignore >= %s)",
                                golden, world.workload.get("liveItems").asText())
                        .isZero();
                long recordedAfter =
                        world.workload.has("recordsBeforeSavepoint")
                                ? world.workload.get("streamRecords").asLong()
                                        - world.workload.get("recordsBeforeSavepoint").asLong()
                                : 0;
                assertThat(reported.sum("recordsRead"))
                        .as("only the records written after the savepoint were read")
                        .isLessThanOrEqualTo(recordedAfter + 250);
            } finally {
                restored.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }
}

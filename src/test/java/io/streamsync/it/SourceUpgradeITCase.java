package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GoldenReplay;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.ReportedMetrics;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TestJobs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade from 0.1.0's source to the change-stream source, end to end on moto, from the
 * committed golden savepoint of the 0.1.0 job with its own source: flink-connector-kinesis'
 * DynamoDB Streams consumer, Kryo state under uid {@code dynamodb-stream-source} (made once by
 * {@code LegacySourceSavepoint}, see the README's Upgrade section). Next to it are the outputs that
 * job had published and the workload it had read; moto numbers a fresh table's stream records from
 * a fixed value, so replaying that workload here recreates the stream the savepoint points into,
 * with the same sequence numbers.
 *
 * <p>Without --allowNonRestoredState the restore is refused (the old source's state has no
 * operator); with it, the aggregation's state is kept (the replayed records are ignored by the
 * sequence guard, which a fresh state would not do), the new source reads from TRIM_HORIZON, and
 * after more traffic, including writes made while no job ran, the outputs equal a scan of the
 * table.
 */
class SourceUpgradeITCase {
    private static final Path GOLDEN = Path.of("src/test/resources/upgrade/0.1.0-dynamodb-streams");
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void theGoldenSavepointOfTheLegacySourceRestoresIntoTheNewSourceWithExactCounts(
            @TempDir Path dir) throws Exception {
        GoldenReplay world =
                GoldenReplay.of(
                        SERVICES,
                        GOLDEN,
                        "legacy",
                        dir.resolve("dead-letters")); // the names its job wrote to
        JobConfig c = world.config;
        String streamArn = world.streamArn;
        TaskWorkload workload = world.traffic;

        String savepoint = GOLDEN.toUri().toString();
        assertThatThrownBy(
                        () ->
                                TestJobs.start(
                                                c,
                                                RecordSources.changeStream(c, streamArn),
                                                savepoint,
                                                false,
                                                "refused")
                                        .getJobExecutionResult()
                                        .get(2, TimeUnit.MINUTES))
                .as("the old source's state has no operator in the new job")
                .hasStackTraceContaining("allowNonRestoredState");

        workload.run(200); // written while no job runs
        JobClient upgraded =
                TestJobs.start(
                        c, RecordSources.changeStream(c, streamArn), savepoint, true, "upgraded");
        try {
            workload.run(300);
            Poll.until(Duration.ofSeconds(120), world::check);
            // every live item of the savepoint has at least one record in the replay, which only a
            // kept state ignores
            assertThat(ignoredAsOutdated(upgraded))
                    .as("records ignored by the sequence guard of the restored state")
                    .isGreaterThanOrEqualTo(world.workload.get("liveItems").asLong());
        } finally {
            upgraded.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    private static long ignoredAsOutdated(JobClient job) {
        ReportedMetrics reported = FLINK.reported(job.getJobID());
        assertThat(reported.published("duplicateOrOutdatedIgnored"))
                .as("one per aggregate subtask")
                .hasSize(2);
        return reported.sum("duplicateOrOutdatedIgnored");
    }
}

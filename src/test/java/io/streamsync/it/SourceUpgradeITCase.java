package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.bench.legacy.LegacyDynamoDbStreamsSource;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.Startup;
import io.streamsync.source.RecordSource;
import io.streamsync.source.RecordSources;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The upgrade from 0.1.0's source (flink-connector-kinesis' DynamoDB Streams consumer, Kryo state under uid
 * {@code dynamodb-stream-source}) to the change-stream source, end to end on moto: the old job runs, is
 * stopped with a savepoint mid-traffic, and the new job restores from it. Without --allowNonRestoredState
 * the restore is refused (the old source's state has no operator); with it, the aggregation's state is kept,
 * the new source reads from TRIM_HORIZON, the sequence guard makes the replay harmless, and the outputs equal
 * a scan of the table after more traffic.
 */
class SourceUpgradeITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aSavepointOfTheLegacySourceRestoresIntoTheNewSourceWithExactCounts(@TempDir Path dir) throws Exception {
        String name = "upgrade";
        String source = name + "Tasks";
        String counts = name + "Counts";
        TodoTables.createSourceTable(SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), counts);
        Map<String, String> props = SERVICES.services().testJobProperties(name, dir.resolve("dead-letters"));
        JobConfig c = JobConfig.from(props);

        String streamArn = Startup.prepare(c); // checks, and creates the indices with their mappings
        JobClient legacy = start(c, new LegacyDynamoDbStreamsSource(c, streamArn), null, false);
        TaskWorkload workload = new TaskWorkload(SERVICES.ddb(), source, 12, 11L);
        workload.run(400);
        Poll.until(Duration.ofSeconds(120), () -> GroundTruth.check(SERVICES.ddb(), source, counts, SERVICES.search(),
                name + "-counts", name + "-tasks"));
        workload.run(200); // the savepoint is taken while these are being read
        String savepoint = legacy.stopWithSavepoint(false, dir.resolve("sp").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(3, TimeUnit.MINUTES);

        assertThatThrownBy(() -> start(c, RecordSources.changeStream(c, Startup.prepare(c)), savepoint, false)
                .getJobExecutionResult().get(2, TimeUnit.MINUTES))
                .as("the old source's state has no operator in the new job")
                .hasStackTraceContaining("allowNonRestoredState");

        workload.run(200); // written while no job runs
        JobClient upgraded = start(c, RecordSources.changeStream(c, Startup.prepare(c)), savepoint, true);
        try {
            workload.run(300);
            Poll.until(Duration.ofSeconds(120), () -> GroundTruth.check(SERVICES.ddb(), source, counts, SERVICES.search(),
                    name + "-counts", name + "-tasks"));
            assertThat(workload.operations()).isEqualTo(1100);
        } finally {
            upgraded.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    private static JobClient start(JobConfig c, RecordSource source, String savepoint, boolean allowNonRestoredState)
            throws Exception {
        return io.streamsync.testing.TestJobs.start(c, source, savepoint, allowNonRestoredState, "upgrade");
    }
}

package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.Startup;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSources;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.OutputsSnapshot;
import io.streamsync.testing.Poll;
import io.streamsync.testing.ReportedMetrics;
import io.streamsync.testing.StreamCapture;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TestJobs;
import io.streamsync.testing.TodoTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The upgrade from 0.1.0's source to the change-stream source, end to end on moto, from the committed golden
 * savepoint of the 0.1.0 job with its own source: flink-connector-kinesis' DynamoDB Streams consumer, Kryo
 * state under uid {@code dynamodb-stream-source} (made once by {@code LegacySourceSavepoint}, see the README's
 * Upgrade section). Next to it are the outputs that job had published and the workload it had read; moto
 * numbers a fresh table's stream records from a fixed value, so replaying that workload here recreates the
 * stream the savepoint points into, with the same sequence numbers.
 *
 * <p>Without --allowNonRestoredState the restore is refused (the old source's state has no operator); with
 * it, the aggregation's state is kept (the replayed records are ignored by the sequence guard, which a fresh
 * state would not do), the new source reads from TRIM_HORIZON, and after more traffic, including writes made
 * while no job ran, the outputs equal a scan of the table.
 */
class SourceUpgradeITCase {
    private static final Path GOLDEN = Path.of("src/test/resources/upgrade/0.1.0-dynamodb-streams");
    private static final InMemoryReporter METRICS = InMemoryReporter.create();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void theGoldenSavepointOfTheLegacySourceRestoresIntoTheNewSourceWithExactCounts(@TempDir Path dir) throws Exception {
        JsonNode golden = io.streamsync.change.ChangeRecordParser.newMapper().readTree(GOLDEN.resolve("outputs.json").toFile());
        JsonNode made = golden.get("workload");
        String name = "legacy"; // the names the savepoint's job wrote to
        String source = name + "Tasks";
        String counts = name + "Counts";
        TodoTables.createSourceTable(SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), counts);
        JobConfig c = JobConfig.from(SERVICES.services().testJobProperties(name, dir.resolve("dead-letters")));
        String streamArn = Startup.prepare(c); // checks, and creates the indices with their mappings
        OutputsSnapshot.load(SERVICES.ddb(), SERVICES.search(), golden);

        TaskWorkload workload = new TaskWorkload(SERVICES.ddb(), source, made.get("lists").asInt(), made.get("seed").asLong());
        workload.run(made.get("operations").asInt());
        try (DynamoDbStreamsClient streams = SERVICES.services().dynamoDb.streamsClient()) {
            List<RawRecord> replayed = StreamCapture.readAll(streams, streamArn);
            assertThat(replayed).as("the replayed stream").hasSize(made.get("streamRecords").asInt());
            assertThat(replayed.get(replayed.size() - 1).sequenceNumber).isEqualTo(made.get("lastSequenceNumber").asText());
        }
        assertThat(GroundTruth.check(SERVICES.ddb(), source, counts, SERVICES.search(), name + "-counts", name + "-tasks"))
                .as("the 0.1.0 job's outputs equal the replayed table").isNull();

        String savepoint = GOLDEN.toUri().toString();
        assertThatThrownBy(() -> TestJobs.start(c, RecordSources.changeStream(c, streamArn), savepoint, false, "refused")
                .getJobExecutionResult().get(2, TimeUnit.MINUTES))
                .as("the old source's state has no operator in the new job")
                .hasStackTraceContaining("allowNonRestoredState");

        workload.run(200); // written while no job runs
        JobClient upgraded = TestJobs.start(c, RecordSources.changeStream(c, streamArn), savepoint, true, "upgraded");
        try {
            workload.run(300);
            Poll.until(Duration.ofSeconds(120), () -> GroundTruth.check(SERVICES.ddb(), source, counts, SERVICES.search(),
                    name + "-counts", name + "-tasks"));
            // every live item of the savepoint has at least one record in the replay, which only a kept state ignores
            assertThat(ignoredAsOutdated(upgraded)).as("records ignored by the sequence guard of the restored state")
                    .isGreaterThanOrEqualTo(made.get("liveItems").asLong());
        } finally {
            upgraded.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    private static long ignoredAsOutdated(JobClient job) {
        ReportedMetrics reported = new ReportedMetrics(METRICS, job.getJobID());
        assertThat(reported.published("duplicateOrOutdatedIgnored")).as("one per aggregate subtask").hasSize(2);
        return reported.sum("duplicateOrOutdatedIgnored");
    }
}

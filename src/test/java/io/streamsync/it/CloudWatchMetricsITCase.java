package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.ReportedMetrics;
import io.streamsync.testing.StreamCapture;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TestJobs;
import io.streamsync.testing.TodoTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The metrics the README lists for CloudWatch are registered where Managed Service for Apache Flink
 * publishes them (the {@code kinesisanalytics} group), by the running job on moto and
 * Elasticsearch, with values that agree with the stream; per-shard metrics and histograms stay out
 * of that group.
 */
class CloudWatchMetricsITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    /**
     * The README's CloudWatch metrics table, by operator: each must be published by the running
     * job.
     */
    static final List<String> PUBLISHED =
            List.of(
                    // source (readers and enumerator)
                    "recordsRead",
                    "getRecordsCalls",
                    "throttles",
                    "retries",
                    "expiredIterators",
                    "trimmedDataGaps",
                    "millisBehindLatest",
                    "shards",
                    "writeToReadLatencyP50Ms",
                    "writeToReadLatencyP99Ms",
                    "shardsAssigned",
                    "shardsFinished",
                    "shardListings",
                    "shardsWaiting",
                    "shardsReading",
                    // parse and aggregate
                    "deadLetters",
                    "eventsFilteredOut",
                    "duplicateOrOutdatedIgnored",
                    "aggregatesEmitted",
                    "removeOfUnknownItem",
                    "windowsPublished",
                    "windowDuplicatesIgnored",
                    "lateChanges",
                    // committing sinks
                    "statesPending",
                    "statesPublished",
                    "lastCommitDurationMs",
                    "aggregateWrites",
                    "aggregateWritesRetried",
                    "searchDocumentsWritten",
                    "searchDocumentsRejected",
                    "searchWritesRetried",
                    "searchVersionConflicts");

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void theRunningJobPublishesItsMetricsInTheGroupMsfSendsToCloudWatch(@TempDir Path dir)
            throws Exception {
        String name = "metrics";
        String source = name + "Tasks";
        String streamArn =
                TodoTables.createSourceTable(
                        SERVICES.ddb(), source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), name + "Counts");
        Map<String, String> props =
                SERVICES.services().testJobProperties(name, dir.resolve("dead-letters"));
        JobClient job = TestJobs.start(props, 0, null, name);
        try {
            new TaskWorkload(SERVICES.ddb(), source, 5, 3L).run(60);
            Poll.until(
                    Duration.ofSeconds(90),
                    () ->
                            GroundTruth.check(
                                    SERVICES.ddb(),
                                    source,
                                    name + "Counts",
                                    SERVICES.search(),
                                    name + "-counts",
                                    name + "-tasks"));
            long streamRecords;
            try (DynamoDbStreamsClient streams = SERVICES.services().dynamoDb.streamsClient()) {
                streamRecords = StreamCapture.readAll(streams, streamArn).size();
            }
            Poll.until(
                    Duration.ofSeconds(30),
                    () -> {
                        ReportedMetrics m = FLINK.reported(job.getJobID());
                        List<String> missing =
                                PUBLISHED.stream()
                                        .filter(n -> m.published(n).isEmpty())
                                        .collect(java.util.stream.Collectors.toList());
                        return missing.isEmpty()
                                ? null
                                : "not in the kinesisanalytics group: " + missing;
                    });
            ReportedMetrics m = FLINK.reported(job.getJobID());
            assertThat(m.sum("recordsRead")).isEqualTo(streamRecords);
            assertThat(m.sum("shardsAssigned")).isEqualTo(1); // moto: one shard per table
            assertThat(m.sum("shardsReading")).isEqualTo(1);
            assertThat(m.sum("deadLetters")).isZero();
            assertThat(m.sum("searchDocumentsRejected")).isZero();
            // values, not presence: what this workload on moto must give
            long rows = TodoTables.scan(SERVICES.ddb(), name + "Counts").size();
            long items = TodoTables.scan(SERVICES.ddb(), source).size();
            assertThat(m.sum("aggregateWrites"))
                    .as("aggregate rows written, at least each of the %d rows once", rows)
                    .isGreaterThanOrEqualTo(rows);
            assertThat(m.sum("searchDocumentsWritten"))
                    .as("documents written: at least the %d items and %d aggregates", items, rows)
                    .isGreaterThanOrEqualTo(items + rows);
            assertThat(m.sum("aggregatesEmitted")).isGreaterThanOrEqualTo(rows);
            assertThat(m.sum("statesPublished"))
                    .as("states published: each row and document at least once")
                    .isGreaterThanOrEqualTo(items + 2 * rows);
            assertThat(m.sum("getRecordsCalls")).isGreaterThanOrEqualTo(1);
            assertThat(m.sum("shards")).as("moto: one shard per table").isEqualTo(1);
            for (String none :
                    List.of(
                            "throttles",
                            "expiredIterators",
                            "trimmedDataGaps",
                            "lateChanges",
                            "removeOfUnknownItem")) {
                assertThat(m.sum(none)).as(none).isZero();
            }
            assertThat(m.perShardPublished())
                    .as("per-shard metrics in the published group")
                    .isZero();
            assertThat(m.published("writeToReadLatencyMs"))
                    .as("histograms (CloudWatch takes none)")
                    .isEmpty();
            assertThat(m.all().keySet())
                    .anyMatch(id -> id.endsWith(".writeToReadLatencyMs")) // still in Flink's UI
                    .anyMatch(id -> id.contains("shardId") && id.endsWith(".millisBehindLatest"));
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }
    }
}

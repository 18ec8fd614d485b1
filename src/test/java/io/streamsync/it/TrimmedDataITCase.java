package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import io.streamsync.testing.TrimmingStreamsProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * A job restored after the stream has trimmed its position (a proxy in front of moto answers
 * TrimmedDataAccessException to GetShardIterator AFTER_SEQUENCE_NUMBER, as DynamoDB Streams does
 * for a position older than 24 h). With {@code source.on.trimmed.data=fail} the job fails, naming
 * the shard, the sequence number and the option; with {@code continue} it goes on from
 * TRIM_HORIZON, writes the gap as a dead letter naming the shard, and (moto kept everything, so the
 * replay is complete) stays exact.
 */
class TrimmedDataITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.retainingMetrics();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    /**
     * Runs the job through the proxy until exact, stops it with a savepoint, and returns the
     * savepoint.
     */
    private static String runAndStop(
            Map<String, String> props, TaskWorkload workload, String name, Path dir)
            throws Exception {
        JobClient job = start(props, null);
        workload.run(300);
        Poll.until(Duration.ofSeconds(120), () -> check(name));
        return job.stopWithSavepoint(
                        false, dir.resolve("sp").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(3, TimeUnit.MINUTES);
    }

    private static String check(String name) throws Exception {
        return GroundTruth.check(
                SERVICES.ddb(),
                name + "Tasks",
                name + "Counts",
                SERVICES.search(),
                name.toLowerCase() + "-counts",
                name.toLowerCase() + "-tasks");
    }

    private static Map<String, String> props(
            String name, Path dir, TrimmingStreamsProxy proxy, String policy) {
        Map<String, String> props =
                SERVICES.services().testJobProperties(name, dir.resolve("dead-letters"));
        props.put("aws.endpoint", proxy.endpoint().toString());
        props.put("source.on.trimmed.data", policy);
        // a few restarts: when a task fails while the coordinator sends it an event (a split, the
        // idle signal), Flink
        // fails the task over once more "to ensure consistency"; with one restart that extra
        // failover could be the
        // failure the job ends with instead of the trimmed data (seen on Flink 2.2)
        props.put("restart.attempts", "3");
        props.put("restart.delay.ms", "200");
        return props;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void withFailTheRestoredJobFailsNamingShardSequenceNumberAndTheOption(@TempDir Path dir)
            throws Exception {
        String name = "trimFail";
        TodoTables.createSourceTable(
                SERVICES.ddb(), name + "Tasks", StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), name + "Counts");
        try (TrimmingStreamsProxy proxy =
                new TrimmingStreamsProxy(SERVICES.services().dynamoDb.endpoint())) {
            Map<String, String> props = props(name, dir, proxy, "fail");
            TaskWorkload workload = new TaskWorkload(SERVICES.ddb(), name + "Tasks", 8, 3L);
            String savepoint = runAndStop(props, workload, name, dir);
            proxy.trim(true);
            JobClient restored = start(props, savepoint);
            assertThatThrownBy(() -> restored.getJobExecutionResult().get(2, TimeUnit.MINUTES))
                    .hasStackTraceContaining("can no longer be read after sequence number")
                    .hasStackTraceContaining("shardId-")
                    .hasStackTraceContaining(
                            "changes written after 20") // the last record's creation time, kept in
                    // the split
                    .hasStackTraceContaining("are lost")
                    .hasStackTraceContaining("source.on.trimmed.data=continue");
            // the trimmed position was asked for, and at most once per attempt of the restored job
            // (the first and each restart): a trimmed answer is not retried, it fails the attempt
            long attempts = FLINK.jobMetric(restored.getJobID(), "numRestarts") + 1;
            assertThat(attempts).as("attempts of the restored job").isPositive();
            assertThat(proxy.refused.get())
                    .as("trimmed answers, at most one per attempt of the %d", attempts)
                    .isBetween(1L, attempts);
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void withContinueTheGapIsADeadLetterAndTheJobGoesOnFromTheTrimHorizon(@TempDir Path dir)
            throws Exception {
        String name = "trimGo";
        TodoTables.createSourceTable(
                SERVICES.ddb(), name + "Tasks", StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), name + "Counts");
        try (TrimmingStreamsProxy proxy =
                new TrimmingStreamsProxy(SERVICES.services().dynamoDb.endpoint())) {
            Map<String, String> props = props(name, dir, proxy, "continue");
            TaskWorkload workload = new TaskWorkload(SERVICES.ddb(), name + "Tasks", 8, 4L);
            String savepoint = runAndStop(props, workload, name, dir);
            proxy.trim(true);
            JobClient restored = start(props, savepoint);
            try {
                workload.run(200);
                Poll.until(Duration.ofSeconds(120), () -> check(name));
                Poll.until(
                        Duration.ofSeconds(30),
                        () ->
                                gapLetters(dir.resolve("dead-letters")).isEmpty()
                                        ? "no dead letter for the gap yet"
                                        : null);
                List<JsonNode> gaps = gapLetters(dir.resolve("dead-letters"));
                assertThat(gaps).hasSize(1);
                assertThat(gaps.get(0).get("reason").asText())
                        .contains("trimmed-data gap")
                        .contains("after sequence number")
                        .contains("went on from TRIM_HORIZON");
                assertThat(gaps.get(0).get("shardId").asText()).startsWith("shardId-");
                assertThat(restored.getJobStatus().get().isGloballyTerminalState()).isFalse();
            } finally {
                restored.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }

    private static List<JsonNode> gapLetters(Path dir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(dir)) {
            return out;
        }
        ObjectMapper mapper = new ObjectMapper();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f :
                    files.filter(
                                    p ->
                                            Files.isRegularFile(p)
                                                    && p.getFileName()
                                                            .toString()
                                                            .startsWith("dead-letters"))
                            .collect(Collectors.toList())) {
                for (String line : Files.readAllLines(f)) {
                    JsonNode letter = mapper.readTree(line);
                    if (letter.path("reason").asText().contains("trimmed-data gap")) {
                        out.add(letter);
                    }
                }
            }
        }
        return out;
    }

    private static JobClient start(Map<String, String> props, String savepoint) throws Exception {
        return io.streamsync.testing.TestJobs.start(props, 0, savepoint, "trimmed");
    }
}

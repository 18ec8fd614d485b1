package io.streamsync.upgrade;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.source.RawRecord;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServices;
import io.streamsync.testing.OutputsSnapshot;
import io.streamsync.testing.Poll;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.StreamCapture;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TestJobs;
import io.streamsync.testing.TodoTables;
import io.streamsync.testing.WindowTruth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Makes the golden savepoint of the job with the change-stream source (its enumerator's lineage and
 * its readers' shard positions, in our versioned serializers) with the outputs the job published
 * and the workload it read: {@code mvn -Pgolden-savepoint
 * -Dgolden.savepoint.main=io.streamsync.upgrade.ChangeStreamSavepoint
 * -Dgolden.savepoint.dir=src/test/resources/upgrade/<name>}. moto numbers a fresh table's stream
 * records from a fixed value and names its one shard the same way, so {@code
 * ChangeStreamSavepointITCase} replays the workload on a fresh table and the savepoint's positions
 * point into it. The savepoint is taken while the latest windows are still open (not final); the
 * windows counted from the stream up to the savepoint are recorded with the outputs, so a restore
 * can be checked window by window.
 */
public final class ChangeStreamSavepoint {
    public static final String NAME = "changestream";
    public static final int LISTS = 12;
    public static final long SEED = 29L;
    public static final int OPERATIONS = 400;

    /**
     * The savepoint is taken after these operations (all read, the latest windows still open); the
     * rest follow while no job runs.
     */
    public static final int BEFORE_SAVEPOINT = 250;

    private ChangeStreamSavepoint() {}

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        Path work = Files.createTempDirectory("change-stream-savepoint");
        try (LocalServices services = LocalServices.start();
                DynamoDbClient ddb = services.dynamoDb.client();
                DynamoDbStreamsClient streams = services.dynamoDb.streamsClient()) {
            String source = NAME + "Tasks";
            String counts = NAME + "Counts";
            TodoTables.createSourceTable(ddb, source, StreamViewType.NEW_AND_OLD_IMAGES);
            TodoTables.createAggregateTable(ddb, counts);
            JobConfig c =
                    JobConfig.from(services.testJobProperties(NAME, work.resolve("dead-letters")));
            String streamArn = Startup.prepare(c);
            JobClient job =
                    TestJobs.start(
                            c,
                            RecordSources.changeStream(c, streamArn),
                            null,
                            false,
                            "change-stream source");
            TaskWorkload workload = new TaskWorkload(ddb, source, LISTS, SEED);
            workload.run(BEFORE_SAVEPOINT);
            SearchHttp search = new SearchHttp(services.search.uri());
            Poll.until(
                    Duration.ofSeconds(120),
                    () ->
                            GroundTruth.check(
                                    ddb,
                                    source,
                                    counts,
                                    search,
                                    NAME + "-counts",
                                    NAME + "-tasks"));
            // at once: the windows of the last seconds are not final yet, so the savepoint holds
            // open windows
            String savepoint =
                    job.stopWithSavepoint(
                                    false,
                                    work.resolve("sp").toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get(3, TimeUnit.MINUTES);
            GoldenSavepoint.copy(Path.of(java.net.URI.create(savepoint)), target);
            ObjectNode outputs =
                    OutputsSnapshot.take(
                            ddb,
                            counts,
                            search,
                            NAME + "-counts",
                            NAME + "-tasks",
                            NAME + "-windows");
            List<WindowTruth.Change> before = WindowTruth.read(streams, streamArn, "listId");
            Map<String, long[]> windowsBefore =
                    WindowTruth.windows(before, c.windowSize.toMillis());
            long open =
                    windowsBefore.size() - outputs.path("indices").path(NAME + "-windows").size();
            if (open <= 0) {
                throw new IllegalStateException("no window was open at the savepoint: run again");
            }

            workload.run(
                    OPERATIONS - BEFORE_SAVEPOINT); // the rest of the workload, while no job runs
            List<RawRecord> records = StreamCapture.readAll(streams, streamArn);
            ObjectNode w =
                    outputs.putObject("workload")
                            .put("lists", LISTS)
                            .put("seed", SEED)
                            .put("operations", OPERATIONS)
                            .put("operationsBeforeSavepoint", BEFORE_SAVEPOINT)
                            .put("recordsBeforeSavepoint", before.size())
                            .put("openWindowsAtSavepoint", open)
                            .put("streamRecords", records.size())
                            .put(
                                    "lastSequenceNumber",
                                    records.get(records.size() - 1).sequenceNumber)
                            .put("shardId", records.get(0).shardId)
                            .put("liveItems", TodoTables.scan(ddb, source).size());
            ObjectNode truth = w.putObject("windowsBeforeSavepoint");
            windowsBefore.forEach(
                    (k, v) -> {
                        com.fasterxml.jackson.databind.node.ArrayNode a = truth.putArray(k);
                        for (long x : v) {
                            a.add(x);
                        }
                    });
            new ObjectMapper()
                    .writerWithDefaultPrettyPrinter()
                    .writeValue(target.resolve("outputs.json").toFile(), outputs);
            System.out.println(
                    "savepoint and outputs written to "
                            + target.toAbsolutePath()
                            + ": "
                            + OutputsSnapshot.sizes(outputs)
                            + ", "
                            + outputs.get("workload"));
        }
        System.exit(0);
    }
}

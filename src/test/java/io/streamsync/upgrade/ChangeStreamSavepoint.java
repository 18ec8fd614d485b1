package io.streamsync.upgrade;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.Startup;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSources;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServices;
import io.streamsync.testing.OutputsSnapshot;
import io.streamsync.testing.Poll;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.StreamCapture;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TestJobs;
import io.streamsync.testing.TodoTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Makes the golden savepoint of the job with the change-stream source (its enumerator's lineage and its
 * readers' shard positions, in our versioned serializers) with the outputs the job published and the
 * workload it read: {@code mvn -Pgolden-savepoint -Dgolden.savepoint.main=io.streamsync.upgrade.ChangeStreamSavepoint
 * -Dgolden.savepoint.dir=src/test/resources/upgrade/<name>}. moto numbers a fresh table's stream records from a
 * fixed value and names its one shard the same way, so {@code ChangeStreamSavepointITCase} replays the workload
 * on a fresh table and the savepoint's positions point into it.
 */
public final class ChangeStreamSavepoint {
    public static final String NAME = "changestream";
    public static final int LISTS = 12;
    public static final long SEED = 29L;
    public static final int OPERATIONS = 400;

    private ChangeStreamSavepoint() {}

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        Path work = Files.createTempDirectory("change-stream-savepoint");
        try (LocalServices services = LocalServices.start(); DynamoDbClient ddb = services.dynamoDb.client();
                DynamoDbStreamsClient streams = services.dynamoDb.streamsClient()) {
            String source = NAME + "Tasks";
            String counts = NAME + "Counts";
            TodoTables.createSourceTable(ddb, source, StreamViewType.NEW_AND_OLD_IMAGES);
            TodoTables.createAggregateTable(ddb, counts);
            JobConfig c = JobConfig.from(services.testJobProperties(NAME, work.resolve("dead-letters")));
            String streamArn = Startup.prepare(c);
            JobClient job = TestJobs.start(c, RecordSources.changeStream(c, streamArn), null, false, "change-stream source");
            new TaskWorkload(ddb, source, LISTS, SEED).run(OPERATIONS);
            SearchHttp search = new SearchHttp(services.search.uri());
            Poll.until(Duration.ofSeconds(120), () -> GroundTruth.check(ddb, source, counts, search,
                    NAME + "-counts", NAME + "-tasks"));
            String savepoint = job.stopWithSavepoint(false, work.resolve("sp").toUri().toString(),
                    SavepointFormatType.CANONICAL).get(3, TimeUnit.MINUTES);
            GoldenSavepoint.copy(Path.of(java.net.URI.create(savepoint)), target);

            ObjectNode outputs = OutputsSnapshot.take(ddb, counts, search, NAME + "-counts", NAME + "-tasks");
            List<RawRecord> records = StreamCapture.readAll(streams, streamArn);
            outputs.putObject("workload").put("lists", LISTS).put("seed", SEED).put("operations", OPERATIONS)
                    .put("streamRecords", records.size())
                    .put("lastSequenceNumber", records.get(records.size() - 1).sequenceNumber)
                    .put("shardId", records.get(0).shardId)
                    .put("liveItems", TodoTables.scan(ddb, source).size());
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(target.resolve("outputs.json").toFile(), outputs);
            System.out.println("savepoint and outputs written to " + target.toAbsolutePath() + ": "
                    + OutputsSnapshot.sizes(outputs) + ", " + outputs.get("workload"));
        }
        System.exit(0);
    }
}

package io.streamsync.upgrade;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.bench.legacy.LegacyDynamoDbStreamsSource;
import io.streamsync.config.JobConfig;
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
 * Made the golden savepoint of 0.1.0's source under src/test/resources/upgrade/0.1.0-dynamodb-streams/, once,
 * while flink-connector-kinesis was still in the build: the 0.1.0 job (its DynamoDB Streams consumer, Kryo
 * state under uid {@code dynamodb-stream-source}) reads a reproducible workload from a fresh moto table; once
 * its outputs are exact it is stopped with a canonical savepoint, and its outputs are written next to it.
 * moto numbers a new table's stream records from a fixed value, so the same workload on a fresh table gives
 * the same sequence numbers: {@code SourceUpgradeITCase} replays it and restores the savepoint.
 */
public final class LegacySourceSavepoint {
    public static final String NAME = "legacy";
    public static final int LISTS = 12;
    public static final long SEED = 11L;
    public static final int OPERATIONS = 400;

    private LegacySourceSavepoint() {}

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        Path work = Files.createTempDirectory("legacy-savepoint");
        try (LocalServices services = LocalServices.start(); DynamoDbClient ddb = services.dynamoDb.client();
                DynamoDbStreamsClient streams = services.dynamoDb.streamsClient()) {
            String source = NAME + "Tasks";
            String counts = NAME + "Counts";
            TodoTables.createSourceTable(ddb, source, StreamViewType.NEW_AND_OLD_IMAGES);
            TodoTables.createAggregateTable(ddb, counts);
            JobConfig c = JobConfig.from(services.testJobProperties(NAME, work.resolve("dead-letters")));
            String streamArn = Startup.prepare(c);
            JobClient job = TestJobs.start(c, new LegacyDynamoDbStreamsSource(c, streamArn), null, false, "0.1.0 source");
            new TaskWorkload(ddb, source, LISTS, SEED).run(OPERATIONS);
            SearchHttp search = new SearchHttp(services.search.uri());
            Poll.until(Duration.ofSeconds(120), () -> GroundTruth.check(ddb, source, counts, search,
                    NAME + "-counts", NAME + "-tasks"));
            String savepoint = job.stopWithSavepoint(false, work.resolve("sp").toUri().toString(),
                    SavepointFormatType.CANONICAL).get(3, TimeUnit.MINUTES);
            GoldenSavepoint.copy(Path.of(java.net.URI.create(savepoint)), target);

            ObjectNode outputs = OutputsSnapshot.take(ddb, counts, search, NAME + "-counts", NAME + "-tasks");
            List<RawRecord> records = StreamCapture.readAll(streams, streamArn);
            ObjectNode workload = outputs.putObject("workload");
            workload.put("lists", LISTS).put("seed", SEED).put("operations", OPERATIONS)
                    .put("streamRecords", records.size())
                    .put("lastSequenceNumber", records.get(records.size() - 1).sequenceNumber)
                    .put("liveItems", TodoTables.scan(ddb, source).size());
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(target.resolve("outputs.json").toFile(), outputs);
            System.out.println("savepoint and outputs written to " + target.toAbsolutePath() + ": "
                    + OutputsSnapshot.sizes(outputs) + ", " + workload);
        }
        System.exit(0);
    }
}

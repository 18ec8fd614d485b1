package io.streamsync.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.change.ChangeRecordParser;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.Startup;
import io.streamsync.source.RawRecord;
import java.nio.file.Path;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The world a golden savepoint was taken in, rebuilt on fresh services: its job's tables and indices with the
 * outputs that job had published ({@code outputs.json} next to the savepoint), and its stream, by replaying the
 * recorded workload on a fresh table (moto numbers a new table's stream records from a fixed value and names its
 * shard the same way). Checks that the replayed stream and the published outputs match what was recorded.
 */
public final class GoldenReplay {
    public final JsonNode workload;
    public final JobConfig config;
    public final String streamArn;
    public final String sourceTable;
    public final String aggregateTable;
    public final String aggregateIndex;
    public final String itemIndex;
    /** Goes on with the recorded workload's random sequence. */
    public final TaskWorkload traffic;
    private final LocalServicesExtension services;

    private GoldenReplay(LocalServicesExtension services, Path golden, String name, Path deadLetters) throws Exception {
        this.services = services;
        JsonNode saved = ChangeRecordParser.newMapper().readTree(golden.resolve("outputs.json").toFile());
        workload = saved.get("workload");
        sourceTable = name + "Tasks";
        aggregateTable = name + "Counts";
        aggregateIndex = name.toLowerCase(java.util.Locale.ROOT) + "-counts";
        itemIndex = name.toLowerCase(java.util.Locale.ROOT) + "-tasks";
        TodoTables.createSourceTable(services.ddb(), sourceTable, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(services.ddb(), aggregateTable);
        config = JobConfig.from(services.services().testJobProperties(name, deadLetters));
        streamArn = Startup.prepare(config); // checks, and creates the indices with their mappings
        OutputsSnapshot.load(services.ddb(), services.search(), saved);

        traffic = new TaskWorkload(services.ddb(), sourceTable, workload.get("lists").asInt(), workload.get("seed").asLong());
        traffic.run(workload.get("operations").asInt());
        try (DynamoDbStreamsClient streams = services.services().dynamoDb.streamsClient()) {
            List<RawRecord> replayed = StreamCapture.readAll(streams, streamArn);
            assertThat(replayed).as("the replayed stream of %s", golden).hasSize(workload.get("streamRecords").asInt());
            assertThat(replayed.get(replayed.size() - 1).sequenceNumber).isEqualTo(workload.get("lastSequenceNumber").asText());
            if (workload.has("shardId")) {
                assertThat(replayed.get(0).shardId).isEqualTo(workload.get("shardId").asText());
            }
        }
        assertThat(check()).as("the outputs %s's job published equal the replayed table", golden).isNull();
    }

    /**
     * Rebuilds the world of the golden savepoint in {@code golden}, whose job wrote to the tables and indices of
     * {@code name} ({@link LocalServices#testJobProperties}); the tables must not exist yet.
     */
    public static GoldenReplay of(LocalServicesExtension services, Path golden, String name, Path deadLetters) throws Exception {
        return new GoldenReplay(services, golden, name, deadLetters);
    }

    /** The three outputs against a scan of the source table; null when all are exact. */
    public String check() throws Exception {
        return GroundTruth.check(services.ddb(), sourceTable, aggregateTable, services.search(), aggregateIndex, itemIndex);
    }
}

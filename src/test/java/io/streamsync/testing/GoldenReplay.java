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
 * The world a golden savepoint was taken in, rebuilt on fresh services: its job's tables and
 * indices with the outputs that job had published ({@code outputs.json} next to the savepoint), and
 * its stream, by replaying the recorded workload on a fresh table (moto numbers a new table's
 * stream records from a fixed value and names its shard the same way). Checks that the replayed
 * stream and the published outputs match what was recorded.
 */
public final class GoldenReplay {
    public final JsonNode workload;
    public final JobConfig config;
    public final String streamArn;
    public final String sourceTable;
    public final String aggregateTable;
    public final String aggregateIndex;
    public final String itemIndex;
    public final String windowsIndex;

    /** Goes on with the recorded workload's random sequence. */
    public final TaskWorkload traffic;

    private final LocalServicesExtension services;

    private GoldenReplay(
            LocalServicesExtension services, Path golden, String name, Path deadLetters)
            throws Exception {
        this.services = services;
        JsonNode saved =
                ChangeRecordParser.newMapper().readTree(golden.resolve("outputs.json").toFile());
        workload = saved.get("workload");
        sourceTable = name + "Tasks";
        aggregateTable = name + "Counts";
        aggregateIndex = name.toLowerCase(java.util.Locale.ROOT) + "-counts";
        itemIndex = name.toLowerCase(java.util.Locale.ROOT) + "-tasks";
        windowsIndex = name.toLowerCase(java.util.Locale.ROOT) + "-windows";
        TodoTables.createSourceTable(
                services.ddb(), sourceTable, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(services.ddb(), aggregateTable);
        config = JobConfig.from(services.services().testJobProperties(name, deadLetters));
        streamArn = Startup.prepare(config); // checks, and creates the indices with their mappings
        OutputsSnapshot.load(services.ddb(), services.search(), saved);

        traffic =
                new TaskWorkload(
                        services.ddb(),
                        sourceTable,
                        workload.get("lists").asInt(),
                        workload.get("seed").asLong());
        if (workload.has("operationsBeforeSavepoint")) {
            // the savepoint was taken after these, the rest were written while no job ran
            traffic.run(workload.get("operationsBeforeSavepoint").asInt());
            assertThat(check())
                    .as(
                            "the outputs %s's job published equal the replayed table at the savepoint",
                            golden)
                    .isNull();
            traffic.run(
                    workload.get("operations").asInt()
                            - workload.get("operationsBeforeSavepoint").asInt());
        } else {
            traffic.run(workload.get("operations").asInt());
        }
        try (DynamoDbStreamsClient streams = services.services().dynamoDb.streamsClient()) {
            List<RawRecord> replayed = StreamCapture.readAll(streams, streamArn);
            assertThat(replayed)
                    .as("the replayed stream of %s", golden)
                    .hasSize(workload.get("streamRecords").asInt());
            assertThat(replayed.get(replayed.size() - 1).sequenceNumber)
                    .isEqualTo(workload.get("lastSequenceNumber").asText());
            if (workload.has("shardId")) {
                assertThat(replayed.get(0).shardId).isEqualTo(workload.get("shardId").asText());
            }
        }
        if (!workload.has("operationsBeforeSavepoint")) {
            assertThat(check())
                    .as("the outputs %s's job published equal the replayed table", golden)
                    .isNull();
        }
    }

    /**
     * The windows history expected after the restore and whatever traffic came since: the windows
     * the savepoint's job counted from its stream up to the savepoint (at that run's times,
     * recorded), and those of the replayed stream's later records (at this run's times). Empty when
     * the golden recorded no windows.
     */
    public java.util.Map<String, long[]> expectedWindows() {
        java.util.Map<String, long[]> out = new java.util.TreeMap<>();
        if (!workload.has("windowsBeforeSavepoint")) {
            return out;
        }
        workload.get("windowsBeforeSavepoint")
                .fields()
                .forEachRemaining(
                        e -> {
                            long[] v = new long[e.getValue().size()];
                            for (int i = 0; i < v.length; i++) {
                                v[i] = e.getValue().get(i).asLong();
                            }
                            out.put(e.getKey(), v);
                        });
        try (DynamoDbStreamsClient streams = services.services().dynamoDb.streamsClient()) {
            List<WindowTruth.Change> all =
                    WindowTruth.read(streams, streamArn, config.keySchema.partitionKey());
            java.util.Map<String, long[]> later =
                    WindowTruth.windows(
                            all.subList(workload.get("recordsBeforeSavepoint").asInt(), all.size()),
                            config.windowSize.toMillis());
            later.forEach(
                    (k, v) ->
                            assertThat(out.put(k, v))
                                    .as("window %s both before and after the savepoint", k)
                                    .isNull());
        }
        return out;
    }

    /**
     * Rebuilds the world of the golden savepoint in {@code golden}, whose job wrote to the tables
     * and indices of {@code name} ({@link LocalServices#testJobProperties}); the tables must not
     * exist yet.
     */
    public static GoldenReplay of(
            LocalServicesExtension services, Path golden, String name, Path deadLetters)
            throws Exception {
        return new GoldenReplay(services, golden, name, deadLetters);
    }

    /** The three outputs against a scan of the source table; null when all are exact. */
    public String check() throws Exception {
        return GroundTruth.check(
                services.ddb(),
                sourceTable,
                aggregateTable,
                services.search(),
                aggregateIndex,
                itemIndex);
    }
}

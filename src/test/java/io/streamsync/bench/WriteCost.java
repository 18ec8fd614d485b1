package io.streamsync.bench;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.source.RawRecord;
import io.streamsync.testing.FaultyDynamoDbProxy;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.Moto;
import io.streamsync.testing.Poll;
import io.streamsync.testing.StreamCapture;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Writes to the aggregate table per 1,000 change events: the job (one conditional PutItem per list
 * and window) against the per-event design it replaces (one {@code UpdateItem ADD taskCount :delta}
 * per stream event, as a Lambda per event does), both on moto behind a counting proxy, same
 * workload.
 */
public final class WriteCost {
    private WriteCost() {}

    /** Result of one run: events on the stream and writes made to the aggregate table. */
    public static final class Result {
        public final long events;
        public final long writes;

        /**
         * How long the workload took to write its changes (the job ran meanwhile, except for the
         * baseline).
         */
        public double writeSeconds;

        /** INSERT and REMOVE events on the stream: the writes of the per-event baseline. */
        public long countingEvents;

        public Result(long events, long writes) {
            this.events = events;
            this.writes = writes;
        }

        public double perThousand() {
            return 1000.0 * writes / events;
        }
    }

    /** Writes a workload's changes into the named source table. */
    @FunctionalInterface
    public interface Workload {
        void write(DynamoDbClient ddb, String table);
    }

    /**
     * The workload of the tests: one PutItem or DeleteItem at a time, {@code changes} over {@code
     * lists} lists.
     */
    public static Workload oneAtATime(int changes, int lists) {
        return (ddb, table) -> new TaskWorkload(ddb, table, lists, 99L).run(changes);
    }

    /** {@code changes} changes over 100 lists with BatchWriteItem, as fast as moto takes them. */
    public static Workload batched(int changes) {
        return (ddb, table) ->
                RecoveryTime.writeBacklog(ddb, table, changes, new java.util.Random(changes));
    }

    /** The job, live, while the workload writes its changes. */
    public static Result job(Moto ddbLocal, long windowMs, Workload workload, String name)
            throws Exception {
        try (FaultyDynamoDbProxy proxy = new FaultyDynamoDbProxy(ddbLocal.endpoint());
                DynamoDbClient ddb = ddbLocal.client()) {
            String source = name + "Tasks";
            String counts = name + "Counts";
            String arn =
                    TodoTables.createSourceTable(ddb, source, StreamViewType.NEW_AND_OLD_IMAGES);
            TodoTables.createAggregateTable(ddb, counts);
            JobConfig c =
                    JobConfig.from(
                            Map.of(
                                    "aws.endpoint",
                                    proxy.endpoint().toString(),
                                    "aws.credentials.provider",
                                    "BASIC",
                                    "aws.credentials.access.key.id",
                                    "local",
                                    "aws.credentials.secret.access.key",
                                    "local",
                                    "source.table.name",
                                    source,
                                    "sink.dynamodb.table",
                                    counts,
                                    "sink.search.enabled",
                                    "false",
                                    "aggregate.window.ms",
                                    Long.toString(windowMs),
                                    "source.poll.interval.ms",
                                    "100",
                                    "job.parallelism",
                                    "2"));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
            StreamSyncPipeline.configureEnvironment(env, c);
            StreamSyncPipeline.define(
                    env,
                    c,
                    RecordSources.changeStream(c, Startup.prepare(c)),
                    PipelineSinks.fromConfig(c));
            JobClient job = env.executeAsync("write-cost-" + windowMs);
            double writeSeconds;
            try {
                long t0 = System.nanoTime();
                workload.write(ddb, source);
                writeSeconds = (System.nanoTime() - t0) / 1e9;
                Poll.until(
                        Duration.ofMillis(windowMs * 3 + 60_000),
                        () ->
                                GroundTruth.compareCounts(
                                        "aggregate table",
                                        TodoTables.countsByList(ddb, source),
                                        TodoTables.aggregateCounts(ddb, counts)));
            } finally {
                job.cancel().get();
            }
            List<RawRecord> records = StreamCapture.readAll(ddbLocal.streamsClient(), arn);
            long events = records.size();
            Result r = new Result(events, proxy.putItems.get());
            r.countingEvents =
                    records.stream()
                            .filter(e -> !e.text().contains("\"eventName\":\"MODIFY\""))
                            .count();
            r.writeSeconds = writeSeconds;
            return r;
        }
    }

    /**
     * The per-event baseline over the same kind of workload: one UpdateItem ADD per stream event.
     */
    public static Result perEventBaseline(Moto ddbLocal, Workload workload, String name)
            throws Exception {
        try (FaultyDynamoDbProxy proxy = new FaultyDynamoDbProxy(ddbLocal.endpoint());
                DynamoDbClient ddb = ddbLocal.client();
                DynamoDbClient viaProxy =
                        DynamoDbClient.builder()
                                .endpointOverride(proxy.endpoint())
                                .region(software.amazon.awssdk.regions.Region.of(Moto.REGION))
                                .credentialsProvider(
                                        software.amazon.awssdk.auth.credentials
                                                .StaticCredentialsProvider.create(
                                                software.amazon.awssdk.auth.credentials
                                                        .AwsBasicCredentials.create(
                                                        "local", "local")))
                                .build()) {
            String source = name + "Tasks";
            String counts = name + "Counts";
            String arn =
                    TodoTables.createSourceTable(ddb, source, StreamViewType.NEW_AND_OLD_IMAGES);
            TodoTables.createAggregateTable(ddb, counts);
            long t0 = System.nanoTime();
            workload.write(ddb, source);
            double writeSeconds = (System.nanoTime() - t0) / 1e9;
            List<RawRecord> events = StreamCapture.readAll(ddbLocal.streamsClient(), arn);
            for (RawRecord e : events) {
                String text = e.text();
                String type =
                        text.contains("\"eventName\":\"INSERT\"")
                                ? "INSERT"
                                : text.contains("\"eventName\":\"REMOVE\"") ? "REMOVE" : "MODIFY";
                if (type.equals("MODIFY")) {
                    continue; // a count-only Lambda skips updates, but it is still invoked for them
                }
                String list =
                        text.replaceFirst(
                                "(?s).*?\"Keys\":\\{[^}]*?\"listId\":\\{\"S\":\"([^\"]+)\".*",
                                "$1");
                viaProxy.updateItem(
                        b ->
                                b.tableName(counts)
                                        .key(Map.of("listId", AttributeValue.fromS(list)))
                                        .updateExpression("ADD taskCount :d")
                                        .expressionAttributeValues(
                                                Map.of(
                                                        ":d",
                                                        AttributeValue.fromN(
                                                                type.equals("INSERT")
                                                                        ? "1"
                                                                        : "-1"))));
            }
            long writes = proxy.updateItems.get(); // as received, SDK retries included
            String problem =
                    GroundTruth.compareCounts(
                            "baseline table",
                            TodoTables.countsByList(ddb, source),
                            TodoTables.aggregateCounts(ddb, counts));
            if (problem != null) {
                throw new IllegalStateException("the per-event baseline is wrong: " + problem);
            }
            Result r = new Result(events.size(), writes);
            r.writeSeconds = writeSeconds;
            return r;
        }
    }
}

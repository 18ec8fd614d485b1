package io.streamsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServices;
import io.streamsync.testing.Poll;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.StreamCapture;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Recovery time: the job runs and is exact; its only TaskManager is killed; while no TaskManager
 * exists, a backlog of changes is written to the source table; then a TaskManager comes back and
 * the job restores its last checkpoint. Measured: from the TaskManager's start until the aggregate
 * table and the aggregate documents are exact, and until the item index is exact too (the outputs
 * against a scan of the source table taken before the restart; the table does not change during
 * recovery). Baseline in the same run: a bare reader of the same stream (GetRecords as fast as moto
 * answers, 1,000 records a call, no processing), the time any consumer needs merely to read the
 * backlog.
 */
public final class RecoveryTime {
    private RecoveryTime() {}

    /**
     * Seconds from the TaskManager's start to exact counts and to an exact item index, and the
     * floor.
     */
    public static final class Result {
        public long backlog;
        public long streamRecords;
        public double writeSeconds;
        public double countsExactSeconds;
        public double allExactSeconds;
        public double checkSeconds;
        public double floorReadSeconds;
    }

    public static Result run(LocalServices services, int backlog, String name) throws Exception {
        String source = name + "Tasks";
        String counts = name + "Counts";
        String countIndex = name.toLowerCase() + "-counts";
        String itemIndex = name.toLowerCase() + "-tasks";
        DynamoDbClient ddb = services.dynamoDb.client();
        String arn = TodoTables.createSourceTable(ddb, source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(ddb, counts);
        Map<String, String> props =
                EndToEndLatency.jobDefaults(services, source, counts, countIndex, itemIndex);
        props.put("restart.delay.ms", "1000");
        JobConfig c = JobConfig.from(props);
        SearchHttp search = new SearchHttp(services.search.uri());

        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(2)
                                .build());
        cluster.start();
        TestStreamEnvironment.setAsContext(cluster, 2);
        Result r = new Result();
        r.backlog = backlog;
        try {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            StreamSyncPipeline.configureEnvironment(env, c);
            StreamSyncPipeline.define(
                    env,
                    c,
                    RecordSources.changeStream(c, Startup.prepare(c)),
                    PipelineSinks.fromConfig(c));
            JobClient job = env.executeAsync(name);
            try {
                new TaskWorkload(ddb, source, 100, 11L).run(1_000);
                Poll.until(
                        Duration.ofSeconds(120),
                        () ->
                                GroundTruth.check(
                                        ddb, source, counts, search, countIndex, itemIndex));
                // one more checkpoint after the job is exact, so the restore replays only what came
                // later
                Thread.sleep(c.checkpointInterval.toMillis() + 2_000);
                cluster.terminateTaskManager(0).get();
                long w0 = System.nanoTime();
                writeBacklog(ddb, source, backlog, new Random(backlog));
                r.writeSeconds = (System.nanoTime() - w0) / 1e9;

                Map<String, Long> truth = TodoTables.countsByList(ddb, source);
                Map<String, JsonNode> items = TodoTables.itemsById(ddb, source);
                long t0 = System.nanoTime();
                cluster.startTaskManager();
                Poll.until(
                        Duration.ofMinutes(20),
                        () -> {
                            String p =
                                    GroundTruth.compareCounts(
                                            "aggregate table",
                                            truth,
                                            TodoTables.aggregateCounts(ddb, counts));
                            if (p != null) {
                                return p;
                            }
                            Map<String, Long> docs = new TreeMap<>();
                            search.allDocuments(countIndex)
                                    .forEach((id, d) -> docs.put(id, d.get("taskCount").asLong()));
                            return GroundTruth.compareCounts("aggregate documents", truth, docs);
                        });
                r.countsExactSeconds = (System.nanoTime() - t0) / 1e9;
                long longestCheck = 0;
                while (true) {
                    long c0 = System.nanoTime();
                    String p = GroundTruth.compareItems(items, search.allDocuments(itemIndex));
                    longestCheck = Math.max(longestCheck, System.nanoTime() - c0);
                    if (p == null) {
                        break;
                    }
                    if (System.nanoTime() - t0 > Duration.ofMinutes(20).toNanos()) {
                        throw new IllegalStateException(
                                "item index not exact after 20 minutes: " + p);
                    }
                }
                r.allExactSeconds = (System.nanoTime() - t0) / 1e9;
                r.checkSeconds = longestCheck / 1e9;
            } finally {
                job.cancel().get();
            }
            long f0 = System.nanoTime();
            r.streamRecords = StreamCapture.readAll(services.dynamoDb.streamsClient(), arn).size();
            r.floorReadSeconds = (System.nanoTime() - f0) / 1e9;
            return r;
        } finally {
            TestStreamEnvironment.unsetAsContext();
            cluster.close();
        }
    }

    /**
     * {@code n} changes as fast as BatchWriteItem takes them, over 100 lists: 70% new tasks, 15%
     * overwrites of a task written earlier, 15% deletes of one (never two requests for one key in a
     * batch).
     */
    static void writeBacklog(DynamoDbClient ddb, String table, int n, Random random) {
        List<String[]> written = new ArrayList<>();
        List<WriteRequest> batch = new ArrayList<>();
        java.util.Set<String> inBatch = new java.util.HashSet<>();
        long next = 0;
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(100);
            String[] key = null;
            if (kind >= 70 && !written.isEmpty()) {
                int at = random.nextInt(written.size());
                if (!inBatch.contains(written.get(at)[0] + "|" + written.get(at)[1])) {
                    key = written.get(at);
                    if (kind >= 85) {
                        written.set(at, written.get(written.size() - 1));
                        written.remove(written.size() - 1);
                        batch.add(
                                WriteRequest.builder()
                                        .deleteRequest(
                                                DeleteRequest.builder()
                                                        .key(
                                                                Map.of(
                                                                        "listId",
                                                                        AttributeValue.fromS(
                                                                                key[0]),
                                                                        "taskId",
                                                                        AttributeValue.fromS(
                                                                                key[1])))
                                                        .build())
                                        .build());
                    } else {
                        batch.add(put(key, random));
                    }
                }
            }
            if (key == null) {
                key = new String[] {TaskWorkload.listId(random.nextInt(100)), "backlog-" + next++};
                written.add(key);
                batch.add(put(key, random));
            }
            inBatch.add(key[0] + "|" + key[1]);
            if (batch.size() == 25) {
                send(ddb, table, batch);
                batch.clear();
                inBatch.clear();
            }
        }
        if (!batch.isEmpty()) {
            send(ddb, table, batch);
        }
    }

    private static WriteRequest put(String[] key, Random random) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("listId", AttributeValue.fromS(key[0]));
        item.put("taskId", AttributeValue.fromS(key[1]));
        item.put(
                "title",
                AttributeValue.fromS("backlog task " + key[1] + " #" + random.nextInt(1000)));
        item.put("done", AttributeValue.fromBool(random.nextBoolean()));
        item.put("priority", AttributeValue.fromN(Integer.toString(random.nextInt(5))));
        item.put("tags", AttributeValue.fromSs(List.of("t" + random.nextInt(3), "backlog")));
        return WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build();
    }

    private static void send(DynamoDbClient ddb, String table, List<WriteRequest> batch) {
        Map<String, List<WriteRequest>> pending = Map.of(table, new ArrayList<>(batch));
        while (!pending.isEmpty()) {
            Map<String, List<WriteRequest>> request = pending;
            BatchWriteItemResponse r = ddb.batchWriteItem(b -> b.requestItems(request));
            pending = r.hasUnprocessedItems() ? r.unprocessedItems() : Map.of();
        }
    }
}

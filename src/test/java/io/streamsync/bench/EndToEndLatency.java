package io.streamsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.testing.LocalServices;
import io.streamsync.testing.Poll;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.TodoTables;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * End-to-end latency: from a write to the source table until its effect is visible in the aggregate
 * table, in the aggregate documents (real-time GET, and searchable after a refresh), on moto and
 * Elasticsearch, at a steady rate, with the job's default settings and a 1 s window.
 *
 * <p>The writer only inserts new tasks, so a list's count grows by one per write: the k-th insert
 * into a list is visible once an output shows a count of at least k for that list. Observers poll
 * every 25 ms and note when each count is first seen. The baseline is the stream itself: a reader
 * that polls the DynamoDB stream at the job's poll interval and notes when each record first
 * appears, the latency floor of any consumer of the stream, a per-event Lambda included.
 */
public final class EndToEndLatency {
    private static final long OBSERVE_EVERY_MS = 25;

    private EndToEndLatency() {}

    /**
     * Latencies (ms) by output, in the order the observers are listed, for the writes after the
     * warm-up.
     */
    public static final class Result {
        public final Map<String, double[]> latenciesMs = new java.util.LinkedHashMap<>();
        public int writes;
        public double seconds;
        public final Map<String, String> settings = new java.util.LinkedHashMap<>();
    }

    /**
     * One writer at {@code rate} inserts/s over {@code lists} lists for {@code seconds}; the first
     * {@code warmupSeconds} are not counted.
     */
    public static Result run(
            LocalServices services,
            String name,
            int rate,
            int seconds,
            int lists,
            int warmupSeconds,
            long checkpointMs)
            throws Exception {
        String source = name + "Tasks";
        String counts = name + "Counts";
        String countIndex = name.toLowerCase(java.util.Locale.ROOT) + "-counts";
        Map<String, String> props =
                jobDefaults(
                        services,
                        source,
                        counts,
                        countIndex,
                        name.toLowerCase(java.util.Locale.ROOT) + "-tasks");
        props.put("aggregate.window.ms", "1000");
        props.put("checkpoint.interval.ms", Long.toString(checkpointMs));
        JobConfig c = JobConfig.from(props);
        Result result = new Result();
        result.settings.put("aggregate.window.ms", "1000");
        result.settings.put("source.poll.interval.ms", Long.toString(c.pollInterval.toMillis()));
        result.settings.put(
                "checkpoint.interval.ms", Long.toString(c.checkpointInterval.toMillis()));

        DynamoDbClient ddb = services.dynamoDb.client();
        String arn = TodoTables.createSourceTable(ddb, source, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(ddb, counts);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(
                env,
                c,
                RecordSources.changeStream(c, Startup.prepare(c)),
                PipelineSinks.fromConfig(c));
        JobClient job = env.executeAsync("latency");
        SearchHttp search = new SearchHttp(services.search.uri());
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> observers = new ArrayList<>();
        try {
            // the job is reading: one task per list, visible in the table
            int[] perList = new int[lists];
            for (int l = 0; l < lists; l++) {
                put(ddb, source, l, "warm-" + l);
                perList[l] = 1;
            }
            Poll.until(
                    Duration.ofSeconds(120 + 2 * checkpointMs / 1000),
                    () ->
                            TodoTables.aggregateCounts(ddb, counts).size() == lists
                                    ? null
                                    : "job not writing yet");

            Map<String, Long> tableSeen = new ConcurrentHashMap<>();
            Map<String, Long> getSeen = new ConcurrentHashMap<>();
            Map<String, Long> searchSeen = new ConcurrentHashMap<>();
            Map<String, Long> streamSeen = new ConcurrentHashMap<>();
            observers.add(
                    observer(
                            "table",
                            stop,
                            () -> TodoTables.aggregateCounts(ddb, counts),
                            tableSeen));
            observers.add(
                    observer(
                            "get", stop, () -> realtimeCounts(search, countIndex, lists), getSeen));
            observers.add(
                    observer(
                            "search",
                            stop,
                            () -> searchableCounts(search, countIndex),
                            searchSeen));
            observers.add(
                    streamReader(
                            services.dynamoDb.streamsClient(),
                            arn,
                            c.pollInterval.toMillis(),
                            stop,
                            streamSeen));
            observers.forEach(Thread::start);

            int total = rate * seconds;
            long[] sent = new long[total];
            String[] key = new String[total];
            String[] taskOf = new String[total];
            long start = System.nanoTime();
            long period = 1_000_000_000L / rate;
            for (int i = 0; i < total; i++) {
                long due = start + i * period;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                int l = i % lists;
                String task = "t" + i;
                sent[i] = System.nanoTime();
                put(ddb, source, l, task);
                perList[l]++;
                key[i] = listId(l) + "|" + perList[l];
                taskOf[i] = task;
            }
            result.seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Long> last = new HashMap<>();
            for (int l = 0; l < lists; l++) {
                last.put(listId(l) + "|" + perList[l], 0L);
            }
            Poll.until(
                    Duration.ofSeconds(60 + 2 * checkpointMs / 1000),
                    () -> {
                        for (String k : last.keySet()) {
                            if (!tableSeen.containsKey(k)
                                    || !getSeen.containsKey(k)
                                    || !searchSeen.containsKey(k)) {
                                return "not all outputs have reached " + k;
                            }
                        }
                        return null;
                    });
            stop.set(true);
            for (Thread t : observers) {
                t.join(5_000);
            }
            int from = rate * warmupSeconds;
            result.writes = total - from;
            result.latenciesMs.put(
                    "stream (floor: record readable by a poller)",
                    latencies(sent, taskOf, streamSeen, from));
            result.latenciesMs.put("aggregate table", latencies(sent, key, tableSeen, from));
            result.latenciesMs.put(
                    "aggregate document, real-time GET", latencies(sent, key, getSeen, from));
            result.latenciesMs.put(
                    "aggregate document, searchable", latencies(sent, key, searchSeen, from));
            return result;
        } finally {
            stop.set(true);
            job.cancel().get();
        }
    }

    /**
     * Properties of a benchmark job on these services: its tables and indices, parallelism 2, and
     * otherwise the job's defaults (not the tests' fast polling).
     */
    static Map<String, String> jobDefaults(
            LocalServices services,
            String source,
            String counts,
            String countIndex,
            String itemIndex) {
        Map<String, String> props = services.jobProperties();
        props.remove("source.poll.interval.ms");
        props.remove("source.shard.discovery.interval.ms");
        props.put("source.table.name", source);
        props.put("sink.dynamodb.table", counts);
        props.put("sink.search.aggregate.index", countIndex);
        props.put("sink.search.item.index", itemIndex);
        props.put("job.parallelism", "2");
        return props;
    }

    private static String listId(int l) {
        return String.format("lat-%03d", l);
    }

    private static void put(DynamoDbClient ddb, String table, int list, String task) {
        ddb.putItem(
                b ->
                        b.tableName(table)
                                .item(
                                        Map.of(
                                                "listId",
                                                AttributeValue.fromS(listId(list)),
                                                "taskId",
                                                AttributeValue.fromS(task),
                                                "title",
                                                AttributeValue.fromS("latency probe " + task),
                                                "done",
                                                AttributeValue.fromBool(false))));
    }

    private static double[] latencies(
            long[] sent, String[] keys, Map<String, Long> seen, int from) {
        double[] out = new double[sent.length - from];
        for (int i = from; i < sent.length; i++) {
            Long t = seen.get(keys[i]);
            if (t == null) {
                throw new IllegalStateException("never observed: " + keys[i]);
            }
            out[i - from] = (t - sent[i]) / 1e6;
        }
        Arrays.sort(out);
        return out;
    }

    /** The value at quantile {@code q} of sorted values (nearest rank). */
    public static double percentile(double[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    @FunctionalInterface
    private interface CountReader {
        Map<String, Long> read() throws Exception;
    }

    /**
     * Polls counts by list and records the first time each list|count (and every count below it) is
     * seen.
     */
    private static Thread observer(
            String name, AtomicBoolean stop, CountReader reader, Map<String, Long> seen) {
        Map<String, Long> highest = new HashMap<>();
        Thread t =
                new Thread(
                        () -> {
                            while (!stop.get()) {
                                long now = System.nanoTime();
                                try {
                                    for (Map.Entry<String, Long> e : reader.read().entrySet()) {
                                        long from = highest.getOrDefault(e.getKey(), 0L);
                                        for (long k = from + 1; k <= e.getValue(); k++) {
                                            seen.putIfAbsent(e.getKey() + "|" + k, now);
                                        }
                                        highest.put(e.getKey(), Math.max(from, e.getValue()));
                                    }
                                } catch (Exception e) {
                                    System.err.println("observer " + name + ": " + e);
                                }
                                LockSupport.parkNanos(OBSERVE_EVERY_MS * 1_000_000L);
                            }
                        },
                        "observe-" + name);
        t.setDaemon(true);
        return t;
    }

    private static Map<String, Long> realtimeCounts(SearchHttp search, String index, int lists)
            throws Exception {
        StringBuilder ids = new StringBuilder("{\"ids\":[");
        for (int l = 0; l < lists; l++) {
            ids.append(l == 0 ? "" : ",").append('"').append(listId(l)).append('"');
        }
        JsonNode r = search.post("/" + index + "/_mget", ids.append("]}").toString());
        Map<String, Long> out = new HashMap<>();
        for (JsonNode d : r.path("docs")) {
            if (d.path("found").asBoolean()) {
                out.put(d.get("_id").asText(), d.path("_source").path("taskCount").asLong());
            }
        }
        return out;
    }

    private static Map<String, Long> searchableCounts(SearchHttp search, String index)
            throws Exception {
        JsonNode r = search.post("/" + index + "/_search", "{\"size\":1000}");
        Map<String, Long> out = new HashMap<>();
        for (JsonNode hit : r.path("hits").path("hits")) {
            if (io.streamsync.sink.commit.CaughtUp.isStatus(hit.get("_id").asText())) {
                continue; // the job's status document is no list
            }
            out.put(hit.get("_id").asText(), hit.path("_source").path("taskCount").asLong());
        }
        return out;
    }

    /**
     * Polls every shard of the stream every {@code pollMs} and records when each task's record
     * first appears.
     */
    private static Thread streamReader(
            DynamoDbStreamsClient streams,
            String arn,
            long pollMs,
            AtomicBoolean stop,
            Map<String, Long> seen) {
        Thread t =
                new Thread(
                        () -> {
                            Map<String, String> iterators = new HashMap<>();
                            long lastDiscovery = 0;
                            while (!stop.get()) {
                                try {
                                    if (System.nanoTime() - lastDiscovery > 1_000_000_000L) {
                                        for (Shard s :
                                                streams.describeStream(b -> b.streamArn(arn))
                                                        .streamDescription()
                                                        .shards()) {
                                            if (!iterators.containsKey(s.shardId())) {
                                                iterators.put(
                                                        s.shardId(),
                                                        streams.getShardIterator(
                                                                        b ->
                                                                                b.streamArn(arn)
                                                                                        .shardId(
                                                                                                s
                                                                                                        .shardId())
                                                                                        .shardIteratorType(
                                                                                                ShardIteratorType
                                                                                                        .TRIM_HORIZON))
                                                                .shardIterator());
                                            }
                                        }
                                        lastDiscovery = System.nanoTime();
                                    }
                                    for (Map.Entry<String, String> e : iterators.entrySet()) {
                                        if (e.getValue() == null) {
                                            continue; // a closed shard, read to its end
                                        }
                                        String it = e.getValue();
                                        GetRecordsResponse r =
                                                streams.getRecords(
                                                        b -> b.shardIterator(it).limit(1000));
                                        long now = System.nanoTime();
                                        for (Record record : r.records()) {
                                            seen.putIfAbsent(
                                                    record.dynamodb().keys().get("taskId").s(),
                                                    now);
                                        }
                                        e.setValue(r.nextShardIterator());
                                    }
                                } catch (Exception e) {
                                    System.err.println("stream reader: " + e);
                                }
                                LockSupport.parkNanos(pollMs * 1_000_000L);
                            }
                        },
                        "observe-stream");
        t.setDaemon(true);
        return t;
    }
}

package io.streamsync.bench;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.sink.search.SearchAction;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Throughput of the job with a real change-stream source, against {@link LoopbackStreamServer}: (a)
 * the change-stream source into the full job, (c) a bare SDK v2 GetRecords loop on the same server,
 * (d) the in-memory figure of the pipeline benchmark (records made in the source operator, no I/O).
 * (b), 0.1.0's legacy consumer, was measured here until flink-connector-kinesis left the build: its
 * figures are kept in {@code Benchmarks}. Every run measures from the first record to the n-th
 * counted right after the source (the downstream backpressures the source, so this is the job's
 * pace, to within its buffers), and the CPU the process used in that time minus the CPU of the
 * server's threads.
 */
final class SourceThroughput {
    private SourceThroughput() {}

    /**
     * Records seen right after the source, by the running bench job (one MiniCluster, this JVM).
     */
    static final AtomicLong COUNTED = new AtomicLong();

    static final class Count implements MapFunction<RawRecord, RawRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public RawRecord map(RawRecord r) {
            COUNTED.incrementAndGet();
            return r;
        }
    }

    /**
     * Events per second of wall time, and per CPU-second of the job (the server's CPU excluded).
     */
    static final class Result {
        final double perSecond;
        final double perCpuSecond;
        final double cpuCores;

        Result(long events, long wallNanos, long cpuNanos) {
            perSecond = events / (wallNanos / 1e9);
            perCpuSecond = events / (cpuNanos / 1e9);
            cpuCores = cpuNanos / (double) wallNanos;
        }

        @Override
        public String toString() {
            return String.format(
                    "%,.0f events/s, %,.0f per CPU-second (%.2f cores busy)",
                    perSecond, perCpuSecond, cpuCores);
        }
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static JobConfig config(LoopbackStreamServer server) {
        Map<String, String> p = new HashMap<>();
        p.put("aws.endpoint", server.endpoint().toString());
        p.put("aws.region", "us-east-1");
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", "bench");
        p.put("aws.credentials.secret.access.key", "bench");
        p.put("source.stream.arn", server.streamArn);
        p.put(
                "source.poll.interval.ms",
                "1"); // as fast as the server answers (AWS allows 5 calls/s per shard)
        p.put("source.shard.discovery.interval.ms", "10000");
        p.put("state.backend", "hashmap");
        p.put("checkpoint.interval.ms", "600000");
        p.put(
                "checkpoint.dir",
                java.nio.file.Path.of("target/bench-checkpoints")
                        .toAbsolutePath()
                        .toUri()
                        .toString());
        p.put("job.parallelism", "1");
        p.put("aggregate.window.ms", "10000");
        p.put("sink.search.item.index", "todo-list-task");
        return JobConfig.from(p);
    }

    /**
     * One case alone, for profiling (e.g. under JFR): {@code a} (default), {@code c} or {@code d},
     * with {@code -Dstreamsync.bench.source.records} and {@code -Dstreamsync.bench.source.shards}.
     */
    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "a";
        long n = Long.getLong("streamsync.bench.source.records", 200_000L);
        int shards = Integer.getInteger("streamsync.bench.source.shards", 4);
        for (int i = 0; i < 3; i++) {
            Result r =
                    which.equals("c")
                            ? bareSdkLoop(shards, n, 10_000)
                            : which.equals("d") ? inMemory(n, 10_000) : job(shards, n, 10_000);
            System.out.println("[source " + which + "] " + r);
        }
        System.exit(0);
    }

    /** Records per shard for a run that counts {@code total} records over {@code shards}. */
    private static long perShard(long total, int shards) {
        return (total + shards - 1) / shards + 2000;
    }

    /** What a run reads: {@code n} measured after a tenth as warm-up. */
    private static long total(long n) {
        return n + n / 10;
    }

    /** (a): the full job with the change-stream source, on the loopback server. */
    static Result job(int shards, long n, int keys) throws Exception {
        try (LoopbackStreamServer server =
                new LoopbackStreamServer(shards, perShard(total(n), shards), keys)) {
            JobConfig c = config(server);
            RecordSource source = RecordSources.changeStream(c, server.streamArn);
            return run(source, c, n, server::cpuNanos, "change-stream source");
        }
    }

    /**
     * (d): the pipeline benchmark's in-memory source (records made in the source operator) into the
     * same job.
     */
    static Result inMemory(long n, int keys) throws Exception {
        try (LoopbackStreamServer server =
                new LoopbackStreamServer(1, 1, keys)) { // only for the config
            return run(
                    PipelineThroughput.source(total(n) + 1000, keys),
                    config(server),
                    n,
                    () -> 0L,
                    "in-memory source");
        }
    }

    static Result run(
            RecordSource source,
            JobConfig c,
            long n,
            java.util.function.LongSupplier serverCpu,
            String name)
            throws Exception {
        RecordSource counted =
                env ->
                        source.create(env)
                                .map(new Count())
                                .returns(Types.POJO(RawRecord.class))
                                .uid("bench-count")
                                .name("count");
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(512));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(
                env,
                c,
                counted,
                new PipelineSinks(
                        new DiscardingSink<ListAggregate>(),
                        new DiscardingSink<SearchAction>(),
                        new DiscardingSink<String>()));
        COUNTED.set(0);
        JobClient job = env.executeAsync(name);
        try {
            long deadline = System.nanoTime() + 600_000_000_000L;
            long warm = n / 10;
            while (COUNTED.get() < warm) {
                check(job, deadline);
                Thread.sleep(1);
            }
            long t0 = System.nanoTime();
            long c0 = COUNTED.get();
            long cpu0 = processCpuNanos() - serverCpu.getAsLong();
            while (COUNTED.get() < c0 + n) {
                check(job, deadline);
                Thread.sleep(1);
            }
            long t1 = System.nanoTime();
            long c1 = COUNTED.get();
            long cpu1 = processCpuNanos() - serverCpu.getAsLong();
            return new Result(c1 - c0, t1 - t0, cpu1 - cpu0);
        } finally {
            job.cancel().get();
        }
    }

    private static void check(JobClient job, long deadline) throws Exception {
        if (job.getJobStatus().get().isGloballyTerminalState()) {
            job.getJobExecutionResult().get(); // throws the job's failure
            throw new IllegalStateException("the bench job ended early");
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                    "the bench job did not get through its records in 10 minutes; counted "
                            + COUNTED.get());
        }
    }

    /**
     * (c): one thread, SDK v2's DynamoDbStreamsClient, GetRecords (Limit 1000) on the shards in
     * turn, records counted.
     */
    static Result bareSdkLoop(int shards, long n, int keys) throws Exception {
        try (LoopbackStreamServer server =
                        new LoopbackStreamServer(shards, perShard(total(n), shards), keys);
                DynamoDbStreamsClient client =
                        DynamoDbStreamsClient.builder()
                                .endpointOverride(server.endpoint())
                                .region(Region.US_EAST_1)
                                .credentialsProvider(
                                        StaticCredentialsProvider.create(
                                                AwsBasicCredentials.create("bench", "bench")))
                                .httpClientBuilder(
                                        software.amazon.awssdk.http.apache5.Apache5HttpClient
                                                .builder())
                                .build()) {
            String[] iterators = new String[shards];
            for (int s = 0; s < shards; s++) {
                int shard = s;
                iterators[s] =
                        client.getShardIterator(
                                        b ->
                                                b.streamArn(server.streamArn)
                                                        .shardId(
                                                                String.format(
                                                                        "shardId-00000001700000000000-%08d",
                                                                        shard))
                                                        .shardIteratorType(
                                                                ShardIteratorType.TRIM_HORIZON))
                                .shardIterator();
            }
            // warm-up: the first tenth, not measured
            long read = 0;
            int s = 0;
            long warm = n / 10;
            long t0 = 0;
            long cpu0 = 0;
            long start = 0;
            while (read < n + warm) {
                if (read >= warm && t0 == 0) {
                    t0 = System.nanoTime();
                    cpu0 = processCpuNanos() - server.cpuNanos();
                    start = read;
                }
                String it = iterators[s];
                GetRecordsResponse r = client.getRecords(b -> b.shardIterator(it).limit(1000));
                read += r.records().size();
                for (software.amazon.awssdk.services.dynamodb.model.Record rec : r.records()) {
                    if (rec.dynamodb().sequenceNumber() == null) {
                        throw new IllegalStateException("record without sequence number");
                    }
                }
                iterators[s] = r.nextShardIterator();
                s = (s + 1) % shards;
            }
            return new Result(
                    read - start,
                    System.nanoTime() - t0,
                    processCpuNanos() - server.cpuNanos() - cpu0);
        }
    }
}

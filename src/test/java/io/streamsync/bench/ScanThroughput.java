package io.streamsync.bench;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.source.RawRecord;
import io.streamsync.testing.Moto;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Items per second of the bootstrap scan on moto: the job's scan source (records rendered as change
 * records, into a discarding sink) at parallelism 1 and 2, against plain SDK Scan loops of the same
 * table in the same process (one thread, sequential; and as many threads as the job has readers,
 * parallel segments), which do nothing with the items: the floor a loader cannot beat against this
 * server.
 */
public final class ScanThroughput {
    private ScanThroughput() {}

    /** Fills a new table with {@code items} workload tasks over 200 lists; returns its name. */
    public static String preload(DynamoDbClient ddb, int items) {
        String table = "scanBench" + items;
        TodoTables.createSourceTableWithoutStream(ddb, table);
        new TaskWorkload(ddb, table, 200, 5L).preload(items);
        return table;
    }

    /**
     * Seconds for {@code threads} threads to scan the table with {@code segments} segments; checks
     * the count.
     */
    public static double sdkScan(
            DynamoDbClient ddb, String table, int threads, int segments, int expected)
            throws Exception {
        AtomicLong items = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        try {
            Future<?>[] futures = new Future<?>[segments];
            for (int s = 0; s < segments; s++) {
                int segment = s;
                futures[s] =
                        pool.submit(
                                () -> {
                                    Map<String, AttributeValue> startKey = null;
                                    do {
                                        ScanRequest.Builder r =
                                                ScanRequest.builder().tableName(table);
                                        if (segments > 1) {
                                            r.segment(segment).totalSegments(segments);
                                        }
                                        if (startKey != null) {
                                            r.exclusiveStartKey(startKey);
                                        }
                                        ScanResponse page = ddb.scan(r.build());
                                        items.addAndGet(page.count());
                                        startKey =
                                                page.hasLastEvaluatedKey()
                                                                && !page.lastEvaluatedKey()
                                                                        .isEmpty()
                                                        ? page.lastEvaluatedKey()
                                                        : null;
                                    } while (startKey != null);
                                });
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (items.get() != expected) {
            throw new IllegalStateException(
                    "SDK scan read " + items.get() + " items, table holds " + expected);
        }
        return seconds;
    }

    /**
     * Seconds for the job's scan source at the given parallelism to read the table into a
     * discarding sink.
     */
    public static double jobScan(Moto ddb, String table, int parallelism) throws Exception {
        JobConfig c =
                JobConfig.from(
                        Map.of(
                                "aws.endpoint",
                                ddb.endpoint().toString(),
                                "aws.credentials.provider",
                                "BASIC",
                                "aws.credentials.access.key.id",
                                Moto.ACCESS_KEY,
                                "aws.credentials.secret.access.key",
                                Moto.SECRET_KEY,
                                "source.table.name",
                                table,
                                "bootstrap.mode",
                                "scan",
                                "job.parallelism",
                                Integer.toString(parallelism),
                                "checkpoint.interval.ms",
                                "600000"));
        org.apache.flink.configuration.Configuration conf =
                new org.apache.flink.configuration.Configuration();
        conf.set(org.apache.flink.configuration.PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        RecordSources.bootstrapScan(c, table)
                .create(env)
                .sinkTo(new DiscardingSink<RawRecord>())
                .uid("discard");
        long start = System.nanoTime();
        env.execute("scan-bench-p" + parallelism);
        return (System.nanoTime() - start) / 1e9;
    }
}

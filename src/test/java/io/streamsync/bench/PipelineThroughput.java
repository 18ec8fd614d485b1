package io.streamsync.bench;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.OperatorIds;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.sink.search.SearchAction;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Events/s of the whole job graph (parse, key by list, per-list aggregation) on a MiniCluster, from
 * a bounded source of generated stream records into discarding sinks, against the Flink floor: the
 * same source straight into a discarding sink.
 */
public final class PipelineThroughput {
    private PipelineThroughput() {}

    /**
     * Records from a pool of templates; list id, task id and sequence number made from the index.
     */
    /**
     * Creation time of the generated records: each source subtask's records advance it by one
     * second per {@value #CHANGES_PER_SECOND} records, from the same start, so event time moves
     * evenly across subtasks and the job's windows become final all along the run (10 s windows:
     * 1,000 changes per window and subtask), as they do on a live stream.
     */
    static final long START_SECONDS = 1_700_000_000L;

    static final int CHANGES_PER_SECOND = 100;

    static final class ToRecord extends RichMapFunction<Long, RawRecord> {
        private static final long serialVersionUID = 1L;
        private final int keys;
        private transient byte[][][] templates;
        private transient char[][] markers;
        private transient long local;

        ToRecord(int keys) {
            this.keys = keys;
        }

        @Override
        public RawRecord map(Long i) {
            if (templates == null) {
                // each template cut at its placeholders and encoded once, so a record is one copy
                // of its parts,
                // as bytes: a stream source hands the job bytes too
                Random r = new Random(7);
                templates = new byte[256][][];
                markers = new char[256][];
                for (int t = 0; t < templates.length; t++) {
                    String template =
                            BenchRecords.record(r, "\u0001", "\u0002", 1)
                                    .replace("\"100000000000000001\"", "\"\u0003\"")
                                    .replace(
                                            "\"ApproximateCreationDateTime\":" + START_SECONDS,
                                            "\"ApproximateCreationDateTime\":\u0004");
                    StringBuilder order = new StringBuilder();
                    for (char ch : template.toCharArray()) {
                        if (ch >= '\u0001' && ch <= '\u0004') {
                            order.append(ch);
                        }
                    }
                    markers[t] = order.toString().toCharArray();
                    String[] parts = template.split("[\u0001\u0002\u0003\u0004]", -1);
                    templates[t] = new byte[parts.length][];
                    for (int p = 0; p < parts.length; p++) {
                        templates[t][p] = parts[p].getBytes(StandardCharsets.UTF_8);
                    }
                }
            }
            long creationSeconds = START_SECONDS + local++ / CHANGES_PER_SECOND;
            byte[][] values = new byte[5][];
            values[1] = ("list-" + (i % keys)).getBytes(StandardCharsets.US_ASCII);
            values[2] = ("task-" + i).getBytes(StandardCharsets.US_ASCII);
            String seqText = Long.toString(100000000000000000L + i);
            values[3] = seqText.getBytes(StandardCharsets.US_ASCII);
            values[4] = Long.toString(creationSeconds).getBytes(StandardCharsets.US_ASCII);
            int t = (int) (i & 255);
            byte[][] parts = templates[t];
            int size = 0;
            for (int p = 0; p < parts.length; p++) {
                size += parts[p].length + (p > 0 ? values[markers[t][p - 1]].length : 0);
            }
            byte[] out = new byte[size];
            int at = 0;
            for (int p = 0; p < parts.length; p++) {
                if (p > 0) {
                    byte[] v = values[markers[t][p - 1]];
                    System.arraycopy(v, 0, out, at, v.length);
                    at += v.length;
                }
                System.arraycopy(parts[p], 0, out, at, parts[p].length);
                at += parts[p].length;
            }
            return new RawRecord(out, "bench", seqText, creationSeconds * 1000);
        }
    }

    static RecordSource source(long n, int keys) {
        // event time as the change-stream source gives it: creation time, watermark 2 s behind
        return env ->
                env.fromSequence(0, n - 1)
                        .uid(OperatorIds.SOURCE.uid())
                        .map(new ToRecord(keys))
                        .returns(Types.POJO(RawRecord.class))
                        .uid("to-record")
                        .assignTimestampsAndWatermarks(
                                WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(
                                                Duration.ofSeconds(2))
                                        .withTimestampAssigner((r, previous) -> r.arrivalTime))
                        .uid("event-time");
    }

    /** Seconds to push {@code n} records through the floor or the job graph. */
    public static double run(boolean floor, int parallelism, String backend, int keys, long n)
            throws Exception {
        return run(floor, parallelism, backend, keys, n, true);
    }

    /**
     * The same; {@code itemIndex} false: a job that keeps only the aggregates (no item documents).
     */
    public static double run(
            boolean floor, int parallelism, String backend, int keys, long n, boolean itemIndex)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(512));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        JobConfig c =
                JobConfig.from(
                        Map.of(
                                "state.backend",
                                backend,
                                "checkpoint.interval.ms",
                                "600000",
                                "checkpoint.dir",
                                java.nio.file.Path.of("target/bench-checkpoints")
                                        .toAbsolutePath()
                                        .toUri()
                                        .toString(),
                                "job.parallelism",
                                Integer.toString(parallelism),
                                "aggregate.window.ms",
                                "10000",
                                "sink.search.item.index",
                                itemIndex ? "todo-list-task" : ""));
        StreamSyncPipeline.configureEnvironment(env, c);
        if (floor) {
            DataStream<RawRecord> records = source(n, keys).create(env);
            records.sinkTo(new DiscardingSink<>()).uid("discard");
        } else {
            StreamSyncPipeline.define(
                    env,
                    c,
                    source(n, keys),
                    new PipelineSinks(
                            new DiscardingSink<ListAggregate>(),
                            new DiscardingSink<SearchAction>(),
                            new DiscardingSink<String>()));
        }
        long start = System.nanoTime();
        env.execute(floor ? "floor" : "pipeline");
        return (System.nanoTime() - start) / 1e9;
    }
}

package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.source.RawRecord;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Event time out of the change-stream source, seen by a downstream operator, on moto (one shard)
 * with two source subtasks: the reader without a shard is marked idle and holds nothing back, the
 * shard's watermark follows its records' creation times, and once the stream is quiet the shard, at
 * its head, moves the watermark on with the clock.
 */
class SourceWatermarksITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    /** The probe's last view of the watermark, and the latest record timestamp it saw. */
    static final AtomicLong WATERMARK = new AtomicLong(Long.MIN_VALUE);

    static final AtomicLong LATEST_RECORD = new AtomicLong(Long.MIN_VALUE);

    /** Reads the operator's current watermark on every record and every 100 ms. */
    static final class Probe extends KeyedProcessFunction<Integer, RawRecord, String> {
        @Override
        public void processElement(RawRecord r, Context ctx, Collector<String> out) {
            WATERMARK.set(ctx.timerService().currentWatermark());
            if (ctx.timestamp() != null) {
                LATEST_RECORD.accumulateAndGet(ctx.timestamp(), Math::max);
            }
            ctx.timerService()
                    .registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 100);
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) {
            WATERMARK.set(ctx.timerService().currentWatermark());
            ctx.timerService().registerProcessingTimeTimer(timestamp + 100);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theWatermarkFollowsTheRecordsAndMovesOnWithTimeWhenTheStreamIsQuiet(@TempDir Path dir)
            throws Exception {
        String name = "watermarks";
        String streamArn =
                TodoTables.createSourceTable(
                        SERVICES.ddb(), name + "Tasks", StreamViewType.NEW_AND_OLD_IMAGES);
        Map<String, String> props = SERVICES.services().testJobProperties(name, dir.resolve("dl"));
        props.put("source.poll.interval.ms", "100");
        props.put("source.shard.discovery.interval.ms", "1000");
        props.put("source.watermark.out.of.orderness.ms", "2000");
        props.put("source.watermark.head.delay.ms", "3000");
        JobConfig c = JobConfig.from(props);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(
                env, c); // parallelism 2: one source subtask has no shard
        RecordSources.changeStream(c, streamArn)
                .create(env)
                .keyBy(r -> 0, Types.INT)
                .process(new Probe())
                .returns(Types.STRING)
                .uid("probe")
                .name("probe")
                .setParallelism(1)
                .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>())
                .uid("discard")
                .setParallelism(1);
        JobClient job = env.executeAsync("watermarks");
        try {
            long before = System.currentTimeMillis();
            new TaskWorkload(SERVICES.ddb(), name + "Tasks", 3, 5L).run(20);
            // the records' creation times (seconds, rounded down) reach the probe, and the
            // watermark follows them
            Poll.until(
                    Duration.ofSeconds(60),
                    () ->
                            LATEST_RECORD.get() >= before - 1000
                                            && WATERMARK.get() >= LATEST_RECORD.get() - 2000
                                    ? null
                                    : "watermark "
                                            + WATERMARK.get()
                                            + ", latest record "
                                            + LATEST_RECORD.get());

            // quiet: the shard is at its head, so the watermark keeps up with the clock less the
            // head delay and the bound (now - 3 s - 2 s), never ahead of it. Only those head
            // heartbeats can take it 5 s past the last record's time (records alone leave it 2 s
            // behind it). No wall-clock bound on how fast: a busy machine only makes this poll
            // longer. The upper bound is checked at every poll, the watermark read before the
            // clock, so a late check is only more lenient.
            long last = LATEST_RECORD.get();
            java.util.List<String> ahead = new java.util.ArrayList<>();
            Poll.until(
                    Duration.ofSeconds(60),
                    () -> {
                        long w = WATERMARK.get();
                        long now = System.currentTimeMillis();
                        // a watermark the records made (the last one's time - 2 s) can be
                        // younger than 5 s at the start of the quiet phase: the bound is on
                        // what the head heartbeats add beyond it
                        if (w > last - 2000 && w > now - 3000 - 2000 + 500) {
                            ahead.add("watermark " + w + " at " + now);
                        }
                        return w >= last + 5000
                                ? null
                                : "watermark "
                                        + w
                                        + ", the last record's time "
                                        + last
                                        + " (no advance without records: no head heartbeats)";
                    });
            assertThat(ahead).as("watermark ahead of now - 3000 - 2000").isEmpty();
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }
    }
}

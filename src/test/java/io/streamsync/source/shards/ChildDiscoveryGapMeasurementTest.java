package io.streamsync.source.shards;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.source.RawRecord;
import io.streamsync.source.stream.ListedShard;
import io.streamsync.source.stream.RecordBatch;
import io.streamsync.source.stream.ShardStream;
import io.streamsync.source.stream.StartPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures issue 27 item 4: the wall-clock gap between the emission of a parent shard's last record
 * and of its child's first record, with child discovery by the periodic listing only (before) and
 * with a CHILD_SHARDS query when the parent ends (after). The real enumerator and reader (Flink's
 * fetcher thread, the real split reader) run with the production defaults (discovery every 10 s,
 * GetRecords every 200 ms per shard) on a stream that rolls its shard over every {@value #ROLL_MS}
 * ms while a record is written every {@value #WRITE_MS} ms; the coordinator runs on its own thread,
 * its calls on a worker pool, as in Flink. A measurement, not a check of the build: run with {@code
 * -Dmeasure.child.gap=true}; it prints the gaps and asserts only that every record came once, in
 * order.
 */
@EnabledIfSystemProperty(named = "measure.child.gap", matches = "true")
class ChildDiscoveryGapMeasurementTest {
    static final long ROLL_MS = 7_000;
    static final long WRITE_MS = 50;
    static final int GENERATIONS = 6;

    /**
     * Shard g exists from start + g * ROLL_MS and is closed ROLL_MS later; record k is written at
     * start + k * WRITE_MS.
     */
    static final class RollingStream implements ShardStream {
        final long start = System.currentTimeMillis();
        final boolean childQuery;

        RollingStream(boolean childQuery) {
            this.childQuery = childQuery;
        }

        int generationOf(long k) {
            return (int) (k * WRITE_MS / ROLL_MS);
        }

        long firstOf(int g) {
            return (g * ROLL_MS + WRITE_MS - 1) / WRITE_MS;
        }

        int generations(long now) {
            return (int) Math.min(GENERATIONS, (now - start) / ROLL_MS + 1);
        }

        @Override
        public List<ListedShard> listShards() {
            long now = System.currentTimeMillis();
            List<ListedShard> out = new ArrayList<>();
            for (int g = 0; g < generations(now); g++) {
                out.add(
                        new ListedShard(
                                "s" + g,
                                g == 0 ? List.of() : List.of("s" + (g - 1)),
                                now >= start + (g + 1) * ROLL_MS));
            }
            return out;
        }

        @Override
        public List<ListedShard> childShards(String shardId) {
            if (!childQuery) {
                return null;
            }
            int g = Integer.parseInt(shardId.substring(1)) + 1;
            return g < generations(System.currentTimeMillis())
                    ? List.of(new ListedShard("s" + g, List.of(shardId), false))
                    : List.of();
        }

        @Override
        public String shardIterator(String shardId, StartPosition position) {
            int g = Integer.parseInt(shardId.substring(1));
            long k =
                    position.type == StartPosition.Type.AFTER_SEQUENCE_NUMBER
                            ? Long.parseLong(position.sequenceNumber) + 1
                            : firstOf(g);
            return shardId + "@" + k;
        }

        @Override
        public RecordBatch getRecords(String shardId, String iterator, int limit) {
            long now = System.currentTimeMillis();
            int g = Integer.parseInt(shardId.substring(1));
            long from = Long.parseLong(iterator.substring(iterator.indexOf('@') + 1));
            boolean closed = now >= start + (g + 1) * ROLL_MS;
            List<RawRecord> records = new ArrayList<>();
            long k = from;
            for (;
                    records.size() < limit && generationOf(k) == g && start + k * WRITE_MS <= now;
                    k++) {
                records.add(
                        new RawRecord(
                                ("{\"k\":" + k + "}").getBytes(),
                                shardId,
                                Long.toString(k),
                                start + k * WRITE_MS));
            }
            boolean ended = closed && generationOf(k) != g;
            return new RecordBatch(records, ended ? null : shardId + "@" + k, -1);
        }

        @Override
        public int maxRecordsPerCall() {
            return 1000;
        }

        @Override
        public String describe() {
            return "rolling";
        }

        @Override
        public void close() {}
    }

    /**
     * Runs the source until the last generation's first record is emitted; returns the gaps (ms)
     * per rollover.
     */
    private static List<Long> run(boolean childQuery) throws Exception {
        RollingStream stream = new RollingStream(childQuery);
        ShardSourceSettings settings =
                TestShardSettings.of(
                        null,
                        StartPosition.TRIM_HORIZON,
                        Duration.ofSeconds(10),
                        Duration.ofMillis(200),
                        1000,
                        false,
                        Duration.ofMinutes(5));
        ExecutorService coordinator = Executors.newSingleThreadExecutor();
        ScheduledExecutorService worker = Executors.newScheduledThreadPool(2);
        ConcurrentLinkedQueue<Runnable> readerTasks = new ConcurrentLinkedQueue<>();
        ShardEnumerator[] enumerator = new ShardEnumerator[1];
        ShardReader[] reader = new ShardReader[1];

        SplitEnumeratorContext<ShardSplit> ctx =
                new SplitEnumeratorContext<>() {
                    @Override
                    public SplitEnumeratorMetricGroup metricGroup() {
                        return UnregisteredMetricsGroup.createSplitEnumeratorMetricGroup();
                    }

                    @Override
                    public void sendEventToSourceReader(int subtaskId, SourceEvent event) {
                        readerTasks.add(() -> reader[0].handleSourceEvents(event));
                    }

                    @Override
                    public int currentParallelism() {
                        return 1;
                    }

                    @Override
                    public Map<Integer, ReaderInfo> registeredReaders() {
                        return Map.of(0, new ReaderInfo(0, "h"));
                    }

                    @Override
                    public void assignSplits(SplitsAssignment<ShardSplit> assignment) {
                        List<ShardSplit> splits = assignment.assignment().get(0);
                        readerTasks.add(() -> reader[0].addSplits(splits));
                    }

                    @Override
                    public void signalNoMoreSplits(int subtask) {}

                    private <T> Runnable call(
                            Callable<T> callable, BiConsumer<T, Throwable> handler) {
                        return () -> {
                            T result = null;
                            Throwable error = null;
                            try {
                                result = callable.call();
                            } catch (Throwable t) {
                                error = t;
                            }
                            T r = result;
                            Throwable e = error;
                            coordinator.execute(() -> handler.accept(r, e));
                        };
                    }

                    @Override
                    public <T> void callAsync(
                            Callable<T> callable, BiConsumer<T, Throwable> handler) {
                        worker.execute(call(callable, handler));
                    }

                    @Override
                    public <T> void callAsync(
                            Callable<T> callable,
                            BiConsumer<T, Throwable> handler,
                            long initialDelay,
                            long period) {
                        worker.scheduleAtFixedRate(
                                call(callable, handler),
                                initialDelay,
                                period,
                                TimeUnit.MILLISECONDS);
                    }

                    @Override
                    public void runInCoordinatorThread(Runnable runnable) {
                        coordinator.execute(runnable);
                    }
                };
        SourceReaderContext readerContext =
                new SourceReaderContext() {
                    @Override
                    public SourceReaderMetricGroup metricGroup() {
                        return UnregisteredMetricsGroup.createSourceReaderMetricGroup();
                    }

                    @Override
                    public Configuration getConfiguration() {
                        return new Configuration();
                    }

                    @Override
                    public String getLocalHostName() {
                        return "localhost";
                    }

                    @Override
                    public int getIndexOfSubtask() {
                        return 0;
                    }

                    @Override
                    public void sendSplitRequest() {}

                    @Override
                    public void sendSourceEventToCoordinator(SourceEvent event) {
                        coordinator.execute(() -> enumerator[0].handleSourceEvent(0, event));
                    }

                    @Override
                    public UserCodeClassLoader getUserCodeClassLoader() {
                        return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
                    }
                };
        ShardReaderMetrics metrics = new ShardReaderMetrics(new UnregisteredMetricsGroup(), null);
        reader[0] =
                new ShardReader(
                        () -> new ShardSplitReader(settings, metrics, stream),
                        new DescriptiveStatisticsHistogram(10),
                        new Configuration(),
                        readerContext);
        Map<String, long[]> firstAndLast =
                new LinkedHashMap<>(); // shard -> first emitted at, last emitted at
        List<Long> order = new ArrayList<>();
        ReaderOutput<RawRecord> output =
                new ReaderOutput<>() {
                    @Override
                    public void collect(RawRecord record) {
                        long now = System.currentTimeMillis();
                        firstAndLast
                                        .computeIfAbsent(
                                                record.shardId, s -> new long[] {now, now})[1] =
                                now;
                        order.add(Long.parseLong(record.sequenceNumber));
                    }

                    @Override
                    public void collect(RawRecord record, long timestamp) {
                        collect(record);
                    }

                    @Override
                    public void emitWatermark(Watermark watermark) {}

                    @Override
                    public void markIdle() {}

                    @Override
                    public void markActive() {}

                    @Override
                    public SourceOutput<RawRecord> createOutputForSplit(String splitId) {
                        return this;
                    }

                    @Override
                    public void releaseOutputForSplit(String splitId) {}
                };
        coordinator
                .submit(
                        () -> {
                            enumerator[0] =
                                    new ShardEnumerator(
                                            ctx,
                                            settings,
                                            new ShardLineage(StartPosition.TRIM_HORIZON),
                                            () -> stream);
                            enumerator[0].start();
                            enumerator[0].addReader(0);
                        })
                .get();
        reader[0].start();
        String last = "s" + (GENERATIONS - 1);
        long deadline = System.currentTimeMillis() + GENERATIONS * ROLL_MS + 60_000;
        while (!firstAndLast.containsKey(last) && System.currentTimeMillis() < deadline) {
            Runnable task;
            while ((task = readerTasks.poll()) != null) {
                task.run();
            }
            reader[0].pollNext(output);
            Thread.sleep(1);
        }
        worker.shutdownNow();
        coordinator.shutdownNow();
        reader[0].close();
        for (int i = 1; i < order.size(); i++) {
            assertThat(order.get(i))
                    .as("every record once, in order")
                    .isEqualTo(order.get(i - 1) + 1);
        }
        List<Long> gaps = new ArrayList<>();
        for (int g = 1; g < GENERATIONS; g++) {
            gaps.add(firstAndLast.get("s" + g)[0] - firstAndLast.get("s" + (g - 1))[1]);
        }
        return gaps;
    }

    @Test
    void gapBetweenAParentsLastRecordAndItsChildsFirst() throws Exception {
        List<Long> before = run(false);
        List<Long> after = run(true);
        System.out.println("CHILD-GAP listing only (discovery 10 s), ms: " + before);
        System.out.println("CHILD-GAP with CHILD_SHARDS query, ms: " + after);
        System.out.println(
                "CHILD-GAP median before/after: " + median(before) + " / " + median(after));
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(Long::compare);
        return sorted.get(sorted.size() / 2);
    }
}

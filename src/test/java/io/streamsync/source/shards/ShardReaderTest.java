package io.streamsync.source.shards;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.source.RawRecord;
import io.streamsync.source.stream.StartPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.junit.jupiter.api.Test;

/**
 * A shard read to its end is reported to the enumerator and stays in the reader's checkpoints until
 * the enumerator confirmed it and a checkpoint taken after the confirmation completed; a restored
 * finished shard is reported again and not read.
 */
class ShardReaderTest {
    private final List<SourceEvent> sent = new ArrayList<>();

    private final SourceReaderContext context =
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
                    synchronized (sent) {
                        sent.add(event);
                    }
                }

                @Override
                public UserCodeClassLoader getUserCodeClassLoader() {
                    return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
                }
            };

    /** Collects what the reader emits. */
    static class Collecting implements ReaderOutput<RawRecord> {
        final List<String> records = new ArrayList<>();

        @Override
        public void collect(RawRecord record) {
            records.add(record.shardId + "/" + record.sequenceNumber);
        }

        @Override
        public void collect(RawRecord record, long timestamp) {
            collect(record);
        }

        final List<Long> watermarks = new ArrayList<>();

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
        }

        int idleMarks;

        @Override
        public void markIdle() {
            idleMarks++;
        }

        @Override
        public void markActive() {}

        @Override
        public SourceOutput<RawRecord> createOutputForSplit(String splitId) {
            return this;
        }

        @Override
        public void releaseOutputForSplit(String splitId) {}
    }

    private ShardReader reader(ShardSplitReaderTest.ScriptedStream stream) {
        ShardSourceSettings settings =
                TestShardSettings.of(
                        null,
                        StartPosition.TRIM_HORIZON,
                        Duration.ofSeconds(10),
                        Duration.ofMillis(1),
                        100,
                        false,
                        Duration.ofMinutes(1));
        ShardReaderMetrics metrics = new ShardReaderMetrics(new UnregisteredMetricsGroup(), null);
        return new ShardReader(
                () -> new ShardSplitReader(settings, metrics, stream),
                new DescriptiveStatisticsHistogram(10),
                new Configuration(),
                context);
    }

    private List<String> finishedReports() {
        synchronized (sent) {
            List<String> out = new ArrayList<>();
            sent.stream()
                    .filter(e -> e instanceof ShardEvents.ShardsFinished)
                    .forEach(e -> out.addAll(((ShardEvents.ShardsFinished) e).shardIds));
            return out;
        }
    }

    @Test
    void aFinishedShardStaysInCheckpointsUntilAConfirmedLaterCheckpointCompletes()
            throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put("parent", 3);
        stream.closed.add("parent");
        stream.sizes.put("other", 5);
        ShardReader reader = reader(stream);
        reader.start();
        reader.addSplits(
                List.of(
                        new ShardSplit("parent", StartPosition.TRIM_HORIZON),
                        new ShardSplit("other", StartPosition.TRIM_HORIZON)));
        Collecting out = new Collecting();
        long deadline = System.currentTimeMillis() + 10_000;
        while ((finishedReports().isEmpty() || out.records.size() < 8)
                && System.currentTimeMillis() < deadline) {
            reader.pollNext(out);
            Thread.sleep(1);
        }
        assertThat(out.records).contains("parent/0", "parent/1", "parent/2", "other/4").hasSize(8);
        assertThat(finishedReports()).containsExactly("parent");

        // positions after the last record emitted, with its creation time (the scripted records':
        // 1000 + i ms)
        ShardSplit finished =
                new ShardSplit("parent", StartPosition.afterSequenceNumber("2"), true, 1002L);
        ShardSplit other =
                new ShardSplit("other", StartPosition.afterSequenceNumber("4"), false, 1004L);
        assertThat(reader.snapshotState(1)).containsExactlyInAnyOrder(other, finished);
        reader.notifyCheckpointComplete(1);
        assertThat(reader.snapshotState(2)).as("not confirmed yet").contains(finished);

        reader.handleSourceEvents(new ShardEvents.FinishedRecorded(List.of("parent")));
        assertThat(reader.snapshotState(3))
                .as("confirmed, but this checkpoint's enumerator part may predate it")
                .contains(finished);
        reader.notifyCheckpointComplete(3);
        assertThat(reader.snapshotState(4)).contains(finished);
        reader.notifyCheckpointComplete(4);
        assertThat(reader.snapshotState(5))
                .as("a checkpoint after the confirmation completed, but the shard is still held")
                .contains(finished);
        reader.notifyCheckpointComplete(5);

        reader.handleSourceEvents(new ShardEvents.ChildrenSettled(List.of("parent")));
        reader.pollNext(out); // let go
        assertThat(reader.snapshotState(6))
                .as("let go, but this checkpoint's enumerator part may predate the children")
                .contains(finished);
        reader.notifyCheckpointComplete(6);
        assertThat(reader.snapshotState(7)).contains(finished);
        reader.notifyCheckpointComplete(7);
        assertThat(reader.snapshotState(8))
                .as("a checkpoint after it was let go completed")
                .containsExactly(other);
        reader.close();
    }

    @Test
    void aRestoredFinishedShardIsReportedAgainAndNotRead() throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put("parent", 3);
        ShardReader reader = reader(stream);
        ShardSplit finished =
                new ShardSplit("parent", StartPosition.afterSequenceNumber("2"), true);
        stream.sizes.put("open", 1);
        reader.addSplits(
                List.of(finished, new ShardSplit("open", StartPosition.afterSequenceNumber("0"))));
        reader.start(); // as Flink's source operator does: restored splits first, then start
        assertThat(finishedReports()).containsExactly("parent");
        synchronized (sent) {
            assertThat(sent)
                    .as(
                            "then it says which unfinished shards it restored (after a regional failover the "
                                    + "enumerator learns from this which of its finished shards are read again)")
                    .last()
                    .hasToString("ReaderStarted[open]");
        }
        Collecting out = new Collecting();
        for (int i = 0; i < 20; i++) {
            reader.pollNext(out);
            Thread.sleep(2);
        }
        assertThat(out.records).isEmpty();
        assertThat(stream.iteratorRequests)
                .as("the finished shard is not read")
                .noneMatch(r -> r.startsWith("parent"));
        assertThat(reader.snapshotState(7)).contains(finished);
        reader.close();
    }

    @Test
    void toldItHasNoShardsAReaderWithoutShardsMarksItselfIdleAndOneWithShardsDoesNot()
            throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put("s", 2);
        ShardReader reader = reader(stream);
        reader.start();
        Collecting out = new Collecting();
        java.util.concurrent.CompletableFuture<Void> waiting = reader.isAvailable();
        reader.handleSourceEvents(new ShardEvents.NoShards());
        assertThat(waiting).as("the source operator is woken to poll").isDone();
        reader.pollNext(out);
        assertThat(out.idleMarks).isEqualTo(1);
        reader.pollNext(out);
        assertThat(out.idleMarks).as("once per message").isEqualTo(1);

        reader.addSplits(List.of(new ShardSplit("s", StartPosition.TRIM_HORIZON)));
        reader.handleSourceEvents(
                new ShardEvents
                        .NoShards()); // e.g. a restored shard the enumerator does not know of
        for (int i = 0; i < 10; i++) {
            reader.pollNext(out);
            Thread.sleep(2);
        }
        assertThat(out.idleMarks).as("it has a shard: not idle").isEqualTo(1);
        reader.close();
    }

    @Test
    void aRestoredLatestPositionIsResolvedOnceAndNeverCheckpointedAsLatest() throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put("s", 0);
        ShardReader reader = reader(stream);
        long before = System.currentTimeMillis();
        reader.addSplits(
                List.of(
                        new ShardSplit(
                                "s", StartPosition.LATEST))); // the state of an earlier version
        reader.start();
        List<ShardSplit> state = reader.snapshotState(1);
        assertThat(state)
                .singleElement()
                .satisfies(
                        split -> {
                            assertThat(split.start.type)
                                    .as(
                                            "a new LATEST iterator after a restore would skip what was written since")
                                    .isEqualTo(StartPosition.Type.AT_TIMESTAMP);
                            assertThat(split.start.timestampMillis)
                                    .isBetween(before, System.currentTimeMillis());
                        });
        reader.close();
    }

    @Test
    void aShardWhoseChildrenAreListedSendsNoHeartbeatSoItsEmptyAnswersDoNotMoveTheWatermark()
            throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put(
                "p", 1); // one record, then empty answers: the stream writes to p's child now
        ShardReader reader = reader(stream);
        reader.start();
        reader.addSplits(List.of(new ShardSplit("p", StartPosition.TRIM_HORIZON)));
        reader.handleSourceEvents(new ShardEvents.ShardsSuperseded(List.of("p")));
        Collecting out = new Collecting();
        long deadline = System.currentTimeMillis() + 10_000;
        while (stream.getRecordsCalls < 3 * ShardSplitReader.HEAD_EMPTY_PAGES
                && System.currentTimeMillis() < deadline) {
            reader.pollNext(out);
            Thread.sleep(1);
        }
        assertThat(out.records).containsExactly("p/0");
        assertThat(out.watermarks)
                .as("only its record's time (1000 ms) minus 2 s, never now minus the head delay")
                .containsExactly(-1000L);
        reader.close();
    }

    @Test
    void anEventTimeFarInTheFutureDoesNotRaiseTheShardsWatermarkForGood() throws Exception {
        ShardReader.Emitter emitter =
                new ShardReader.Emitter(new DescriptiveStatisticsHistogram(10), 2000, 3000);
        ShardSplitState state =
                new ShardSplitState(new ShardSplit("s", StartPosition.TRIM_HORIZON));
        Collecting out = new Collecting();
        long now = System.currentTimeMillis();
        emitter.emitRecord(
                new RawRecord("{}".getBytes(), "s", "1", now + 86_400_000L),
                out,
                state); // a clock gone wrong
        assertThat(out.watermarks)
                .singleElement()
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LONG)
                .isLessThanOrEqualTo(System.currentTimeMillis() + 60_000);
        emitter.emitRecord(
                new RawRecord("{}".getBytes(), "s", "2", System.currentTimeMillis() + 120_000L),
                out,
                state);
        assertThat(out.watermarks.get(out.watermarks.size() - 1))
                .as("later records move it on with the clock")
                .isGreaterThan(now + 55_000);
    }

    @Test
    void aLostParentsGapIsReportedBeforeTheChildsRecordsAndKeptInCheckpointsUntilThen()
            throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put("c", 2);
        ShardReader reader = reader(stream);
        reader.start();
        ShardSplit child =
                new ShardSplit(
                        "c",
                        StartPosition.TRIM_HORIZON,
                        false,
                        -1L,
                        "trimmed-data gap: shard b lost");
        reader.addSplits(List.of(child));
        assertThat(reader.snapshotState(1))
                .as("not reported yet: a restore reports it")
                .containsExactly(child);
        List<String> gaps = new ArrayList<>();
        Collecting out =
                new Collecting() {
                    @Override
                    public void collect(RawRecord record) {
                        if (record.gap != null) {
                            gaps.add(record.gap);
                        }
                        super.collect(record);
                    }
                };
        long deadline = System.currentTimeMillis() + 10_000;
        while (out.records.size() < 3 && System.currentTimeMillis() < deadline) {
            reader.pollNext(out);
            Thread.sleep(1);
        }
        assertThat(gaps).containsExactly("trimmed-data gap: shard b lost");
        assertThat(out.records).containsExactly("c/null", "c/0", "c/1");
        assertThat(reader.snapshotState(2))
                .singleElement()
                .satisfies(s -> assertThat(s.gap).isNull());
        reader.close();
    }

    /**
     * Per-split outputs as Flink 2.2's ProgressiveTimestampsAndWatermarks keeps them: the reader's
     * watermark is their least.
     */
    static class SplitOutputs extends Collecting {
        final java.util.Map<String, Long> live = new java.util.LinkedHashMap<>();

        @Override
        public SourceOutput<RawRecord> createOutputForSplit(String splitId) {
            live.putIfAbsent(splitId, Long.MIN_VALUE);
            Collecting main = this;
            return new SourceOutput<RawRecord>() {
                public void collect(RawRecord r) {
                    main.collect(r);
                }

                public void collect(RawRecord r, long t) {
                    main.collect(r);
                }

                public void emitWatermark(Watermark w) {
                    live.put(splitId, Math.max(live.get(splitId), w.getTimestamp()));
                }

                public void markIdle() {}

                public void markActive() {}
            };
        }

        @Override
        public void releaseOutputForSplit(String splitId) {
            live.remove(splitId);
        }

        long readerWatermark() {
            return live.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
        }
    }

    @Test
    void aRestoredFinishedShardReleasesTheSplitOutputFlinkMadeForItSoTheReaderWatermarkMovesOn()
            throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put("parent", 3);
        stream.sizes.put("child", 3);
        ShardReader reader = reader(stream);
        List<ShardSplit> restored =
                List.of(
                        new ShardSplit("parent", StartPosition.afterSequenceNumber("2"), true),
                        new ShardSplit("child", StartPosition.TRIM_HORIZON));
        SplitOutputs out = new SplitOutputs();
        // as Flink 2.2.1's SourceOperator does: every restored split goes to
        // splitsToInitializeOutput, and
        // initializeMainOutput creates an output for each before the first poll
        reader.addSplits(restored);
        reader.start();
        restored.forEach(s -> out.createOutputForSplit(s.shardId));
        long deadline = System.currentTimeMillis() + 10_000;
        while (out.records.size() < 3 && System.currentTimeMillis() < deadline) {
            reader.pollNext(out);
            Thread.sleep(1);
        }
        assertThat(out.records).containsExactly("child/0", "child/1", "child/2");
        assertThat(finishedReports()).containsExactly("parent");
        assertThat(out.readerWatermark())
                .as(
                        "until the enumerator says parent's children are handed out, it holds the reader")
                .isEqualTo(Long.MIN_VALUE);

        reader.handleSourceEvents(new ShardEvents.ChildrenSettled(List.of("parent")));
        reader.pollNext(out);
        assertThat(out.live)
                .as("no output is left for the finished shard")
                .doesNotContainKey("parent");
        assertThat(out.readerWatermark())
                .as("the child's records move the reader's watermark")
                .isGreaterThan(Long.MIN_VALUE);
        reader.close();
    }

    /**
     * Per-split outputs and the reader's combined watermark as Flink 2.2 keeps them
     * (ProgressiveTimestampsAndWatermarks over a WatermarkOutputMultiplexer): the least watermark
     * of the live split outputs (an output that has emitted none counts as the lowest), never going
     * back; a record at or behind it is late downstream.
     */
    static class CombinedOutputs extends Collecting {
        final java.util.Map<String, Long> live = new java.util.LinkedHashMap<>();
        long combined = Long.MIN_VALUE;
        final List<String> late = new ArrayList<>();

        private void update() {
            if (!live.isEmpty()) {
                long least = live.values().stream().mapToLong(Long::longValue).min().getAsLong();
                combined = Math.max(combined, least);
            }
        }

        @Override
        public SourceOutput<RawRecord> createOutputForSplit(String splitId) {
            live.putIfAbsent(splitId, Long.MIN_VALUE);
            CombinedOutputs main = this;
            return new SourceOutput<RawRecord>() {
                public void collect(RawRecord r) {
                    main.collect(r);
                }

                public void collect(RawRecord r, long t) {
                    if (t <= combined) {
                        late.add(r.shardId + "/" + r.sequenceNumber + "@" + t);
                    }
                    main.collect(r);
                }

                public void emitWatermark(Watermark w) {
                    live.computeIfPresent(splitId, (id, old) -> Math.max(old, w.getTimestamp()));
                    update();
                }

                public void markIdle() {}

                public void markActive() {}
            };
        }

        @Override
        public void releaseOutputForSplit(String splitId) {
            live.remove(splitId);
            update();
        }
    }

    /** Adds splits as Flink 2.2.1's SourceOperator does: their outputs first, then the reader. */
    private static void assign(ShardReader reader, CombinedOutputs out, ShardSplit... splits) {
        for (ShardSplit s : splits) {
            out.createOutputForSplit(s.shardId);
        }
        reader.addSplits(List.of(splits));
    }

    private void pollUntil(
            ShardReader reader,
            ReaderOutput<RawRecord> out,
            java.util.function.BooleanSupplier done)
            throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
            reader.pollNext(out);
            Thread.sleep(1);
        }
        assertThat(done.getAsBoolean()).as("reached within 10 s").isTrue();
    }

    /**
     * Seed 105 of the seeded fault harness: at parallelism 1 one reader holds both lineages. After
     * a restore it catches up; lineage a's shard ends before its child is handed out, while lineage
     * b's shard is read seconds ahead. Releasing a1's output at its end made the reader's watermark
     * b1's alone, so a2's first records came behind it: late, dropped from their windows.
     */
    @Test
    void aFinishedShardsOutputHoldsTheReaderBackUntilItsChildrenAreSettled() throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put("a1", 3); // records at 1000..1002 ms, then its end
        stream.closed.add("a1");
        stream.sizes.put("b1", 3000); // records at 1000..3999 ms: read ahead
        stream.sizes.put("a2", 3); // a1's child
        ShardReader reader = reader(stream);
        reader.start();
        CombinedOutputs out = new CombinedOutputs();
        assign(
                reader,
                out,
                new ShardSplit("a1", StartPosition.TRIM_HORIZON),
                new ShardSplit("b1", StartPosition.TRIM_HORIZON));
        pollUntil(
                reader, out, () -> finishedReports().contains("a1") && out.records.size() == 3003);
        assertThat(out.combined)
                .as(
                        "a1's children may still come to this reader: a1's last watermark (1002 - 2000 ms) holds it back")
                .isEqualTo(1002 - 2000);

        assign(reader, out, new ShardSplit("a2", StartPosition.TRIM_HORIZON));
        reader.handleSourceEvents(new ShardEvents.ChildrenSettled(List.of("a1")));
        pollUntil(reader, out, () -> out.records.size() == 3006);
        assertThat(out.late).as("no record of the child comes behind the watermark").isEmpty();
        assertThat(out.live.keySet())
                .as("a1's output is released once its child has its own")
                .containsExactlyInAnyOrder("b1", "a2");
        reader.close();
    }

    @Test
    void aFinishedShardsOutputGoesWhenTheReaderIsToldItHasNothingToWaitFor() throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put("a1", 3);
        stream.closed.add("a1");
        ShardReader reader = reader(stream);
        reader.start();
        CombinedOutputs out = new CombinedOutputs();
        assign(reader, out, new ShardSplit("a1", StartPosition.TRIM_HORIZON));
        pollUntil(reader, out, () -> finishedReports().contains("a1"));
        assertThat(out.live).as("held at its last watermark").containsEntry("a1", 1002L - 2000);
        assertThat(out.idleMarks).isZero();

        reader.handleSourceEvents(new ShardEvents.NoShards()); // no child will come to it
        reader.pollNext(out);
        assertThat(out.live).as("released, then the reader is idle").isEmpty();
        assertThat(out.idleMarks).isEqualTo(1);
        reader.close();
    }

    /** A finished shard the reader still holds must be in its checkpoint. */
    @Test
    void aHeldFinishedShardStaysInTheCheckpointUntilItsChildrenAreSettled() throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put("a1", 3);
        stream.closed.add("a1");
        stream.sizes.put("b1", 5);
        ShardReader reader = reader(stream);
        reader.start();
        CombinedOutputs out = new CombinedOutputs();
        assign(
                reader,
                out,
                new ShardSplit("a1", StartPosition.TRIM_HORIZON),
                new ShardSplit("b1", StartPosition.TRIM_HORIZON));
        pollUntil(reader, out, () -> finishedReports().contains("a1") && out.records.size() == 8);
        reader.handleSourceEvents(new ShardEvents.FinishedRecorded(List.of("a1")));
        reader.snapshotState(1);
        reader.notifyCheckpointComplete(1);
        reader.snapshotState(2);
        reader.notifyCheckpointComplete(2);
        assertThat(out.live)
                .as("no ChildrenSettled yet: a1 still holds this reader")
                .containsKey("a1");
        assertThat(reader.snapshotState(3))
                .as("so a reader restored from this checkpoint must hold a1 again")
                .anyMatch(s -> s.shardId.equals("a1"));
        reader.close();
    }

    /**
     * A finished shard restored from a checkpoint holds the reader at its last record's event time
     * minus the out-of-orderness (what the split keeps), not at the lowest watermark.
     */
    @Test
    void aRestoredFinishedShardHoldsTheReaderAtItsLastRecordsWatermarkNotAtTheLowest()
            throws Exception {
        ShardSplitReaderTest.ScriptedStream stream = new ShardSplitReaderTest.ScriptedStream();
        stream.sizes.put("b1", 0);
        ShardReader reader = reader(stream);
        List<ShardSplit> restored =
                List.of(
                        new ShardSplit("a1", StartPosition.afterSequenceNumber("2"), true, 5_000L),
                        new ShardSplit("old", StartPosition.afterSequenceNumber("1"), true));
        CombinedOutputs out = new CombinedOutputs();
        reader.addSplits(restored);
        reader.start();
        restored.forEach(s -> out.createOutputForSplit(s.shardId));
        reader.pollNext(out);
        assertThat(out.live)
                .as("a1 holds the reader at 5000 - 2000 ms until its children are settled")
                .containsEntry("a1", 3_000L);
        assertThat(out.live)
                .as("no record was read from it: no last record time, held at the lowest")
                .containsEntry("old", Long.MIN_VALUE);
        reader.close();
    }
}

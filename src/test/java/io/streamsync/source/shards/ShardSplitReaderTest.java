package io.streamsync.source.shards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.source.RawRecord;
import io.streamsync.source.stream.ListedShard;
import io.streamsync.source.stream.RecordBatch;
import io.streamsync.source.stream.ShardStream;
import io.streamsync.source.stream.StartPosition;
import io.streamsync.source.stream.StreamApiException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * The fetch loop against a scripted stream (what the service answers is chosen per call): expired
 * iterators, the end of a shard, throttling with backoff, and both trimmed-data policies. The real
 * services are exercised by the ITs; these answers cannot be provoked on demand there.
 */
class ShardSplitReaderTest {

    /**
     * A stream of numbered records per shard; iterators are "shard@index"; errors can be queued per
     * operation.
     */
    static class ScriptedStream implements ShardStream {
        final Map<String, Integer> sizes = new HashMap<>();
        final java.util.Set<String> closed = new java.util.HashSet<>();
        final Deque<StreamApiException> getRecordsErrors = new ArrayDeque<>();
        final Deque<StreamApiException> iteratorErrors = new ArrayDeque<>();
        final List<String> iteratorRequests = new ArrayList<>();
        int getRecordsCalls;

        /**
         * Empty answers given before the records of a shard (DynamoDB Streams: "it might take
         * multiple calls").
         */
        final Map<String, Integer> holes = new HashMap<>();

        /** Like DynamoDB Streams: no AT_TIMESTAMP iterators. */
        boolean noAtTimestamp;

        /**
         * Answers given once each before the scripted ones, e.g. a 200 answer with its Records but
         * without NextShardIterator from a shard that is still open.
         */
        final Deque<RecordBatch> brokenAnswers = new ArrayDeque<>();

        /** Closed shards the listing still shows open (the listing lags behind GetRecords). */
        final java.util.Set<String> listedOpen = new java.util.HashSet<>();

        int listings;

        /**
         * Like kinesalite (actions/getRecords.js): a new iterator at the end of a closed shard
         * whose end came after its last record first answers an empty page with a next iterator;
         * only that next iterator's answer lacks NextShardIterator.
         */
        final java.util.Set<String> kinesaliteLike = new java.util.HashSet<>();

        @Override
        public boolean supportsAtTimestamp() {
            return !noAtTimestamp;
        }

        @Override
        public List<ListedShard> listShards() throws StreamApiException {
            listings++;
            List<ListedShard> out = new ArrayList<>();
            for (String id : new java.util.TreeSet<>(sizes.keySet())) {
                out.add(
                        new ListedShard(
                                id, List.of(), closed.contains(id) && !listedOpen.contains(id)));
            }
            return out;
        }

        @Override
        public String shardIterator(String shardId, StartPosition position)
                throws StreamApiException {
            iteratorRequests.add(shardId + " " + position);
            if (!iteratorErrors.isEmpty()) {
                throw iteratorErrors.poll();
            }
            switch (position.type) {
                case AT_TIMESTAMP:
                    if (noAtTimestamp) {
                        throw new IllegalArgumentException("no AT_TIMESTAMP here");
                    }
                    int at = firstAvailable; // records are created at 1000 + i ms
                    while (at < sizes.get(shardId) && 1000L + at < position.timestampMillis) {
                        at++;
                    }
                    return shardId + "@" + at;
                case TRIM_HORIZON:
                    return shardId + "@" + firstAvailable;
                case AFTER_SEQUENCE_NUMBER:
                    return shardId
                            + "@"
                            + (Integer.parseInt(position.sequenceNumber) + 1)
                            + (kinesaliteLike.contains(shardId) ? "!" : "");
                default:
                    return shardId + "@" + sizes.get(shardId);
            }
        }

        int firstAvailable;

        @Override
        public RecordBatch getRecords(String shardId, String iterator, int limit)
                throws StreamApiException {
            getRecordsCalls++;
            if (!getRecordsErrors.isEmpty()) {
                throw getRecordsErrors.poll();
            }
            if (!brokenAnswers.isEmpty()) {
                return brokenAnswers.poll();
            }
            boolean fresh = iterator.endsWith("!");
            int from =
                    Integer.parseInt(
                            iterator.substring(
                                    iterator.indexOf('@') + 1,
                                    iterator.length() - (fresh ? 1 : 0)));
            int size = sizes.get(shardId);
            if (fresh && closed.contains(shardId) && from >= size) {
                return new RecordBatch(List.of(), shardId + "@" + from, -1);
            }
            int hole = holes.getOrDefault(shardId, 0);
            if (hole > 0 && from < size) {
                holes.put(shardId, hole - 1);
                return new RecordBatch(List.of(), iterator, -1);
            }
            List<RawRecord> records = new ArrayList<>();
            for (int i = from; i < Math.min(size, from + limit); i++) {
                records.add(
                        new RawRecord(
                                ("{\"n\":" + i + "}").getBytes(),
                                shardId,
                                Integer.toString(i),
                                1000L + i));
            }
            int next = from + records.size();
            String nextIterator =
                    closed.contains(shardId) && next >= size ? null : shardId + "@" + next;
            return new RecordBatch(records, nextIterator, -1);
        }

        @Override
        public int maxRecordsPerCall() {
            return 1000;
        }

        @Override
        public String describe() {
            return "scripted";
        }

        @Override
        public void close() {}
    }

    private static ShardSourceSettings settings(boolean continueOnTrimmed, Duration retryTimeout) {
        return TestShardSettings.of(
                null,
                StartPosition.TRIM_HORIZON,
                Duration.ofSeconds(10),
                Duration.ofMillis(1),
                3,
                continueOnTrimmed,
                retryTimeout);
    }

    private static ShardSplitReader reader(
            ScriptedStream stream, boolean continueOnTrimmed, Duration retryTimeout) {
        return new ShardSplitReader(
                settings(continueOnTrimmed, retryTimeout),
                new ShardReaderMetrics(new UnregisteredMetricsGroup(), null),
                stream);
    }

    /** Fetches until {@code n} records came (or a split finished), keeping what came. */
    private static List<String> fetch(ShardSplitReader r, int n, List<String> finished)
            throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 200 && out.size() < n && finished.isEmpty(); i++) {
            RecordsWithSplitIds<RawRecord> batch = r.fetch();
            String split;
            while ((split = batch.nextSplit()) != null) {
                RawRecord rec;
                while ((rec = batch.nextRecordFromSplit()) != null) {
                    if (rec.isHeartbeat()) {
                        continue; // a shard at its head (see theShardAtItsHeadSendsAHeartbeat...)
                    }
                    out.add(
                            rec.gap != null
                                    ? "GAP:" + rec.gap
                                    : rec.shardId + "/" + rec.sequenceNumber);
                }
            }
            finished.addAll(batch.finishedSplits());
        }
        return out;
    }

    @Test
    void anExpiredIteratorIsReplacedAfterTheLastRecordRead() throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 8);
        ShardSplitReader r = reader(stream, false, Duration.ofMinutes(1));
        r.handleSplitsChanges(
                new SplitsAddition<>(List.of(new ShardSplit("s", StartPosition.TRIM_HORIZON))));
        List<String> finished = new ArrayList<>();
        List<String> first = fetch(r, 3, finished);
        stream.getRecordsErrors.add(
                new StreamApiException(
                        StreamApiException.Kind.EXPIRED_ITERATOR, "expired", null, 400, null));
        List<String> rest = fetch(r, 5, finished);

        assertThat(first).containsExactly("s/0", "s/1", "s/2");
        assertThat(rest)
                .as("no record lost or read twice")
                .containsExactly("s/3", "s/4", "s/5", "s/6", "s/7");
        assertThat(stream.iteratorRequests)
                .containsExactly("s TRIM_HORIZON", "s AFTER_SEQUENCE_NUMBER(2)");
    }

    @Test
    void aShardReadToItsEndIsReportedFinishedWithItsLastRecords() throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 4);
        stream.closed.add("s");
        ShardSplitReader r = reader(stream, false, Duration.ofMinutes(1));
        r.handleSplitsChanges(
                new SplitsAddition<>(
                        List.of(new ShardSplit("s", StartPosition.afterSequenceNumber("0")))));
        List<String> finished = new ArrayList<>();
        List<String> records = fetch(r, 100, finished);
        assertThat(records).containsExactly("s/1", "s/2", "s/3");
        assertThat(finished).containsExactly("s");
        assertThat(r.shardIds()).isEmpty();
    }

    @Test
    void throttlingIsRetriedWithBackoffAndFailsTheJobOnlyAfterTheRetryTimeout() throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 2);
        ShardSplitReader r = reader(stream, false, Duration.ofMinutes(1));
        r.handleSplitsChanges(
                new SplitsAddition<>(List.of(new ShardSplit("s", StartPosition.TRIM_HORIZON))));
        for (int i = 0; i < 3; i++) {
            stream.getRecordsErrors.add(
                    new StreamApiException(
                            StreamApiException.Kind.THROTTLED, "slow down", null, 400, null));
        }
        long start = System.nanoTime();
        List<String> records = fetch(r, 2, new ArrayList<>());
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(records).containsExactly("s/0", "s/1");
        assertThat(stream.getRecordsCalls).isEqualTo(4);
        assertThat(waitedMs)
                .as("three backoffs of at least 50, 100 and 200 ms")
                .isGreaterThanOrEqualTo(350);

        ScriptedStream failing = new ScriptedStream();
        failing.sizes.put("t", 1);
        ShardSplitReader quick = reader(failing, false, Duration.ofMillis(300));
        quick.handleSplitsChanges(
                new SplitsAddition<>(List.of(new ShardSplit("t", StartPosition.TRIM_HORIZON))));
        for (int i = 0; i < 100; i++) {
            failing.getRecordsErrors.add(
                    new StreamApiException(
                            StreamApiException.Kind.RETRYABLE, "HTTP 503", null, 503, null));
        }
        assertThatThrownBy(() -> fetch(quick, 1, new ArrayList<>()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("reading shard t of")
                .hasMessageContaining("source.retry.timeout.ms=300")
                .hasMessageContaining("HTTP 503");
    }

    @Test
    void aTrimmedPositionFailsTheJobNamingShardSequenceNumberAndSinceWhen() throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 10);
        ShardSplitReader r = reader(stream, false, Duration.ofMinutes(1));
        r.handleSplitsChanges(
                new SplitsAddition<>(List.of(new ShardSplit("s", StartPosition.TRIM_HORIZON))));
        fetch(r, 3, new ArrayList<>());
        stream.getRecordsErrors.add(
                new StreamApiException(
                        StreamApiException.Kind.EXPIRED_ITERATOR, "expired", null, 400, null));
        stream.iteratorErrors.add(
                new StreamApiException(
                        StreamApiException.Kind.TRIMMED_DATA,
                        "GetShardIterator failed: HTTP 400 TrimmedDataAccessException",
                        "TrimmedDataAccessException",
                        400,
                        null));
        assertThatThrownBy(() -> fetch(r, 1, new ArrayList<>()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("shard s of")
                .hasMessageContaining("after sequence number 2")
                .hasMessageContaining("changes written after 1970-01-01T00:00:01.002Z")
                .hasMessageContaining("source.on.trimmed.data=continue");
    }

    @Test
    void withContinueATrimmedPositionBecomesAGapMarkerAndReadingGoesOnFromTheTrimHorizon()
            throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 10);
        ShardSplitReader r = reader(stream, true, Duration.ofMinutes(1));
        r.handleSplitsChanges(
                new SplitsAddition<>(
                        List.of(new ShardSplit("s", StartPosition.afterSequenceNumber("1")))));
        stream.firstAvailable = 6; // 2..5 are gone
        stream.iteratorErrors.add(
                new StreamApiException(
                        StreamApiException.Kind.TRIMMED_DATA, "trimmed", null, 400, null));
        List<String> out = fetch(r, 5, new ArrayList<>());
        assertThat(out).hasSize(5);
        assertThat(out.get(0))
                .startsWith("GAP:trimmed-data gap: shard s of")
                .contains("after sequence number 1")
                .contains("went on from TRIM_HORIZON");
        assertThat(out.subList(1, 5)).containsExactly("s/6", "s/7", "s/8", "s/9");
        assertThat(stream.iteratorRequests)
                .containsExactly("s AFTER_SEQUENCE_NUMBER(1)", "s TRIM_HORIZON");
    }

    @Test
    void theEmitterMovesTheCheckpointedPositionOnlyPastEmittedRecords() {
        ShardSplitState state =
                new ShardSplitState(new ShardSplit("s", StartPosition.TRIM_HORIZON));
        List<RawRecord> emitted = new ArrayList<>();
        org.apache.flink.api.connector.source.SourceOutput<RawRecord> output =
                new org.apache.flink.api.connector.source.SourceOutput<>() {
                    @Override
                    public void collect(RawRecord record) {
                        emitted.add(record);
                    }

                    @Override
                    public void collect(RawRecord record, long timestamp) {
                        emitted.add(record);
                    }

                    @Override
                    public void emitWatermark(
                            org.apache.flink.api.common.eventtime.Watermark watermark) {}

                    @Override
                    public void markIdle() {}

                    @Override
                    public void markActive() {}
                };
        ShardReader.Emitter emitter =
                new ShardReader.Emitter(
                        new org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram(10),
                        2000,
                        3000);
        emitter.emitRecord(new RawRecord("{}".getBytes(), "s", "41", 5L), output, state);
        assertThat(state.toSplit().start).isEqualTo(StartPosition.afterSequenceNumber("41"));
        emitter.emitRecord(new RawRecord("{}".getBytes(), "s", null, 5L), output, state);
        assertThat(state.toSplit().start)
                .as("a record without sequence number does not move it")
                .isEqualTo(StartPosition.afterSequenceNumber("41"));
        emitter.emitRecord(RawRecord.gap("s", "lost"), output, state);
        assertThat(state.toSplit().start)
                .as("after a gap: from the trim horizon")
                .isEqualTo(StartPosition.TRIM_HORIZON);
        assertThat(emitted).hasSize(3);
    }

    @Test
    void theShardAtItsHeadSendsAHeartbeatAfterItsRecordsButABusyShardDoesNot() throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 3);
        ShardReaderMetrics metrics = new ShardReaderMetrics(new UnregisteredMetricsGroup(), null);
        ShardSplitReader r =
                new ShardSplitReader(settings(false, Duration.ofMinutes(1)), metrics, stream);
        r.handleSplitsChanges(
                new org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition<>(
                        List.of(new ShardSplit("s", StartPosition.TRIM_HORIZON))));
        List<RawRecord> seen = new ArrayList<>();
        long before = System.currentTimeMillis();
        for (int i = 0; i < 50 && seen.stream().noneMatch(RawRecord::isHeartbeat); i++) {
            RecordsWithSplitIds<RawRecord> batch = r.fetch();
            while (batch.nextSplit() != null) {
                RawRecord rec;
                while ((rec = batch.nextRecordFromSplit()) != null) {
                    seen.add(rec);
                }
            }
            Thread.sleep(2);
        }
        // the scripted shard answers its 3 records (limit 100), then empty answers: at its head
        assertThat(seen.subList(0, 3)).allMatch(rec -> !rec.isHeartbeat());
        RawRecord heartbeat = seen.get(seen.size() - 1);
        assertThat(heartbeat.isHeartbeat()).isTrue();
        assertThat(heartbeat.shardId).isEqualTo("s");
        assertThat(heartbeat.arrivalTime).isBetween(before, System.currentTimeMillis());
        assertThat(metrics.recordsRead.getCount()).as("heartbeats are not records").isEqualTo(3);
    }

    @Test
    void theEmitterKeepsEachShardsWatermarkFromItsRecordsAndItsHeartbeats() {
        List<Long> watermarks = new ArrayList<>();
        List<Long> timestamps = new ArrayList<>();
        org.apache.flink.api.connector.source.SourceOutput<RawRecord> output =
                new org.apache.flink.api.connector.source.SourceOutput<>() {
                    @Override
                    public void collect(RawRecord record) {
                        timestamps.add(Long.MIN_VALUE);
                    }

                    @Override
                    public void collect(RawRecord record, long timestamp) {
                        timestamps.add(timestamp);
                    }

                    @Override
                    public void emitWatermark(
                            org.apache.flink.api.common.eventtime.Watermark watermark) {
                        watermarks.add(watermark.getTimestamp());
                    }

                    @Override
                    public void markIdle() {}

                    @Override
                    public void markActive() {}
                };
        ShardSplitState state =
                new ShardSplitState(new ShardSplit("s", StartPosition.TRIM_HORIZON));
        ShardReader.Emitter emitter =
                new ShardReader.Emitter(
                        new org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram(10),
                        2000,
                        3000);
        emitter.emitRecord(new RawRecord("{}".getBytes(), "s", "1", 10_000L), output, state);
        emitter.emitRecord(new RawRecord("{}".getBytes(), "s", "2", 12_000L), output, state);
        emitter.emitRecord(
                new RawRecord("{}".getBytes(), "s", "3", 11_000L),
                output,
                state); // older: no step back
        emitter.emitRecord(RawRecord.gap("s", "lost"), output, state);
        emitter.emitRecord(RawRecord.heartbeat("s", 20_000L), output, state); // at the head at 20 s
        emitter.emitRecord(RawRecord.heartbeat("s", 21_000L), output, state);
        emitter.emitRecord(
                new RawRecord("{}".getBytes(), "s", "4", 15_000L),
                output,
                state); // behind the clock: no step back
        assertThat(timestamps)
                .as("records carry their creation time; the gap none; heartbeats are not emitted")
                .containsExactly(10_000L, 12_000L, 11_000L, Long.MIN_VALUE, 15_000L);
        assertThat(watermarks)
                .as("latest event time - 2 s; at the head: now - 3 s - 2 s")
                .containsExactly(8_000L, 10_000L, 15_000L, 16_000L);
    }

    /**
     * Fetches until {@code n} more GetRecords calls were made, keeping every record, heartbeat
     * ("HB@time") and gap.
     */
    private static List<String> fetchAll(
            ShardSplitReader r, ScriptedStream stream, int n, List<String> finished)
            throws IOException {
        List<String> out = new ArrayList<>();
        int until = stream.getRecordsCalls + n;
        for (int i = 0; i < 10_000 && stream.getRecordsCalls < until; i++) {
            RecordsWithSplitIds<RawRecord> batch = r.fetch();
            while (batch.nextSplit() != null) {
                RawRecord rec;
                while ((rec = batch.nextRecordFromSplit()) != null) {
                    out.add(
                            rec.isHeartbeat()
                                    ? "HB@" + rec.arrivalTime
                                    : rec.gap != null
                                            ? "GAP:" + rec.gap
                                            : rec.shardId + "/" + rec.sequenceNumber);
                }
            }
            finished.addAll(batch.finishedSplits());
        }
        return out;
    }

    @Test
    void aShardThatIsGoneBeforeAnythingWasReadIsTrimmedDataUnderEitherPolicy() throws Exception {
        for (StartPosition start :
                List.of(StartPosition.TRIM_HORIZON, StartPosition.atTimestamp(5_000L))) {
            ScriptedStream stream = new ScriptedStream();
            stream.sizes.put("s", 3);
            stream.iteratorErrors.add(
                    new StreamApiException(
                            StreamApiException.Kind.NOT_FOUND,
                            "GetShardIterator failed: HTTP 400 ResourceNotFoundException",
                            "ResourceNotFoundException",
                            400,
                            null));
            ShardSplitReader strict = reader(stream, false, Duration.ofMinutes(1));
            strict.handleSplitsChanges(new SplitsAddition<>(List.of(new ShardSplit("s", start))));
            assertThatThrownBy(() -> fetch(strict, 1, new ArrayList<>()))
                    .as("%s, fail", start)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("shard s of")
                    .hasMessageContaining("source.on.trimmed.data=continue");

            ScriptedStream again = new ScriptedStream();
            again.sizes.put("s", 3);
            again.iteratorErrors.add(
                    new StreamApiException(
                            StreamApiException.Kind.NOT_FOUND, "gone", null, 400, null));
            ShardSplitReader lenient = reader(again, true, Duration.ofMinutes(1));
            lenient.handleSplitsChanges(new SplitsAddition<>(List.of(new ShardSplit("s", start))));
            List<String> finished = new ArrayList<>();
            List<String> out = fetch(lenient, 1, finished);
            assertThat(out)
                    .as("%s, continue", start)
                    .singleElement()
                    .asString()
                    .startsWith("GAP:trimmed-data gap: shard s");
            assertThat(finished).containsExactly("s");
        }
    }

    @Test
    void emptyAnswersMidShardAreNotTheHeadAndMillisBehindLatestIsNotZeroWhileCatchingUp()
            throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 3);
        stream.holes.put("s", ShardSplitReader.HEAD_EMPTY_PAGES - 1); // records lie further on
        GaugeCapture gauges = new GaugeCapture();
        ShardReaderMetrics metrics = new ShardReaderMetrics(gauges, null);
        ShardSplitReader r =
                new ShardSplitReader(settings(false, Duration.ofMinutes(1)), metrics, stream);
        r.handleSplitsChanges(
                new SplitsAddition<>(List.of(new ShardSplit("s", StartPosition.TRIM_HORIZON))));
        List<String> out =
                fetchAll(r, stream, ShardSplitReader.HEAD_EMPTY_PAGES - 1, new ArrayList<>());
        assertThat(out).as("no heartbeat while empty answers may hide records").isEmpty();
        assertThat(gauges.value("shardId/s/millisBehindLatest"))
                .as("behind: nothing read yet")
                .isNotEqualTo(0L);

        long before = System.currentTimeMillis();
        out = fetchAll(r, stream, 1, new ArrayList<>());
        assertThat(out).containsExactly("s/0", "s/1", "s/2");
        assertThat(gauges.value("shardId/s/millisBehindLatest"))
                .as("records of 1970: far behind")
                .isGreaterThan(before - 10_000);
        out = fetchAll(r, stream, ShardSplitReader.HEAD_EMPTY_PAGES - 1, new ArrayList<>());
        assertThat(out).as("not yet enough empty answers in a row").isEmpty();
        out = fetchAll(r, stream, 1, new ArrayList<>());
        assertThat(out).singleElement().asString().startsWith("HB@");
        long heartbeat = Long.parseLong(out.get(0).substring(3));
        assertThat(heartbeat)
                .as("as of the first empty answer of the run, not now")
                .isBetween(before, System.currentTimeMillis());
        assertThat(gauges.value("shardId/s/millisBehindLatest")).isEqualTo(0L);
        Thread.sleep(20);
        long later = System.currentTimeMillis();
        out = fetchAll(r, stream, ShardSplitReader.HEAD_EMPTY_PAGES, new ArrayList<>());
        assertThat(out)
                .hasSize(ShardSplitReader.HEAD_EMPTY_PAGES)
                .allMatch(h -> h.startsWith("HB@"));
        assertThat(Long.parseLong(out.get(out.size() - 1).substring(3)))
                .as(
                        "a quiet shard's heartbeat moves on: as of the first of the last %d empty answers",
                        ShardSplitReader.HEAD_EMPTY_PAGES)
                .isGreaterThanOrEqualTo(later);
    }

    @Test
    void
            anAtTimestampStartOnAStreamWithoutSuchIteratorsReadsFromTheTrimHorizonAndSkipsOnlyOlderRecords()
                    throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.noAtTimestamp = true;
        stream.sizes.put("s", 12);
        ShardSplitReader r = reader(stream, false, Duration.ofMinutes(1));
        // the lineage's resolved LATEST at 2008 ms; creation times are whole seconds on the
        // service, so records
        // created up to a second before are kept (1008 ms and later: s/8 on)
        r.handleSplitsChanges(
                new SplitsAddition<>(
                        List.of(new ShardSplit("s", StartPosition.atTimestamp(2_008L)))));
        List<String> out = fetch(r, 4, new ArrayList<>());
        assertThat(out).containsExactly("s/8", "s/9", "s/10", "s/11");
        assertThat(stream.iteratorRequests).containsExactly("s TRIM_HORIZON");
    }

    @Test
    void anIteratorThatExpiresAgainAtOnceIsRenewedWithBackoff() throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 2);
        ShardSplitReader r = reader(stream, false, Duration.ofMinutes(1));
        r.handleSplitsChanges(
                new SplitsAddition<>(List.of(new ShardSplit("s", StartPosition.TRIM_HORIZON))));
        for (int i = 0; i < 4; i++) {
            stream.getRecordsErrors.add(
                    new StreamApiException(
                            StreamApiException.Kind.EXPIRED_ITERATOR, "expired", null, 400, null));
        }
        long start = System.nanoTime();
        List<String> out = fetch(r, 2, new ArrayList<>());
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(out).containsExactly("s/0", "s/1");
        assertThat(waitedMs)
                .as("renewals 2, 3 and 4 back off (at least 50, 100, 200 ms)")
                .isGreaterThanOrEqualTo(350);
    }

    @Test
    void aFinishedShardsMetricGroupIsClosed() throws Exception {
        org.apache.flink.metrics.MetricGroup operator =
                org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups
                        .createUnregisteredTaskManagerMetricGroup()
                        .addGroup("source");
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 1);
        stream.closed.add("s");
        ShardSplitReader r =
                new ShardSplitReader(
                        settings(false, Duration.ofMinutes(1)),
                        new ShardReaderMetrics(operator, null),
                        stream);
        r.handleSplitsChanges(
                new SplitsAddition<>(List.of(new ShardSplit("s", StartPosition.TRIM_HORIZON))));
        org.apache.flink.metrics.MetricGroup shardGroup =
                operator.addGroup("shardId", "s"); // the one registered
        List<String> finished = new ArrayList<>();
        fetch(r, 10, finished);
        assertThat(finished).containsExactly("s");
        assertThat(
                        ((org.apache.flink.runtime.metrics.groups.AbstractMetricGroup<?>)
                                        shardGroup)
                                .isClosed())
                .as("its metrics are unregistered")
                .isTrue();
    }

    /**
     * Issue 27, item 7: a 200 answer that has its Records but no NextShardIterator (a proxy's or a
     * faulty answer) must not end a shard that the listing shows open: its later records would
     * never be read and its children would start at once.
     */
    @Test
    void anAnswerWithoutANextIteratorDoesNotEndAShardTheListingShowsOpen() throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 6);
        ShardReaderMetrics metrics = new ShardReaderMetrics(new UnregisteredMetricsGroup(), null);
        ShardSplitReader r =
                new ShardSplitReader(settings(false, Duration.ofMinutes(1)), metrics, stream);
        r.handleSplitsChanges(
                new SplitsAddition<>(List.of(new ShardSplit("s", StartPosition.TRIM_HORIZON))));
        List<String> finished = new ArrayList<>();
        List<String> first = fetch(r, 3, finished);
        // {"Records":[]} as the parser reads it: an answer, but without a next iterator
        stream.brokenAnswers.add(new RecordBatch(List.of(), null, -1));
        stream.brokenAnswers.add(new RecordBatch(List.of(), null, -1));
        List<String> rest = fetch(r, 3, finished);

        assertThat(finished).as("the shard is still open: not finished").isEmpty();
        assertThat(first).containsExactly("s/0", "s/1", "s/2");
        assertThat(rest).as("nothing skipped, nothing twice").containsExactly("s/3", "s/4", "s/5");
        assertThat(stream.iteratorRequests)
                .as("each time a new iterator after the last record read")
                .containsExactly(
                        "s TRIM_HORIZON",
                        "s AFTER_SEQUENCE_NUMBER(2)",
                        "s AFTER_SEQUENCE_NUMBER(2)");
        assertThat(metrics.unconfirmedShardEnds.getCount()).as("reported, not silent").isEqualTo(2);
        assertThat(r.unconfirmedEnds("s")).as("records came again: no longer in a row").isZero();

        stream.closed.add("s"); // now it ends for real, and the listing says so
        fetch(r, 1, finished);
        assertThat(finished).containsExactly("s");
    }

    /**
     * The listing may show a shard closed a little after GetRecords ended it: the shard is asked
     * again (with backoff) until the listing agrees, then finished; no record is lost or repeated.
     */
    @Test
    void aShardEndIsTakenOnceTheListingShowsTheShardClosed() throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 3);
        stream.closed.add("s");
        stream.listedOpen.add("s");
        ShardSplitReader r = reader(stream, false, Duration.ofMinutes(1));
        r.handleSplitsChanges(
                new SplitsAddition<>(List.of(new ShardSplit("s", StartPosition.TRIM_HORIZON))));
        List<String> finished = new ArrayList<>();
        List<String> records = fetch(r, 3, finished);
        assertThat(records).containsExactly("s/0", "s/1", "s/2");
        assertThat(finished).as("the listing still shows it open").isEmpty();
        assertThat(r.unconfirmedEnds("s")).isEqualTo(1);

        stream.listedOpen.clear();
        assertThat(fetch(r, 1, finished)).isEmpty();
        assertThat(finished).containsExactly("s");
        assertThat(stream.iteratorRequests)
                .containsExactly("s TRIM_HORIZON", "s AFTER_SEQUENCE_NUMBER(2)");
    }

    /**
     * The case that made the earlier fix (an end confirmed by a second answer from a new iterator)
     * fail RescaleITCase: a shard split while the job was down, read again from after its last
     * record. On kinesalite the new iterator first answers an empty page with a next iterator, so
     * such a confirmation never came and the children were never read. The listing confirms the end
     * at the first answer without a next iterator.
     */
    @Test
    void aShardSplitWhileTheJobWasDownIsFinishedOnKinesalitesAnswers() throws Exception {
        ScriptedStream stream = new ScriptedStream();
        stream.sizes.put("s", 3);
        stream.closed.add("s");
        stream.kinesaliteLike.add("s");
        ShardSplitReader r = reader(stream, false, Duration.ofMinutes(1));
        r.handleSplitsChanges(
                new SplitsAddition<>(
                        List.of(new ShardSplit("s", StartPosition.afterSequenceNumber("2")))));
        List<String> finished = new ArrayList<>();
        assertThat(fetch(r, 1, finished)).isEmpty();
        assertThat(finished).containsExactly("s");
        assertThat(stream.iteratorRequests).containsExactly("s AFTER_SEQUENCE_NUMBER(2)");
        assertThat(stream.getRecordsCalls).as("the empty page, then the end").isEqualTo(2);
    }

    /** A metric group that keeps its gauges by path ("shardId/s/millisBehindLatest"). */
    static final class GaugeCapture extends UnregisteredMetricsGroup {
        final Map<String, org.apache.flink.metrics.Gauge<?>> gauges;
        final String prefix;

        GaugeCapture() {
            this(new java.util.concurrent.ConcurrentHashMap<>(), "");
        }

        private GaugeCapture(Map<String, org.apache.flink.metrics.Gauge<?>> gauges, String prefix) {
            this.gauges = gauges;
            this.prefix = prefix;
        }

        @Override
        public <T, G extends org.apache.flink.metrics.Gauge<T>> G gauge(String name, G gauge) {
            gauges.put(prefix + name, gauge);
            return gauge;
        }

        @Override
        public org.apache.flink.metrics.MetricGroup addGroup(String name) {
            return name.equals(io.streamsync.metrics.CloudWatchMetrics.GROUP)
                    ? this
                    : new GaugeCapture(gauges, prefix + name + "/");
        }

        @Override
        public org.apache.flink.metrics.MetricGroup addGroup(String key, String value) {
            return new GaugeCapture(gauges, prefix + key + "/" + value + "/");
        }

        long value(String path) {
            return ((Number) gauges.get(path).getValue()).longValue();
        }
    }
}

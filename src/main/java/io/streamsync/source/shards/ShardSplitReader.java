package io.streamsync.source.shards;

import io.streamsync.config.ConfigKey;
import io.streamsync.source.RawRecord;
import io.streamsync.source.stream.ListedShard;
import io.streamsync.source.stream.RecordBatch;
import io.streamsync.source.stream.ShardStream;
import io.streamsync.source.stream.StartPosition;
import io.streamsync.source.stream.StreamApiException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GetRecords on the shards of one reader, on its fetcher thread: one call per {@link #fetch()}, the
 * shards taken in turn, each at most once per poll interval. Handles what the service answers:
 *
 * <ul>
 *   <li>an expired iterator: a new one after the last record read (with backoff when it happens
 *       again at once);
 *   <li>throttling and server errors: the shard waits with exponential backoff and jitter (0.1-10
 *       s); after {@code source.retry.timeout.ms} of failures without a success the job fails over;
 *   <li>a trimmed position (TrimmedDataAccessException, or a shard that is gone while we were
 *       inside it): {@code source.on.trimmed.data} decides: fail, naming the shard, the last
 *       sequence number and since when data is lost; or go on from TRIM_HORIZON, with a gap marker
 *       that becomes a dead letter;
 *   <li>a shard that is gone ("not found"), wherever the reader stood in it: the same policy (its
 *       unread changes are lost);
 *   <li>the shard's end (no next iterator in an answer that has its Records): it is reported
 *       finished once the listing confirms that the shard is closed ({@link #endConfirmed}:
 *       children, or an ending sequence number). Otherwise (a broken answer, or a listing that
 *       lags) the answer's records are kept and the shard is asked again from a new iterator after
 *       its last record, with backoff (1-15 s); each such answer counts in {@code
 *       unconfirmedShardEnds} and is logged, so a shard that keeps answering that way is reported
 *       and never silently ended. Not a second GetRecords answer: on Kinesis (kinesalite) a new
 *       iterator after the last record of a closed shard first answers an empty page with a next
 *       iterator, so "confirmed by a second answer" never came for a shard split while the job was
 *       down.
 * </ul>
 *
 * <p>Positions: a split never starts at LATEST here (the lineage gives AT_TIMESTAMP of the first
 * listing); where the service has no AT_TIMESTAMP iterator (DynamoDB Streams), the shard is read
 * from TRIM_HORIZON and records created more than a second before the timestamp are skipped
 * (creation times are rounded down to the second), so a restore, an expired iterator or a
 * reassignment never skips what was written after the start.
 *
 * <p>The head rule: Kinesis says how far behind the head a call is (MillisBehindLatest, 0 at the
 * head). DynamoDB Streams does not, and an empty answer is no proof (its GetRecords reference: "it
 * might take multiple calls to get to a portion of the shard that contains stream records"). So a
 * DynamoDB shard counts as at its head only after {@value #HEAD_EMPTY_PAGES} empty answers in a
 * row, and then as of the first of the last {@value #HEAD_EMPTY_PAGES} of them: the heartbeat
 * carries that call's time, never a later one. millisBehindLatest is now minus the last record's
 * creation time until then (now minus the first call while nothing was read), 0 only at the head.
 */
final class ShardSplitReader implements SplitReader<RawRecord, ShardSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardSplitReader.class);
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 10_000;

    /** First pause after an answer without a next iterator that the listing did not confirm. */
    private static final long UNCONFIRMED_END_BACKOFF_MS = 1_000;

    /** Least time between two full listings of one reader to confirm shard ends. */
    static final long LISTING_MIN_INTERVAL_MS = 1_000;

    /** How long an idle fetch waits at most, so that new splits and wake-ups are seen. */
    private static final long MAX_IDLE_WAIT_MS = 500;

    /** Empty DynamoDB Streams answers in a row before a shard counts as at its head. */
    static final int HEAD_EMPTY_PAGES = 5;

    /**
     * Creation times are rounded down to the second: records this much older than an AT_TIMESTAMP
     * start are kept.
     */
    private static final long TIMESTAMP_SLACK_MS = 1000;

    /** One shard being read. */
    static final class Shard {
        final String id;

        /** Where to go on: the split's start, then after each record read. */
        StartPosition position;

        String iterator;
        long nextCallAt;
        int failures;
        long failingSince;

        /**
         * The creation time of the last record read (epoch ms), for messages and lag; -1 if none.
         */
        long lastRecordTime = -1;

        /**
         * Empty answers in a row, and when the last {@value #HEAD_EMPTY_PAGES} of them were asked
         * for (a ring).
         */
        int emptyRun;

        final long[] emptyCalls = new long[HEAD_EMPTY_PAGES];

        /** When the shard was first asked for records (0 before). */
        long firstCallAt;

        /**
         * An AT_TIMESTAMP start emulated from TRIM_HORIZON: records created before this (minus
         * slack) are skipped.
         */
        long skipBefore = -1;

        /** Expired iterators in a row. */
        int expiredInRow;

        /** Answers without a next iterator in a row whose end the listing did not confirm. */
        int unconfirmedEnds;

        /**
         * A gap to report before the shard's records (its parent was lost), null if none or
         * reported.
         */
        String gap;

        Shard(ShardSplit split) {
            this.id = split.shardId;
            this.position = split.start;
            this.lastRecordTime = split.lastRecordMillis;
            this.gap = split.gap;
        }
    }

    private final ShardSourceSettings settings;
    private final ShardReaderMetrics metrics;
    private final ShardStream stream;
    private final Map<String, Shard> shards = new HashMap<>();
    private final Deque<String> turn = new ArrayDeque<>();
    private final Object wake = new Object();
    private boolean wakeUp;
    private final int limit;

    /** Shards the last full listing showed closed (or as parents); see {@link #endConfirmed}. */
    private final Set<String> listedClosed = new java.util.HashSet<>();

    private long lastListingAt = Long.MIN_VALUE / 2;

    ShardSplitReader(ShardSourceSettings settings, ShardReaderMetrics metrics) {
        this(settings, metrics, settings.endpoint.open(4));
    }

    ShardSplitReader(ShardSourceSettings settings, ShardReaderMetrics metrics, ShardStream stream) {
        this.settings = settings;
        this.metrics = metrics;
        this.stream = stream;
        this.limit = Math.min(settings.maxRecordsPerCall, stream.maxRecordsPerCall());
    }

    @Override
    public RecordsWithSplitIds<RawRecord> fetch() throws IOException {
        Shard shard = nextDue();
        if (shard == null) {
            idle();
            return new RecordsBySplits<>(Map.of(), Set.of());
        }
        if (shard.gap != null) {
            RawRecord gap = RawRecord.gap(shard.id, shard.gap);
            shard.gap = null;
            metrics.trimmedDataGaps.inc();
            return new RecordsBySplits<>(Map.of(shard.id, List.of(gap)), Set.of());
        }
        long calledAt = System.currentTimeMillis();
        if (shard.firstCallAt == 0) {
            shard.firstCallAt = calledAt;
        }
        try {
            if (shard.iterator == null) {
                StartPosition p = shard.position;
                if (p.type == StartPosition.Type.AT_TIMESTAMP && !stream.supportsAtTimestamp()) {
                    shard.skipBefore = p.timestampMillis - TIMESTAMP_SLACK_MS;
                    p = StartPosition.TRIM_HORIZON;
                }
                shard.iterator = stream.shardIterator(shard.id, p);
            }
            RecordBatch batch = stream.getRecords(shard.id, shard.iterator, limit);
            metrics.getRecordsCalls.inc();
            return read(shard, batch, calledAt);
        } catch (StreamApiException e) {
            return failed(shard, e);
        }
    }

    private RecordsWithSplitIds<RawRecord> read(Shard shard, RecordBatch batch, long calledAt) {
        long now = System.currentTimeMillis();
        shard.failures = 0;
        shard.expiredInRow = 0;
        shard.iterator = batch.nextIterator;
        List<RawRecord> records = batch.records;
        boolean emptyAnswer = records.isEmpty();
        if (shard.skipBefore >= 0 && !records.isEmpty()) {
            List<RawRecord> kept = new java.util.ArrayList<>(records.size());
            for (RawRecord r : records) {
                if (!kept.isEmpty() || r.arrivalTime < 0 || r.arrivalTime >= shard.skipBefore) {
                    kept.add(r);
                }
            }
            if (!kept.isEmpty()) {
                shard.skipBefore = -1; // reached the start: every later record is read
            }
            records = kept;
        }
        if (!records.isEmpty()) {
            RawRecord last = records.get(records.size() - 1);
            if (last.sequenceNumber != null) {
                shard.position = StartPosition.afterSequenceNumber(last.sequenceNumber);
            }
            if (last.arrivalTime > 0) {
                shard.lastRecordTime = last.arrivalTime;
            }
            metrics.recordsRead.inc(records.size());
        }
        if (emptyAnswer) {
            shard.emptyCalls[shard.emptyRun++ % HEAD_EMPTY_PAGES] = calledAt;
        } else {
            shard.emptyRun = 0;
        }
        // at the head of its stream (see the head rule above), the shard holds nothing older than
        // the time given:
        // its watermark may move on with time
        long headAsOf = -1;
        if (batch.millisBehindLatest >= 0) {
            metrics.behind(shard.id, batch.millisBehindLatest);
            headAsOf = batch.millisBehindLatest == 0 ? calledAt : -1;
        } else if (shard.emptyRun >= HEAD_EMPTY_PAGES && shard.skipBefore < 0) {
            metrics.behind(shard.id, 0);
            // as of the first of the last HEAD_EMPTY_PAGES empty answers (the oldest in the ring):
            // on a quiet shard
            // this moves on with every answer, a step behind the clock
            headAsOf = shard.emptyCalls[shard.emptyRun % HEAD_EMPTY_PAGES];
        } else {
            metrics.behind(
                    shard.id,
                    now - (shard.lastRecordTime > 0 ? shard.lastRecordTime : shard.firstCallAt));
        }
        shard.nextCallAt = now + settings.pollInterval.toMillis();
        if (batch.nextIterator == null) {
            if (endConfirmed(shard)) {
                return finish(shard, records);
            }
            // not confirmed: keep the records (the position is after them) and ask again from a
            // new iterator there
            shard.unconfirmedEnds++;
            metrics.unconfirmedShardEnds.inc();
            long backoff =
                    Math.min(
                            MAX_BACKOFF_MS,
                            UNCONFIRMED_END_BACKOFF_MS << Math.min(shard.unconfirmedEnds - 1, 10));
            // at least a second: a listing that lags behind gets the time to catch up, and the
            // next full listing is allowed (LISTING_MIN_INTERVAL_MS)
            shard.nextCallAt =
                    now + backoff + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
            if (shard.unconfirmedEnds == 1 || shard.unconfirmedEnds % 10 == 0) {
                LOG.warn(
                        "Shard {} of {}: GetRecords answered without a next iterator, but the"
                                + " listing does not show the shard closed ({} such answers in a"
                                + " row); not ending it: asking again {} in {} ms",
                        shard.id,
                        settings.endpoint,
                        shard.unconfirmedEnds,
                        shard.position,
                        shard.nextCallAt - now);
            }
            return new RecordsBySplits<>(
                    records.isEmpty() ? Map.of() : Map.of(shard.id, records), Set.of());
        }
        shard.unconfirmedEnds = 0;
        if (headAsOf >= 0) {
            List<RawRecord> withHeartbeat = new java.util.ArrayList<>(records.size() + 1);
            withHeartbeat.addAll(records);
            withHeartbeat.add(RawRecord.heartbeat(shard.id, headAsOf));
            records = withHeartbeat;
        }
        return new RecordsBySplits<>(Map.of(shard.id, records), Set.of());
    }

    /**
     * Whether the listing confirms the end of a shard that answered without a next iterator: it has
     * children (the {@link ShardStream#childShards} query, where the service has one), or the full
     * listing shows it with an ending sequence number or as a parent. Closed is for good, so the
     * closed shards of the last full listing are kept, and a full listing is asked for at most once
     * per {@value #LISTING_MIN_INTERVAL_MS} ms (on a stream whose shards all close at once, e.g. a
     * disabled one, not once per shard). A failing listing confirms nothing: the shard is asked
     * again (the answer's records are kept either way).
     */
    private boolean endConfirmed(Shard shard) {
        if (listedClosed.contains(shard.id)) {
            return true;
        }
        try {
            List<ListedShard> children = stream.childShards(shard.id);
            if (children != null && !children.isEmpty()) {
                return true;
            }
            long now = System.currentTimeMillis();
            if (now - lastListingAt < LISTING_MIN_INTERVAL_MS) {
                return false;
            }
            lastListingAt = now;
            listedClosed.clear();
            for (ListedShard s : stream.listShards()) {
                if (s.closed) {
                    listedClosed.add(s.id);
                }
                listedClosed.addAll(s.parents);
            }
            return listedClosed.contains(shard.id);
        } catch (StreamApiException e) {
            LOG.warn(
                    "Shard {}: the listing to confirm its end failed ({}); asking the shard again",
                    shard.id,
                    e.getMessage());
            return false;
        }
    }

    RecordsWithSplitIds<RawRecord> finish(Shard shard, List<RawRecord> records) {
        shards.remove(shard.id);
        turn.remove(shard.id);
        metrics.shardRemoved(shard.id);
        metrics.shardsFinished.inc();
        return new RecordsBySplits<>(
                records.isEmpty() ? Map.of() : Map.of(shard.id, records), Set.of(shard.id));
    }

    private RecordsWithSplitIds<RawRecord> failed(Shard shard, StreamApiException e)
            throws IOException {
        long now = System.currentTimeMillis();
        switch (e.kind) {
            case EXPIRED_ITERATOR:
                metrics.expiredIterators.inc();
                shard.iterator = null;
                if (shard.expiredInRow++
                        > 0) { // again at once: back off (the first renewal goes at once)
                    long backoff =
                            Math.min(
                                    MAX_BACKOFF_MS,
                                    MIN_BACKOFF_MS << Math.min(shard.expiredInRow - 2, 10));
                    shard.nextCallAt =
                            now
                                    + backoff / 2
                                    + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
                }
                LOG.info(
                        "Shard iterator of {} expired ({} in a row); a new one {}",
                        shard.id,
                        shard.expiredInRow,
                        shard.position);
                return empty();
            case TRIMMED_DATA:
            case NOT_FOUND:
                // gone wherever the reader stood in it, TRIM_HORIZON included: what it did not read
                // is lost
                return trimmed(shard, e);
            case THROTTLED:
            case RETRYABLE:
                if (e.kind == StreamApiException.Kind.THROTTLED) {
                    metrics.throttles.inc();
                } else {
                    metrics.retries.inc();
                }
                if (shard.failures++ == 0) {
                    shard.failingSince = now;
                }
                if (now - shard.failingSince > settings.retryTimeout.toMillis()) {
                    throw new IOException(
                            "reading shard "
                                    + shard.id
                                    + " of "
                                    + settings.endpoint
                                    + " failed for "
                                    + (now - shard.failingSince)
                                    + " ms ("
                                    + ConfigKey.SOURCE_RETRY_TIMEOUT_MS.key()
                                    + "="
                                    + settings.retryTimeout.toMillis()
                                    + "), last: "
                                    + e.getMessage(),
                            e);
                }
                long backoff =
                        Math.min(
                                MAX_BACKOFF_MS, MIN_BACKOFF_MS << Math.min(shard.failures - 1, 10));
                shard.nextCallAt =
                        now + backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
                if (shard.failures == 1 || shard.failures % 10 == 0) {
                    LOG.warn(
                            "Shard {}: {} (attempt {}, next in {} ms)",
                            shard.id,
                            e.getMessage(),
                            shard.failures,
                            shard.nextCallAt - now);
                }
                return empty();
            default:
                throw new IOException(
                        "reading shard "
                                + shard.id
                                + " of "
                                + settings.endpoint
                                + " failed: "
                                + e.getMessage(),
                        e);
        }
    }

    /**
     * The position is older than the stream keeps: fail, or go on from the trim horizon with a gap
     * marker.
     */
    private RecordsWithSplitIds<RawRecord> trimmed(Shard shard, StreamApiException e)
            throws IOException {
        String after =
                shard.position.type == StartPosition.Type.AFTER_SEQUENCE_NUMBER
                        ? "after sequence number " + shard.position.sequenceNumber
                        : "from " + shard.position;
        String since =
                shard.lastRecordTime > 0
                        ? "changes written after " + Instant.ofEpochMilli(shard.lastRecordTime)
                        : "changes written after the last record read (" + after + ")";
        String what =
                "shard "
                        + shard.id
                        + " of "
                        + settings.endpoint
                        + " can no longer be read "
                        + after
                        + ": the stream has trimmed it ("
                        + e.getMessage()
                        + "); "
                        + since
                        + " and before the trim horizon are lost";
        if (!settings.continueOnTrimmedData) {
            throw new IOException(
                    what
                            + ". Set "
                            + ConfigKey.SOURCE_ON_TRIMMED_DATA.key()
                            + "=continue to go on from TRIM_HORIZON and record the gap as a dead letter",
                    e);
        }
        metrics.trimmedDataGaps.inc();
        LOG.error(
                "Trimmed-data gap: {}; going on from TRIM_HORIZON ({}=continue)",
                what,
                ConfigKey.SOURCE_ON_TRIMMED_DATA.key());
        RawRecord gap =
                RawRecord.gap(
                        shard.id,
                        "trimmed-data gap: " + what + "; reading went on from TRIM_HORIZON");
        shard.position = StartPosition.TRIM_HORIZON;
        shard.iterator = null;
        if (e.kind == StreamApiException.Kind.NOT_FOUND) {
            return finish(shard, List.of(gap));
        }
        return new RecordsBySplits<>(Map.of(shard.id, List.of(gap)), Set.of());
    }

    private static RecordsWithSplitIds<RawRecord> empty() {
        return new RecordsBySplits<>(Map.of(), Set.of());
    }

    /** The next shard whose turn it is and whose pause is over; null if none. */
    private Shard nextDue() {
        long now = System.currentTimeMillis();
        for (int i = 0; i < turn.size(); i++) {
            String id = turn.pollFirst();
            turn.addLast(id);
            Shard s = shards.get(id);
            if (s.nextCallAt <= now) {
                return s;
            }
        }
        return null;
    }

    private void idle() {
        long now = System.currentTimeMillis();
        long until = now + MAX_IDLE_WAIT_MS;
        for (Shard s : shards.values()) {
            until = Math.min(until, s.nextCallAt);
        }
        synchronized (wake) {
            long wait = until - System.currentTimeMillis();
            while (!wakeUp && wait > 0) {
                try {
                    wake.wait(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                wait = until - System.currentTimeMillis();
            }
            wakeUp = false;
        }
    }

    @Override
    public void handleSplitsChanges(SplitsChange<ShardSplit> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException("unsupported split change " + change);
        }
        for (ShardSplit split : change.splits()) {
            shards.put(split.shardId, new Shard(split));
            turn.addLast(split.shardId);
            metrics.shardAdded(split.shardId);
        }
    }

    @Override
    public void wakeUp() {
        synchronized (wake) {
            wakeUp = true;
            wake.notifyAll();
        }
    }

    @Override
    public void pauseOrResumeSplits(Collection<ShardSplit> pause, Collection<ShardSplit> resume) {
        // watermark alignment is not used by this job
    }

    @Override
    public void close() {
        new ArrayList<>(shards.keySet()).forEach(metrics::shardRemoved);
        stream.close();
    }

    /** Answers without a next iterator in a row that the listing did not confirm; 0 if none. */
    int unconfirmedEnds(String shardId) {
        Shard s = shards.get(shardId);
        return s == null ? 0 : s.unconfirmedEnds;
    }

    Collection<String> shardIds() {
        return Collections.unmodifiableCollection(new ArrayList<>(shards.keySet()));
    }
}

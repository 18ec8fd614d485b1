package io.streamsync.testing;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * A model of one DynamoDB stream as the service serves it, for tests: the records are given to it
 * ({@link #append}) and it serves them through DescribeStream, GetShardIterator and GetRecords the
 * way AWS does where moto is kinder. Each behaviour below is one AWS documents; every timing is a
 * setting, compressed from seconds-to-hours to what a test can wait for. {@link StreamsModelServer}
 * puts it on HTTP. The model is thread-safe (one lock) and its clock is settable, so unit tests
 * move time without sleeping.
 *
 * <ul>
 *   <li><b>Shards roll over.</b> Each lineage (a partition's run of shards) has one open shard;
 *       every {@link Settings#rolloverMs} the open shard is closed and a child takes the
 *       partition's new records. DynamoDB Streams: "shards are ephemeral: they are created and
 *       deleted automatically, as needed ... a parent shard might have just one child shard" and
 *       "an application must always process a parent shard before it processes a child shard"
 *       (Developer Guide, "Change data capture for DynamoDB Streams",
 *       https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html, section
 *       "Reading and processing a stream"). AWS rolls a shard over about every 4 hours (observed,
 *       not documented); here every few seconds. A record goes to the shard open at the time it
 *       reaches the model, in the lineage of its partition key, so each item's changes stay in
 *       order along the lineage ("the stream records appear in the same sequence as the actual
 *       modifications to the item", same page).
 *   <li><b>A closed parent looks open for a while.</b> For {@link Settings#parentCloseDelayMs}
 *       after its child takes the writes, the parent is listed without an EndingSequenceNumber and
 *       GetRecords at its end returns empty pages with a NextShardIterator; then NextShardIterator
 *       is null ("If set to null, the shard has been closed", GetRecords, API Reference,
 *       https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html)
 *       and the listing shows its EndingSequenceNumber (DescribeStream: "If both
 *       StartingSequenceNumber and EndingSequenceNumber are present, then that shard is closed",
 *       API_streams_DescribeStream.html).
 *   <li><b>Empty pages while records lie further on.</b> A share ({@link Settings#emptyPageShare})
 *       of GetRecords calls mid-shard return no records, with a NextShardIterator at the same
 *       place: "If there are no stream records available in the portion of the shard that the
 *       iterator points to, GetRecords returns an empty list. Note that it might take multiple
 *       calls to get to a portion of the shard that contains stream records" (GetRecords, API
 *       Reference). Open shards at their head answer empty pages too.
 *   <li><b>Pages of at most 1,000 records and 1 MB</b>: "GetRecords can retrieve a maximum of 1 MB
 *       of data or 1000 stream records, whichever comes first" (GetRecords, API Reference); Limit
 *       above 1000 is cut to 1000.
 *   <li><b>Iterators expire</b> {@link Settings#iteratorTtlMs} after they were handed out
 *       (GetShardIterator or NextShardIterator): "A shard iterator expires 15 minutes after it is
 *       returned to the requester" (GetShardIterator, API Reference,
 *       API_streams_GetShardIterator.html); GetRecords answers ExpiredIteratorException.
 *   <li><b>Records are trimmed</b> {@link Settings#retentionMs} after they arrived: TRIM_HORIZON
 *       starts at the oldest record left, a position before it (AFTER_SEQUENCE_NUMBER /
 *       AT_SEQUENCE_NUMBER, or an iterator pointing there) answers TrimmedDataAccessException ("The
 *       operation attempted to read past the oldest stream record in a shard. In DynamoDB Streams,
 *       there is a 24 hour limit on data retention", API Reference, Errors), and a closed shard
 *       with nothing left is no longer listed (ResourceNotFoundException).
 *   <li><b>LimitExceededException</b>: a GetRecords call from a third reader of a shard while two
 *       others read it ({@link Settings#maxReadersPerShard} within {@link
 *       Settings#readerWindowMs}): "No more than two processes at most should be reading from the
 *       same streams shard at the same time. Having more than two readers per shard can result in
 *       throttling" (Developer Guide, Streams.html); DescribeStream above {@link
 *       Settings#describeCallsPerSecond} calls a second ("You can call DescribeStream at a maximum
 *       rate of 10 times per second", API Reference); and a seeded share of GetRecords calls
 *       ({@link Settings#throttleShare}). A reader is a chain of iterators: one GetShardIterator
 *       and the NextShardIterators that follow from it.
 *   <li><b>DescribeStream pages</b> ({@link Settings#describePageSize} shards a page; Limit, at
 *       most 100, ExclusiveStartShardId, LastEvaluatedShardId: "The shard ID of the item where the
 *       operation stopped ... If LastEvaluatedShardId is empty, then the 'last page' of results has
 *       been processed", API Reference) and <b>a new child is listed only {@link
 *       Settings#childListingDelayMs} after it took its first writes</b> (the delay is not
 *       documented; consumers such as the DynamoDB Streams Kinesis Adapter poll for it).
 *   <li><b>ShardFilter CHILD_SHARDS</b>: DescribeStream with {@code ShardFilter {Type:
 *       CHILD_SHARDS, ShardId: parent}} lists the parent's children ("Contains the shardId of the
 *       parent shard for which you are requesting child shards", ShardFilter, API Reference,
 *       API_streams_ShardFilter.html), after {@link Settings#childFilterDelayMs}.
 * </ul>
 *
 * <p>Kinder than AWS: shard ids and sequence numbers are well-formed but not AWS's (sequence
 * numbers are those {@link #append} was given, e.g. moto's); the stream is always ENABLED; one
 * rollover schedule for all lineages (offset by the lineage number); no splits into two children
 * (AWS documents them as possible, but a table's partition split is not modelled). Stricter: the
 * timings are seconds.
 *
 * <p>Everything served is logged ({@link #served()}): which record of which shard went to which
 * reader chain, so a test can tell which records a job was given.
 */
public final class StreamsModel {
    /**
     * Timings and shares; the defaults are compressed for integration tests (AWS's figure in each
     * comment).
     */
    public static final class Settings {
        /** A shard's life before its child takes over (AWS: about 4 h). */
        public long rolloverMs = 8_000;

        /**
         * Open shards at a time (partitions); records go to {@code hash(partition key) mod
         * lineages}.
         */
        public int lineages = 2;

        /**
         * How long a new child is left out of full listings after it appears (AWS: not documented,
         * seconds to minutes).
         */
        public long childListingDelayMs = 2_000;

        /** How long ShardFilter CHILD_SHARDS leaves a new child out. */
        public long childFilterDelayMs = 0;

        /**
         * How long a parent still looks open after its child took over (AWS: observed, seconds).
         */
        public long parentCloseDelayMs = 1_000;

        /** Iterator life (AWS: 15 min). */
        public long iteratorTtlMs = 15 * 60_000L;

        /** Record retention (AWS: 24 h). */
        public long retentionMs = 24 * 3_600_000L;

        /** Share of GetRecords calls with records ahead that return an empty page. */
        public double emptyPageShare = 0.0;

        /** Share of GetRecords calls answered LimitExceededException at random. */
        public double throttleShare = 0.0;

        /** Readers (iterator chains) a shard serves at once (AWS: two). */
        public int maxReadersPerShard = 2;

        /** How long a reader chain counts as reading a shard after its last GetRecords call. */
        public long readerWindowMs = 1_000;

        /** Shards per DescribeStream page (AWS: up to 100, the Limit). */
        public int describePageSize = 3;

        /** DescribeStream calls per second (AWS: 10). */
        public int describeCallsPerSecond = 10;

        /** Seed of the empty pages and random throttling. */
        public long seed = 1;

        public Settings rolloverMs(long v) {
            rolloverMs = v;
            return this;
        }

        public Settings lineages(int v) {
            lineages = v;
            return this;
        }

        public Settings childListingDelayMs(long v) {
            childListingDelayMs = v;
            return this;
        }

        public Settings childFilterDelayMs(long v) {
            childFilterDelayMs = v;
            return this;
        }

        public Settings parentCloseDelayMs(long v) {
            parentCloseDelayMs = v;
            return this;
        }

        public Settings iteratorTtlMs(long v) {
            iteratorTtlMs = v;
            return this;
        }

        public Settings retentionMs(long v) {
            retentionMs = v;
            return this;
        }

        public Settings emptyPageShare(double v) {
            emptyPageShare = v;
            return this;
        }

        public Settings throttleShare(double v) {
            throttleShare = v;
            return this;
        }

        public Settings maxReadersPerShard(int v) {
            maxReadersPerShard = v;
            return this;
        }

        public Settings readerWindowMs(long v) {
            readerWindowMs = v;
            return this;
        }

        public Settings describePageSize(int v) {
            describePageSize = v;
            return this;
        }

        public Settings describeCallsPerSecond(int v) {
            describeCallsPerSecond = v;
            return this;
        }

        public Settings seed(long v) {
            seed = v;
            return this;
        }

        @Override
        public String toString() {
            return "rollover "
                    + rolloverMs
                    + " ms, "
                    + lineages
                    + " lineages, child listed after "
                    + childListingDelayMs
                    + " ms, parent closes "
                    + parentCloseDelayMs
                    + " ms late, iterators "
                    + iteratorTtlMs
                    + " ms, retention "
                    + retentionMs
                    + " ms, empty pages "
                    + emptyPageShare
                    + ", throttled "
                    + throttleShare
                    + ", "
                    + maxReadersPerShard
                    + " readers a shard, "
                    + describePageSize
                    + " shards a page";
        }
    }

    /** A failure the service would answer with (HTTP 400 and this error type). */
    public static final class ServiceError extends Exception {
        private static final long serialVersionUID = 1L;
        public final String type;

        ServiceError(String type, String message) {
            super(message);
            this.type = type;
        }
    }

    /** One record as the model keeps it. */
    static final class Rec {
        final BigInteger seq;
        final String sequenceNumber;
        final byte[] json;
        final long arrivedAt;

        Rec(String sequenceNumber, byte[] json, long arrivedAt) {
            this.seq = new BigInteger(sequenceNumber);
            this.sequenceNumber = sequenceNumber;
            this.json = json;
            this.arrivedAt = arrivedAt;
        }
    }

    /** One shard. Positions are absolute: index {@code trimmed} is the oldest record left. */
    static final class Shard {
        final String id;
        final String parentId;
        final int lineage;
        final long createdAt;
        final String startingSequenceNumber;
        long sealedAt = -1;
        final List<Rec> records = new ArrayList<>();
        int trimmed;
        BigInteger lastTrimmed;
        boolean deleted;

        /** Reader chain -> time of its last GetRecords on this shard. */
        final Map<Long, Long> readers = new HashMap<>();

        Shard(
                String id,
                String parentId,
                int lineage,
                long createdAt,
                String startingSequenceNumber) {
            this.id = id;
            this.parentId = parentId;
            this.lineage = lineage;
            this.createdAt = createdAt;
            this.startingSequenceNumber = startingSequenceNumber;
        }

        int end() {
            return trimmed + records.size();
        }
    }

    /** One record handed out: its shard, sequence number, the reader chain and when. */
    public static final class Served {
        public final String shardId;
        public final String sequenceNumber;
        public final long chain;
        public final long at;

        Served(String shardId, String sequenceNumber, long chain, long at) {
            this.shardId = shardId;
            this.sequenceNumber = sequenceNumber;
            this.chain = chain;
            this.at = at;
        }
    }

    public final String streamArn;
    public final Settings settings;
    private final LongSupplier clock;
    private final Random random;

    /** All shards by id (ids sort by creation). */
    private final TreeMap<String, Shard> shards = new TreeMap<>();

    private final Shard[] open;
    private final List<Served> served = new ArrayList<>();
    private final List<Long> describeCalls = new ArrayList<>();
    private final Map<String, Long> calls = new TreeMap<>();
    private BigInteger lastSequence = BigInteger.ZERO;
    private long nextChain = 1;
    private int nextShard;
    private long appended;

    public StreamsModel(String streamArn, Settings settings, LongSupplier clock) {
        this.streamArn = streamArn;
        this.settings = settings;
        this.clock = clock;
        this.random = new Random(settings.seed);
        this.open = new Shard[settings.lineages];
        long now = clock.getAsLong();
        for (int l = 0; l < settings.lineages; l++) {
            // the first shards start staggered, so that lineages do not all roll over at once
            open[l] = newShard(null, l, now - l * settings.rolloverMs / settings.lineages);
        }
    }

    private Shard newShard(Shard parent, int lineage, long createdAt) {
        String id =
                String.format(
                        "shardId-%013d%07d-%08x",
                        Math.max(0, createdAt), nextShard++, (lineage * 0x9E3779B1) & 0xffffffffL);
        Shard s =
                new Shard(
                        id,
                        parent == null ? null : parent.id,
                        lineage,
                        createdAt,
                        lastSequence.add(BigInteger.ONE).toString());
        shards.put(id, s);
        return s;
    }

    /** Rolls shards over and trims records, up to now. */
    private long advance() {
        long now = clock.getAsLong();
        for (int l = 0; l < open.length; l++) {
            while (now >= open[l].createdAt + settings.rolloverMs) {
                rollover(l, open[l].createdAt + settings.rolloverMs);
            }
        }
        long horizon = now - settings.retentionMs;
        for (Shard s : shards.values()) {
            while (!s.records.isEmpty() && s.records.get(0).arrivedAt < horizon) {
                s.lastTrimmed = s.records.remove(0).seq;
                s.trimmed++;
            }
            if (s.sealedAt >= 0 && s.sealedAt < horizon && s.records.isEmpty()) {
                s.deleted = true;
            }
        }
        return now;
    }

    private void rollover(int lineage, long at) {
        Shard parent = open[lineage];
        parent.sealedAt = at;
        open[lineage] = newShard(parent, lineage, at);
    }

    /** Closes every open shard now; children take the next records. */
    public synchronized void rolloverNow() {
        long now = advance();
        for (int l = 0; l < open.length; l++) {
            rollover(l, now);
        }
    }

    /**
     * A new record of the table's stream: it goes to the open shard of its partition key's lineage.
     * Sequence numbers must grow from call to call.
     */
    public synchronized String append(String partitionKey, String sequenceNumber, byte[] json) {
        long now = advance();
        Rec r = new Rec(sequenceNumber, json, now);
        if (r.seq.compareTo(lastSequence) <= 0) {
            throw new IllegalArgumentException(
                    "sequence number " + sequenceNumber + " after " + lastSequence);
        }
        lastSequence = r.seq;
        Shard s = open[Math.floorMod(partitionKey.hashCode(), open.length)];
        s.records.add(r);
        appended++;
        return s.id;
    }

    public synchronized long appended() {
        return appended;
    }

    /** Every record handed out so far, in order. */
    public synchronized List<Served> served() {
        return new ArrayList<>(served);
    }

    /** Calls per operation and outcome (e.g. {@code GetRecords ExpiredIteratorException}). */
    public synchronized Map<String, Long> calls() {
        return new TreeMap<>(calls);
    }

    private void count(String what) {
        calls.merge(what, 1L, Long::sum);
    }

    /**
     * Shard id -> the sequence numbers it holds (trimmed ones included), in order: where each
     * record went.
     */
    public synchronized Map<String, List<String>> layout() {
        Map<String, List<String>> out = new TreeMap<>();
        for (Shard s : shards.values()) {
            List<String> seqs = new ArrayList<>();
            s.records.forEach(r -> seqs.add(r.sequenceNumber));
            out.put(s.id, seqs);
        }
        return out;
    }

    /** Shard id -> its parent's id (null for the first shards). */
    public synchronized Map<String, String> parents() {
        Map<String, String> out = new TreeMap<>();
        shards.values().forEach(s -> out.put(s.id, s.parentId));
        return out;
    }

    /** A shard as DescribeStream lists it. */
    public static final class Listed {
        public final String shardId;
        public final String parentShardId;
        public final String startingSequenceNumber;

        /** Null while the shard (looks) open. */
        public final String endingSequenceNumber;

        Listed(
                String shardId,
                String parentShardId,
                String startingSequenceNumber,
                String endingSequenceNumber) {
            this.shardId = shardId;
            this.parentShardId = parentShardId;
            this.startingSequenceNumber = startingSequenceNumber;
            this.endingSequenceNumber = endingSequenceNumber;
        }
    }

    /** One DescribeStream page: its shards and the LastEvaluatedShardId (null on the last page). */
    public static final class Page {
        public final List<Listed> shards;
        public final String lastEvaluatedShardId;

        Page(List<Listed> shards, String lastEvaluatedShardId) {
            this.shards = shards;
            this.lastEvaluatedShardId = lastEvaluatedShardId;
        }
    }

    private boolean looksClosed(Shard s, long now) {
        return s.sealedAt >= 0 && now >= s.sealedAt + settings.parentCloseDelayMs;
    }

    /**
     * DescribeStream: {@code limit} 0 for the default; {@code childrenOf} non-null for ShardFilter
     * CHILD_SHARDS.
     */
    public synchronized Page describe(int limit, String exclusiveStartShardId, String childrenOf)
            throws ServiceError {
        long now = advance();
        describeCalls.removeIf(t -> t <= now - 1000);
        if (describeCalls.size() >= settings.describeCallsPerSecond) {
            count("DescribeStream LimitExceededException");
            throw new ServiceError("LimitExceededException", "DescribeStream rate exceeded");
        }
        describeCalls.add(now);
        count(childrenOf == null ? "DescribeStream" : "DescribeStream CHILD_SHARDS");
        int pageSize = Math.min(Math.min(limit <= 0 ? 100 : limit, 100), settings.describePageSize);
        List<Listed> page = new ArrayList<>();
        String last = null;
        boolean more = false;
        for (Shard s :
                (exclusiveStartShardId == null
                                ? shards
                                : shards.tailMap(exclusiveStartShardId, false))
                        .values()) {
            if (s.deleted) {
                continue;
            }
            boolean visible;
            if (childrenOf != null) {
                visible =
                        childrenOf.equals(s.parentId)
                                && now >= s.createdAt + settings.childFilterDelayMs;
            } else {
                visible = s.parentId == null || now >= s.createdAt + settings.childListingDelayMs;
            }
            if (!visible) {
                continue;
            }
            if (page.size() == pageSize) {
                more = true;
                break;
            }
            String ending = null;
            if (looksClosed(s, now)) {
                ending =
                        s.records.isEmpty()
                                ? (s.lastTrimmed != null
                                        ? s.lastTrimmed.toString()
                                        : s.startingSequenceNumber)
                                : s.records.get(s.records.size() - 1).sequenceNumber;
            }
            page.add(new Listed(s.id, s.parentId, s.startingSequenceNumber, ending));
            last = s.id;
        }
        return new Page(page, more ? last : null);
    }

    private Shard shard(String id, long now) throws ServiceError {
        Shard s = shards.get(id);
        if (s == null || s.deleted) {
            throw new ServiceError(
                    "ResourceNotFoundException",
                    "Requested resource not found: Shard: " + id + " in Stream: " + streamArn);
        }
        return s;
    }

    /** GetShardIterator: a new reader chain at the position. */
    public synchronized String iterator(String shardId, String type, String sequenceNumber)
            throws ServiceError {
        long now = advance();
        count("GetShardIterator " + type);
        Shard s = shard(shardId, now);
        int position;
        switch (type) {
            case "TRIM_HORIZON":
                position = s.trimmed;
                break;
            case "LATEST":
                position = s.end();
                break;
            case "AT_SEQUENCE_NUMBER":
            case "AFTER_SEQUENCE_NUMBER":
                {
                    if (sequenceNumber == null) {
                        throw new ServiceError(
                                "ValidationException", "SequenceNumber is required for " + type);
                    }
                    BigInteger seq = new BigInteger(sequenceNumber);
                    boolean after = type.startsWith("AFTER");
                    if (s.lastTrimmed != null
                            && (after
                                    ? seq.compareTo(s.lastTrimmed) < 0
                                    : seq.compareTo(s.lastTrimmed) <= 0)) {
                        count("GetShardIterator TrimmedDataAccessException");
                        throw new ServiceError(
                                "TrimmedDataAccessException",
                                "The operation attempted to read past the oldest stream record in a shard.");
                    }
                    position = s.end();
                    for (int i = 0; i < s.records.size(); i++) {
                        int c = s.records.get(i).seq.compareTo(seq);
                        if (after ? c > 0 : c >= 0) {
                            position = s.trimmed + i;
                            break;
                        }
                    }
                    break;
                }
            default:
                throw new ServiceError("ValidationException", "ShardIteratorType " + type);
        }
        return token(s.id, position, now, nextChain++);
    }

    private static String token(String shardId, int position, long issuedAt, long chain) {
        return "model|" + shardId + "|" + position + "|" + issuedAt + "|" + chain;
    }

    /**
     * One GetRecords answer: the records' JSON and the next iterator (null: the shard is closed and
     * read to its end).
     */
    public static final class Records {
        public final List<byte[]> records;
        public final List<String> sequenceNumbers;
        public final String nextShardIterator;

        Records(List<byte[]> records, List<String> sequenceNumbers, String nextShardIterator) {
            this.records = records;
            this.sequenceNumbers = sequenceNumbers;
            this.nextShardIterator = nextShardIterator;
        }
    }

    /** True for an iterator this model handed out. */
    public static boolean isModelIterator(String iterator) {
        return iterator != null && iterator.startsWith("model|");
    }

    /** GetRecords, up to {@code limit} records (0: 1000; at most 1000 and 1 MB). */
    public synchronized Records records(String iterator, int limit) throws ServiceError {
        long now = advance();
        String[] parts = iterator == null ? new String[0] : iterator.split("\\|");
        if (parts.length != 5 || !"model".equals(parts[0])) {
            throw new ServiceError("ValidationException", "Invalid ShardIterator");
        }
        Shard s = shard(parts[1], now);
        int position = Integer.parseInt(parts[2]);
        long issuedAt = Long.parseLong(parts[3]);
        long chain = Long.parseLong(parts[4]);
        if (now - issuedAt > settings.iteratorTtlMs) {
            count("GetRecords ExpiredIteratorException");
            throw new ServiceError(
                    "ExpiredIteratorException",
                    "Iterator expired. The iterator was created at time "
                            + issuedAt
                            + " while right now it is "
                            + now
                            + ".");
        }
        s.readers.values().removeIf(t -> t <= now - settings.readerWindowMs);
        if (!s.readers.containsKey(chain) && s.readers.size() >= settings.maxReadersPerShard) {
            count("GetRecords LimitExceededException (readers)");
            throw new ServiceError("LimitExceededException", "Too many readers of shard " + s.id);
        }
        if (settings.throttleShare > 0 && random.nextDouble() < settings.throttleShare) {
            count("GetRecords LimitExceededException (random)");
            throw new ServiceError("LimitExceededException", "Rate exceeded for shard " + s.id);
        }
        s.readers.put(chain, now);
        if (position < s.trimmed) {
            count("GetRecords TrimmedDataAccessException");
            throw new ServiceError(
                    "TrimmedDataAccessException",
                    "The operation attempted to read past the oldest stream record in a shard.");
        }
        int max = Math.min(limit <= 0 ? 1000 : limit, 1000);
        List<byte[]> out = new ArrayList<>();
        List<String> seqs = new ArrayList<>();
        int next = position;
        boolean empty =
                position < s.end()
                        && settings.emptyPageShare > 0
                        && random.nextDouble() < settings.emptyPageShare;
        if (!empty) {
            long bytes = 0;
            while (next < s.end() && out.size() < max) {
                Rec r = s.records.get(next - s.trimmed);
                if (!out.isEmpty() && bytes + r.json.length > StreamsModelServer.MAX_ANSWER_BYTES) {
                    break;
                }
                bytes += r.json.length;
                out.add(r.json);
                seqs.add(r.sequenceNumber);
                served.add(new Served(s.id, r.sequenceNumber, chain, now));
                next++;
            }
        }
        count(
                empty
                        ? "GetRecords empty page mid-shard"
                        : out.isEmpty() ? "GetRecords empty" : "GetRecords");
        String nextIterator =
                next == s.end() && looksClosed(s, now) ? null : token(s.id, next, now, chain);
        return new Records(out, seqs, nextIterator);
    }

    /** Sequence numbers served, per shard, each as often as it was served. */
    public synchronized Map<String, List<String>> servedByShard() {
        Map<String, List<String>> out = new TreeMap<>();
        for (Served s : served) {
            out.computeIfAbsent(s.shardId, k -> new ArrayList<>()).add(s.sequenceNumber);
        }
        return out;
    }

    /** A short account for failure messages: shards, records, calls. */
    public synchronized String summary() {
        int open = 0;
        for (Shard s : shards.values()) {
            if (s.sealedAt < 0) {
                open++;
            }
        }
        return shards.size()
                + " shards ("
                + open
                + " open), "
                + appended
                + " records, "
                + served.size()
                + " served, calls "
                + calls;
    }

    /** Unmodifiable ids of all shards ever made, in creation order. */
    public synchronized List<String> shardIds() {
        return Collections.unmodifiableList(new ArrayList<>(shards.keySet()));
    }
}

package io.streamsync.source.shards;

import io.streamsync.config.ConfigKey;
import io.streamsync.metrics.CloudWatchMetrics;
import io.streamsync.source.stream.ListedShard;
import io.streamsync.source.stream.ShardStream;
import io.streamsync.source.stream.StreamApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.FlinkRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists the stream's shards every discovery interval (DescribeStream / ListShards), asks for the
 * children of each shard read to its end at once (DescribeStream with a {@code CHILD_SHARDS}
 * filter, where the service has it), and hands each shard to a reader once all of its parents are
 * finished ({@link ShardLineage}).
 *
 * <p>Which reader: a child goes to the reader that read its parent (the last parent to finish,
 * after a merge). Records of one reader reach each aggregation subtask in the order they were read,
 * so the parent's last records cannot be overtaken by the child's first ones in the network. Shards
 * without a known parent reader (the first listing, after a restore) go to the reader with the
 * fewest shards.
 *
 * <p>Failovers. A global failover restores this enumerator from its checkpoint (the lineage) and
 * the readers from the same checkpoint. A regional failover (a task fails) does not restore it:
 * Flink hands back, through {@link #addSplitsBack}, the splits assigned to the failed reader since
 * the last completed checkpoint, and the reader restarts from its checkpointed state. Then:
 *
 * <ul>
 *   <li>every returned split waits to be assigned again from its start, even one read to its end
 *       meanwhile (the restored reader does not know it, and its records were rolled back);
 *   <li>every shard that reader finished after the last completed checkpoint holds its children
 *       back again (the restored reader may hold it unfinished and read its tail again) until the
 *       restarted reader says what it restored ({@link ShardEvents.ReaderStarted}): held
 *       unfinished, it stays being read until it is reported finished again; otherwise it is
 *       finished as before.
 * </ul>
 *
 * So a parent's records always come before its children's, and no shard is skipped, under either
 * failover.
 *
 * <p>Its checkpoint is the lineage alone: which shards are finished and which are assigned. Where a
 * reader stands in its shards is in the readers' checkpoints.
 */
final class ShardEnumerator implements SplitEnumerator<ShardSplit, ShardLineage> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardEnumerator.class);

    /**
     * Finished shards are forgotten once the stream no longer lists them and this has passed (the
     * shortest retention).
     */
    static final Duration PRUNE_AFTER = Duration.ofHours(24);

    /**
     * How often due child-shard queries are made (each shard's queries back off from 250 ms to 8
     * s).
     */
    static final long CHILD_QUERY_TICK_MS = 250;

    private static final long CHILD_QUERY_MAX_BACKOFF_MS = 8_000;

    /** The longest pause between two listings after transient failures. */
    private static final long MAX_LISTING_BACKOFF_MS = 5 * 60_000;

    private final SplitEnumeratorContext<ShardSplit> context;
    private final ShardSourceSettings settings;
    private final ShardLineage lineage;
    private ShardStream stream;

    /** Which reader holds which shards, as far as this enumerator has seen (not checkpointed). */
    private final Map<Integer, Set<String>> owned = new HashMap<>();

    /**
     * A shard finished by a reader: by whom, when, and in which of this enumerator's checkpoints
     * first.
     */
    private static final class Finish {
        final int reader;
        final long at;

        /**
         * The first checkpoint whose enumerator part holds the finish; Long.MAX_VALUE until one is
         * taken.
         */
        long checkpoint = Long.MAX_VALUE;

        Finish(int reader, long at) {
            this.reader = reader;
            this.at = at;
        }
    }

    /**
     * Recent finishes (for children's reader, idleness and regional failovers); pruned once durable
     * and old.
     */
    private final Map<String, Finish> finishes = new LinkedHashMap<>();

    /**
     * Shards held back after a regional failover of their reader, until that reader says what it
     * restored.
     */
    private final Map<Integer, Set<String>> suspended = new HashMap<>();

    private long lastCompletedCheckpoint = -1;

    /**
     * Per reader, the finished shards it reported whose split output it keeps, at the shard's last
     * watermark, until told {@link ShardEvents.ChildrenSettled} (with when each was reported). Not
     * checkpointed: a restored reader reports its finished shards again, and holds them again.
     */
    private final Map<Integer, Map<String, Long>> holding = new HashMap<>();

    /**
     * Readers told {@link ShardEvents.NoShards} since they last got a shard, finished one or
     * registered.
     */
    private final Set<Integer> toldIdle = new HashSet<>();

    /**
     * When each reader registered (addReader); readers known otherwise count as registered long
     * ago.
     */
    private final Map<Integer, Long> registeredAt = new HashMap<>();

    /** The clock (tests set their own). */
    java.util.function.LongSupplier clock = System::currentTimeMillis;

    private boolean listedOnce;
    private int listingFailures;
    private long listingFailingSince;
    private long nextListingAt;

    /**
     * Finished shards whose children are asked for (CHILD_SHARDS), with the next time and the
     * attempt count.
     */
    private final Map<String, long[]> childQueries = new LinkedHashMap<>();

    private final Set<String> childQueriesInFlight = new HashSet<>();
    private boolean childQueriesSupported = true;

    private final Counter shardsAssigned;
    private final Counter shardsFinished;
    private final Counter listings;
    private final Counter dataLossGaps;

    /**
     * Gauge values, computed on the coordinator thread (the reporter thread must not iterate the
     * lineage).
     */
    private volatile int waitingCount;

    private volatile int readingCount;

    private final java.util.function.Supplier<ShardStream> streams;

    ShardEnumerator(
            SplitEnumeratorContext<ShardSplit> context,
            ShardSourceSettings settings,
            ShardLineage lineage) {
        this(context, settings, lineage, () -> settings.endpoint.open(2));
    }

    ShardEnumerator(
            SplitEnumeratorContext<ShardSplit> context,
            ShardSourceSettings settings,
            ShardLineage lineage,
            java.util.function.Supplier<ShardStream> streams) {
        this.streams = streams;
        this.context = context;
        this.settings = settings;
        this.lineage = lineage;
        this.shardsAssigned = CloudWatchMetrics.of(context.metricGroup()).counter("shardsAssigned");
        this.shardsFinished = CloudWatchMetrics.of(context.metricGroup()).counter("shardsFinished");
        this.listings = CloudWatchMetrics.of(context.metricGroup()).counter("shardListings");
        this.dataLossGaps = CloudWatchMetrics.of(context.metricGroup()).counter("lostParentGaps");
        CloudWatchMetrics.of(context.metricGroup()).gauge("shardsWaiting", () -> waitingCount);
        CloudWatchMetrics.of(context.metricGroup()).gauge("shardsReading", () -> readingCount);
        refreshCounts();
    }

    @Override
    public void start() {
        stream = streams.get();
        context.callAsync(
                this::listIfDue, this::onListing, 0L, settings.discoveryInterval.toMillis());
        context.callAsync(
                () -> null,
                (ignored, error) -> queryChildren(),
                CHILD_QUERY_TICK_MS,
                CHILD_QUERY_TICK_MS);
    }

    /** The listing, or null to skip this round (backing off after transient failures). */
    private List<ListedShard> listIfDue() throws StreamApiException {
        if (clock.getAsLong() < nextListingAt) {
            return null;
        }
        return stream.listShards();
    }

    private void onListing(List<ListedShard> listing, Throwable error) {
        long now = clock.getAsLong();
        if (error != null) {
            listingFailed(error, now);
            return;
        }
        if (listing == null) {
            return; // skipped: backing off
        }
        listingFailures = 0;
        nextListingAt = 0;
        listedOnce = true;
        listings.inc();
        List<ShardLineage.LostParent> lost = lineage.listed(listing, now);
        reportLost(lost);
        Set<String> ids = new HashSet<>();
        listing.forEach(s -> ids.add(s.id));
        int pruned = lineage.prune(ids, now, PRUNE_AFTER);
        if (pruned > 0) {
            LOG.info(
                    "Forgot {} finished shards that {} no longer lists", pruned, settings.endpoint);
        }
        pruneFinishes(now);
        assignReady();
        tellSuperseded();
    }

    /** Readers told which of their shards have children (no heartbeats from those), per reader. */
    private final Map<Integer, Set<String>> toldSuperseded = new HashMap<>();

    private void tellSuperseded() {
        Set<String> parents = new HashSet<>();
        lineage.tracked().forEach(t -> parents.addAll(t.parents));
        for (Map.Entry<Integer, Set<String>> o : owned.entrySet()) {
            Set<String> told = toldSuperseded.computeIfAbsent(o.getKey(), r -> new HashSet<>());
            told.retainAll(o.getValue());
            List<String> tell = new ArrayList<>();
            for (String id : o.getValue()) {
                if (parents.contains(id) && told.add(id)) {
                    tell.add(id);
                }
            }
            if (!tell.isEmpty() && context.registeredReaders().containsKey(o.getKey())) {
                context.sendEventToSourceReader(o.getKey(), new ShardEvents.ShardsSuperseded(tell));
            }
        }
    }

    /**
     * A listing failed. Before the first success and for errors that retrying cannot fix (access
     * denied, expired or invalid credentials, the stream gone), the job fails: at once before the
     * first listing, after {@code source.retry.timeout.ms} of such failures in a row after it.
     * Other failures (throttling, server errors, broken connections) are retried with exponential
     * backoff.
     */
    private void listingFailed(Throwable error, long now) {
        if (listingFailures++ == 0) {
            listingFailingSince = now;
        }
        StreamApiException.Kind kind =
                error instanceof StreamApiException
                        ? ((StreamApiException) error).kind
                        : StreamApiException.Kind.RETRYABLE;
        boolean hopeless =
                kind == StreamApiException.Kind.NOT_FOUND || kind == StreamApiException.Kind.FATAL;
        if (hopeless
                && (!listedOnce || now - listingFailingSince >= settings.retryTimeout.toMillis())) {
            throw new FlinkRuntimeException(
                    "cannot list the shards of "
                            + settings.endpoint
                            + (listedOnce
                                    ? " for "
                                            + (now - listingFailingSince)
                                            + " ms ("
                                            + ConfigKey.SOURCE_RETRY_TIMEOUT_MS.key()
                                            + "="
                                            + settings.retryTimeout.toMillis()
                                            + ")"
                                    : "")
                            + ": "
                            + error.getMessage(),
                    error);
        }
        long backoff =
                hopeless
                        ? settings.discoveryInterval.toMillis()
                        : Math.min(
                                MAX_LISTING_BACKOFF_MS,
                                settings.discoveryInterval.toMillis()
                                        << Math.min(listingFailures - 1, 10));
        nextListingAt = now + backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        LOG.warn(
                "Listing the shards of {} failed ({} in a row, {}), trying again in about {} ms: {}",
                settings.endpoint,
                listingFailures,
                kind,
                backoff,
                error.toString());
    }

    /** Parents trimmed before the job knew them: fail, or report a gap before their children. */
    private void reportLost(List<ShardLineage.LostParent> lost) {
        for (ShardLineage.LostParent l : lost) {
            String what =
                    "shard "
                            + l.parentId
                            + " of "
                            + settings.endpoint
                            + ", parent of "
                            + l.shardId
                            + ", was created and trimmed while the job was not reading it: its changes are lost";
            if (!settings.continueOnTrimmedData) {
                throw new FlinkRuntimeException(
                        what
                                + ". Set "
                                + ConfigKey.SOURCE_ON_TRIMMED_DATA.key()
                                + "=continue to go on with its children and record the gap as a dead letter");
            }
            dataLossGaps.inc();
            LOG.error(
                    "Data-loss gap: {}; its child starts at TRIM_HORIZON ({}=continue)",
                    what,
                    ConfigKey.SOURCE_ON_TRIMMED_DATA.key());
            lineage.markGap(l.shardId, "trimmed-data gap: " + what);
        }
    }

    private void pruneFinishes(long now) {
        long keep = 3 * settings.discoveryInterval.toMillis();
        finishes.entrySet()
                .removeIf(
                        e ->
                                !lineage.knows(e.getKey())
                                        || (e.getValue().checkpoint <= lastCompletedCheckpoint
                                                && now - e.getValue().at > keep));
        childQueries.keySet().removeIf(id -> !lineage.knows(id));
    }

    private void assignReady() {
        Set<Integer> readers = context.registeredReaders().keySet();
        if (readers.isEmpty()) {
            refreshCounts();
            return; // taken only when they can be handed out at once: nothing is marked assigned
            // and left unsent
        }
        Map<Integer, List<ShardSplit>> assignment = new HashMap<>();
        for (ShardSplit split : lineage.takeReady()) {
            int reader = readerFor(split.shardId, readers);
            assignment.computeIfAbsent(reader, r -> new ArrayList<>()).add(split);
            owned.computeIfAbsent(reader, r -> new HashSet<>()).add(split.shardId);
            toldIdle.remove(reader);
            shardsAssigned.inc();
            LOG.info(
                    "Shard {} of {} to reader {} from {}",
                    split.shardId,
                    settings.endpoint,
                    reader,
                    split.start);
        }
        assignment.forEach(
                (reader, splits) ->
                        context.assignSplits(
                                new org.apache.flink.api.connector.source.SplitsAssignment<>(
                                        Map.of(reader, splits))));
        settleChildren(readers, clock.getAsLong());
        tellIdleReaders(readers, clock.getAsLong());
        refreshCounts();
    }

    /**
     * Tells each registered reader which of the finished shards it holds may go: those with a child
     * handed out (the assignment above went first, so the reader has the child's output before it
     * drops the parent's), those the lineage no longer knows, and those with no child known three
     * discovery intervals after the report, while listings work (the same wait as for idleness,
     * {@link #tellIdleReaders}). A merged child waiting for its other parent settles the parent
     * that finished first: the child goes to the other parent's reader ({@link #readerFor}), which
     * that parent holds back until the child is handed out; the child's records come after both
     * parents' ends.
     */
    private void settleChildren(Set<Integer> readers, long now) {
        long childrenDeadline = now - 3 * settings.discoveryInterval.toMillis();
        for (Map.Entry<Integer, Map<String, Long>> h : holding.entrySet()) {
            if (!readers.contains(h.getKey())) {
                continue; // a restored reader reports before it registers: told once registered
            }
            List<String> settled = new ArrayList<>();
            h.getValue()
                    .entrySet()
                    .removeIf(
                            e -> {
                                if (childrenSettled(e.getKey(), e.getValue(), childrenDeadline)) {
                                    settled.add(e.getKey());
                                    return true;
                                }
                                return false;
                            });
            if (!settled.isEmpty()) {
                context.sendEventToSourceReader(
                        h.getKey(), new ShardEvents.ChildrenSettled(settled));
            }
        }
        holding.values().removeIf(Map::isEmpty);
    }

    private boolean childrenSettled(String shardId, long reportedAt, long childrenDeadline) {
        if (!lineage.knows(shardId) || lineage.status(shardId) != ShardLineage.Status.FINISHED) {
            return true; // forgotten, or being read again (returned or reopened): nothing to hold
        }
        boolean childKnown = false;
        for (ShardLineage.Tracked t : lineage.tracked()) {
            if (t.parents.contains(shardId)) {
                childKnown = true;
                if (t.status != ShardLineage.Status.WAITING) {
                    return true; // handed out
                }
                for (String other : t.parents) {
                    if (lineage.status(other) != null
                            && lineage.status(other) != ShardLineage.Status.FINISHED) {
                        // a merged child waiting for its other parent: it goes to that parent's
                        // reader (readerFor), which holds it back until then
                        return true;
                    }
                }
            }
        }
        return !childKnown && listingFailures == 0 && reportedAt <= childrenDeadline;
    }

    private void refreshCounts() {
        Map<ShardLineage.Status, Integer> counts = lineage.counts();
        waitingCount = counts.get(ShardLineage.Status.WAITING);
        readingCount = counts.get(ShardLineage.Status.ASSIGNED);
    }

    /**
     * Tells every reader that owns no shard, and has no finished shard whose children may still
     * come to it, that it is idle: once, until it gets a shard, reports a finished one or registers
     * again (a reader ignores it while it has shards, e.g. restored ones the enumerator does not
     * know of). Only once, because an event that cannot be delivered (the reader just failed) fails
     * the task over; and not in a reader's first discovery interval, when a reader that fails at
     * once (on the shard it restored from its state, which the enumerator does not know of) would
     * otherwise lose it every time and be failed over once more, spending a restart (seen on Flink
     * 2.2 with a trimmed shard). A finished shard may still get children until one of them is known
     * or three discovery intervals have passed; while listings fail, children may come to any
     * reader that finished a shard.
     */
    private void tellIdleReaders(Set<Integer> readers, long now) {
        long childrenDeadline = now - 3 * settings.discoveryInterval.toMillis();
        for (int r : readers) {
            if (!owned.getOrDefault(r, Set.of()).isEmpty()
                    || toldIdle.contains(r)
                    || !suspended.getOrDefault(r, Set.of()).isEmpty()
                    || now - registeredAt.getOrDefault(r, Long.MIN_VALUE / 2)
                            < settings.discoveryInterval.toMillis()) {
                continue;
            }
            // a shard it still holds (settled ones are gone: settleChildren runs first) waits for
            // children, also a restored one reported again (no Finish recorded for it)
            boolean childrenMayCome =
                    !holding.getOrDefault(r, Map.of()).isEmpty()
                            || finishes.entrySet().stream()
                                    .anyMatch(
                                            e ->
                                                    e.getValue().reader == r
                                                            && !hasKnownChild(e.getKey())
                                                            && (listingFailures > 0
                                                                    || e.getValue().at
                                                                            > childrenDeadline));
            if (!childrenMayCome) {
                toldIdle.add(r);
                context.sendEventToSourceReader(r, new ShardEvents.NoShards());
            }
        }
    }

    private boolean hasKnownChild(String shardId) {
        for (ShardLineage.Tracked t : lineage.tracked()) {
            if (t.parents.contains(shardId)) {
                return true;
            }
        }
        return false;
    }

    private int readerFor(String shardId, Set<Integer> readers) {
        List<String> parents = lineage.parentsOf(shardId);
        // the reader that still holds a parent back (its children not settled), the latest held:
        // a merged child's first-finished parent may have been let go already
        int holder = -1;
        long heldAt = Long.MIN_VALUE;
        for (String parent : parents) {
            for (Map.Entry<Integer, Map<String, Long>> h : holding.entrySet()) {
                Long at = h.getValue().get(parent);
                if (at != null && at >= heldAt && readers.contains(h.getKey())) {
                    holder = h.getKey();
                    heldAt = at;
                }
            }
        }
        if (holder >= 0) {
            return holder;
        }
        // else the reader of the parent that finished last
        Finish latest = null;
        for (int i = parents.size() - 1; i >= 0; i--) {
            Finish f = finishes.get(parents.get(i));
            if (f != null && readers.contains(f.reader) && (latest == null || f.at > latest.at)) {
                latest = f;
            }
        }
        if (latest != null) {
            return latest.reader;
        }
        int best = -1;
        int fewest = Integer.MAX_VALUE;
        for (int r : readers) {
            int n = owned.getOrDefault(r, Set.of()).size();
            if (n < fewest || (n == fewest && r < best)) {
                best = r;
                fewest = n;
            }
        }
        return best;
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        if (event instanceof ShardEvents.ReaderStarted) {
            readerStarted(subtaskId, ((ShardEvents.ReaderStarted) event).reading);
            return;
        }
        if (!(event instanceof ShardEvents.ShardsFinished)) {
            LOG.warn("Unexpected event from reader {}: {}", subtaskId, event);
            return;
        }
        List<String> ids = ((ShardEvents.ShardsFinished) event).shardIds;
        long now = clock.getAsLong();
        for (String id : ids) {
            finished(subtaskId, id, now);
            suspended.getOrDefault(subtaskId, new HashSet<>()).remove(id);
            holding.computeIfAbsent(subtaskId, r -> new LinkedHashMap<>()).putIfAbsent(id, now);
        }
        context.sendEventToSourceReader(subtaskId, new ShardEvents.FinishedRecorded(ids));
        toldIdle.remove(subtaskId);
        assignReady();
    }

    private void finished(int reader, String id, long now) {
        boolean first = lineage.status(id) != ShardLineage.Status.FINISHED;
        lineage.finished(id, now);
        owned.values().forEach(s -> s.remove(id));
        if (first) {
            shardsFinished.inc();
            LOG.info("Shard {} of {} finished by reader {}", id, settings.endpoint, reader);
            finishes.put(id, new Finish(reader, now));
            if (childQueriesSupported && !hasKnownChild(id)) {
                childQueries.put(id, new long[] {now, 0});
                queryChildren();
            }
        }
    }

    /**
     * A (re)started reader says which unfinished shards it restored; what it held back for it is
     * settled.
     */
    private void readerStarted(int reader, List<String> reading) {
        long now = clock.getAsLong();
        Set<String> held = new HashSet<>(reading);
        for (String id : held) {
            if (lineage.reopened(id)) {
                LOG.info(
                        "Shard {} of {}: reader {} restored it unfinished; its children wait until it is finished again",
                        id,
                        settings.endpoint,
                        reader);
            }
            if (lineage.knows(id)) {
                owned.computeIfAbsent(reader, r -> new HashSet<>()).add(id);
            }
        }
        for (String id : suspended.getOrDefault(reader, Set.of())) {
            if (!held.contains(id) && lineage.status(id) == ShardLineage.Status.ASSIGNED) {
                lineage.finished(
                        id, now); // finished before the restored checkpoint: finished as it was
            }
        }
        suspended.remove(reader);
        toldSuperseded.remove(reader); // a new reader instance: tell it again
        assignReady();
        tellSuperseded();
    }

    /**
     * Asks for the children of shards that just finished (DynamoDB Streams' CHILD_SHARDS filter),
     * when due.
     */
    private void queryChildren() {
        long now = clock.getAsLong();
        for (Map.Entry<String, long[]> q : new ArrayList<>(childQueries.entrySet())) {
            String parent = q.getKey();
            long[] dueAndAttempts = q.getValue();
            if (dueAndAttempts[0] > now || childQueriesInFlight.contains(parent)) {
                continue;
            }
            childQueriesInFlight.add(parent);
            context.callAsync(
                    () -> stream.childShards(parent),
                    (children, error) -> onChildren(parent, children, error));
        }
    }

    private void onChildren(String parent, List<ListedShard> children, Throwable error) {
        childQueriesInFlight.remove(parent);
        long[] q = childQueries.get(parent);
        if (q == null) {
            return;
        }
        if (error == null && children == null) {
            childQueriesSupported =
                    false; // the service has no such query: the periodic listing finds them
            childQueries.clear();
            return;
        }
        if (error == null && !children.isEmpty()) {
            childQueries.remove(parent);
            lineage.discovered(children);
            LOG.info("Children of shard {} of {}: {}", parent, settings.endpoint, children);
            assignReady();
            tellSuperseded();
            return;
        }
        if (error != null) {
            LOG.debug("Asking for the children of {} failed: {}", parent, error.toString());
        }
        // not listed yet (a new child appears some time after), or a failure: ask again later; the
        // periodic
        // listing finds them anyway, and a known child ends the queries
        long backoff =
                Math.min(CHILD_QUERY_MAX_BACKOFF_MS, CHILD_QUERY_TICK_MS << Math.min(q[1]++, 10));
        q[0] = clock.getAsLong() + backoff;
        if (q[1] > 20 || hasKnownChild(parent)) {
            childQueries.remove(parent);
        }
    }

    @Override
    public void addSplitsBack(List<ShardSplit> splits, int subtaskId) {
        // a regional failover of this reader: it restarts from its last completed checkpoint
        owned.remove(subtaskId);
        holding.remove(subtaskId); // the failed reader's outputs are gone; the restored one reports
        for (ShardSplit s : splits) {
            lineage.returned(s.shardId);
            finishes.remove(s.shardId);
        }
        Set<String> held = suspended.computeIfAbsent(subtaskId, r -> new HashSet<>());
        for (Map.Entry<String, Finish> f : finishes.entrySet()) {
            if (f.getValue().reader == subtaskId
                    && f.getValue().checkpoint > lastCompletedCheckpoint
                    && lineage.reopened(f.getKey())) {
                held.add(f.getKey());
            }
        }
        if (!held.isEmpty() || !splits.isEmpty()) {
            LOG.info(
                    "Reader {} failed over: {} returned, {} held back until it says what it restored",
                    subtaskId,
                    splits,
                    held);
        }
        assignReady();
    }

    @Override
    public void addReader(int subtaskId) {
        toldIdle.remove(
                subtaskId); // a new reader (after a failover): tell it again, after its first
        // discovery interval
        registeredAt.put(subtaskId, clock.getAsLong());
        assignReady();
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // splits are pushed, not requested
    }

    @Override
    public ShardLineage snapshotState(long checkpointId) {
        for (Finish f : finishes.values()) {
            if (f.checkpoint == Long.MAX_VALUE) {
                f.checkpoint = checkpointId;
            }
        }
        return lineage;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        lastCompletedCheckpoint = Math.max(lastCompletedCheckpoint, checkpointId);
    }

    /** How many finishes are kept (for tests of pruning). */
    int finishesTracked() {
        return finishes.size();
    }

    @Override
    public void close() {
        if (stream != null) {
            stream.close();
        }
    }
}

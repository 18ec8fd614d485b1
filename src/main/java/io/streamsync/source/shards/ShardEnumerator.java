package io.streamsync.source.shards;

import io.streamsync.metrics.CloudWatchMetrics;
import io.streamsync.source.stream.ShardStream;
import io.streamsync.source.stream.StreamApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.FlinkRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists the stream's shards every discovery interval (the only caller of DescribeStream / ListShards) and
 * hands each shard to a reader once all of its parents are finished ({@link ShardLineage}).
 *
 * <p>Which reader: a child goes to the reader that read its parent (the last parent to finish, after a
 * merge). Records of one reader reach each aggregation subtask in the order they were read, so the parent's
 * last records cannot be overtaken by the child's first ones in the network. Shards without a known parent
 * reader (the first listing, after a restore) go to the reader with the fewest shards.
 *
 * <p>Its checkpoint is the lineage alone: which shards are finished and which are assigned. Where a reader
 * stands in its shards is in the readers' checkpoints.
 */
final class ShardEnumerator implements SplitEnumerator<ShardSplit, ShardLineage> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardEnumerator.class);
    /** Finished shards are forgotten once the stream no longer lists them and this has passed (the shortest retention). */
    static final Duration PRUNE_AFTER = Duration.ofHours(24);

    private final SplitEnumeratorContext<ShardSplit> context;
    private final ShardSourceSettings settings;
    private final ShardLineage lineage;
    private ShardStream stream;

    /** Which reader holds which shards, as far as this enumerator has seen (not checkpointed). */
    private final Map<Integer, Set<String>> owned = new HashMap<>();
    /** The reader that finished a shard (for its children). */
    private final Map<String, Integer> finishedBy = new HashMap<>();
    private final Map<String, Long> finishedAt = new HashMap<>();
    /** Readers told {@link ShardEvents.NoShards} since they last got a shard, finished one or registered. */
    private final Set<Integer> toldIdle = new HashSet<>();
    /** When each reader registered (addReader); readers known otherwise count as registered long ago. */
    private final Map<Integer, Long> registeredAt = new HashMap<>();
    /** The clock (tests set their own). */
    java.util.function.LongSupplier clock = System::currentTimeMillis;
    private final Map<String, List<String>> parentsOf = new HashMap<>();
    private boolean listedOnce;
    private int listingFailures;

    private final Counter shardsAssigned;
    private final Counter shardsFinished;
    private final Counter listings;

    private final java.util.function.Supplier<ShardStream> streams;

    ShardEnumerator(SplitEnumeratorContext<ShardSplit> context, ShardSourceSettings settings, ShardLineage lineage) {
        this(context, settings, lineage, () -> settings.endpoint.open(2));
    }

    ShardEnumerator(SplitEnumeratorContext<ShardSplit> context, ShardSourceSettings settings, ShardLineage lineage,
            java.util.function.Supplier<ShardStream> streams) {
        this.streams = streams;
        this.context = context;
        this.settings = settings;
        this.lineage = lineage;
        this.shardsAssigned = CloudWatchMetrics.of(context.metricGroup()).counter("shardsAssigned");
        this.shardsFinished = CloudWatchMetrics.of(context.metricGroup()).counter("shardsFinished");
        this.listings = CloudWatchMetrics.of(context.metricGroup()).counter("shardListings");
        CloudWatchMetrics.of(context.metricGroup()).gauge("shardsWaiting", () -> lineage.counts().get(ShardLineage.Status.WAITING));
        CloudWatchMetrics.of(context.metricGroup()).gauge("shardsReading", () -> lineage.counts().get(ShardLineage.Status.ASSIGNED));
    }

    @Override
    public void start() {
        stream = streams.get();
        context.callAsync(stream::listShards, this::onListing, 0L, settings.discoveryInterval.toMillis());
    }

    private void onListing(List<ListedShard> listing, Throwable error) {
        if (error != null) {
            listingFailures++;
            boolean hopeless = error instanceof StreamApiException
                    && (((StreamApiException) error).kind == StreamApiException.Kind.NOT_FOUND
                    || ((StreamApiException) error).kind == StreamApiException.Kind.FATAL);
            if (hopeless && !listedOnce) {
                throw new FlinkRuntimeException("cannot list the shards of " + settings.endpoint + ": " + error.getMessage(), error);
            }
            LOG.warn("Listing the shards of {} failed ({} in a row), trying again in {} ms: {}", settings.endpoint,
                    listingFailures, settings.discoveryInterval.toMillis(), error.toString());
            return;
        }
        listingFailures = 0;
        listedOnce = true;
        listings.inc();
        long now = System.currentTimeMillis();
        for (ListedShard s : listing) {
            parentsOf.putIfAbsent(s.id, s.parents);
        }
        lineage.listed(listing, now);
        Set<String> ids = new HashSet<>();
        listing.forEach(s -> ids.add(s.id));
        int pruned = lineage.prune(ids, now, PRUNE_AFTER);
        if (pruned > 0) {
            LOG.info("Forgot {} finished shards that {} no longer lists", pruned, settings.endpoint);
        }
        assignReady();
    }

    private void assignReady() {
        Set<Integer> readers = context.registeredReaders().keySet();
        if (readers.isEmpty()) {
            return; // taken only when they can be handed out at once: nothing is marked assigned and left unsent
        }
        Map<Integer, List<ShardSplit>> assignment = new HashMap<>();
        for (ShardSplit split : lineage.takeReady()) {
            int reader = readerFor(split.shardId, readers);
            assignment.computeIfAbsent(reader, r -> new ArrayList<>()).add(split);
            owned.computeIfAbsent(reader, r -> new HashSet<>()).add(split.shardId);
            toldIdle.remove(reader);
            shardsAssigned.inc();
            LOG.info("Shard {} of {} to reader {} from {}", split.shardId, settings.endpoint, reader, split.start);
        }
        assignment.forEach((reader, splits) -> context.assignSplits(
                new org.apache.flink.api.connector.source.SplitsAssignment<>(Map.of(reader, splits))));
        tellIdleReaders(readers, clock.getAsLong());
    }

    /**
     * Tells every reader that owns no shard, and has no finished shard whose children may still come to it, that
     * it is idle: once, until it gets a shard, reports a finished one or registers again (a reader ignores it while
     * it has shards, e.g. restored ones the enumerator does not know of). Only once, because an event that cannot
     * be delivered (the reader just failed) fails the task over; and not in a reader's first discovery interval, when
     * a reader that fails at once (on the shard it restored from its state, which the enumerator does not know of)
     * would otherwise lose it every time and be failed over once more, spending a restart (seen on Flink 2.2 with a
     * trimmed shard). A finished shard may still get children until one of them is listed or three discovery
     * intervals have passed.
     */
    private void tellIdleReaders(Set<Integer> readers, long now) {
        Set<String> withChildren = new HashSet<>();
        parentsOf.values().forEach(withChildren::addAll);
        long childrenDeadline = now - 3 * settings.discoveryInterval.toMillis();
        for (int r : readers) {
            if (!owned.getOrDefault(r, Set.of()).isEmpty() || toldIdle.contains(r)
                    || now - registeredAt.getOrDefault(r, Long.MIN_VALUE / 2) < settings.discoveryInterval.toMillis()) {
                continue;
            }
            boolean childrenMayCome = finishedBy.entrySet().stream().anyMatch(e -> e.getValue() == r
                    && !withChildren.contains(e.getKey()) && finishedAt.getOrDefault(e.getKey(), 0L) > childrenDeadline);
            if (!childrenMayCome) {
                toldIdle.add(r);
                context.sendEventToSourceReader(r, new ShardEvents.NoShards());
            }
        }
    }

    private int readerFor(String shardId, Set<Integer> readers) {
        List<String> parents = parentsOf.getOrDefault(shardId, List.of());
        for (int i = parents.size() - 1; i >= 0; i--) {
            Integer r = finishedBy.get(parents.get(i));
            if (r != null && readers.contains(r)) {
                return r;
            }
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
        if (!(event instanceof ShardEvents.ShardsFinished)) {
            LOG.warn("Unexpected event from reader {}: {}", subtaskId, event);
            return;
        }
        List<String> ids = ((ShardEvents.ShardsFinished) event).shardIds;
        long now = System.currentTimeMillis();
        for (String id : ids) {
            if (lineage.status(id) != ShardLineage.Status.FINISHED) {
                shardsFinished.inc();
                LOG.info("Shard {} of {} finished by reader {}", id, settings.endpoint, subtaskId);
            }
            lineage.finished(id, now);
            finishedBy.put(id, subtaskId);
            finishedAt.putIfAbsent(id, now);
            owned.values().forEach(s -> s.remove(id));
        }
        context.sendEventToSourceReader(subtaskId, new ShardEvents.FinishedRecorded(ids));
        toldIdle.remove(subtaskId);
        assignReady();
    }

    @Override
    public void addSplitsBack(List<ShardSplit> splits, int subtaskId) {
        for (ShardSplit s : splits) {
            owned.getOrDefault(subtaskId, new HashSet<>()).remove(s.shardId);
            lineage.returned(s.shardId);
        }
        assignReady();
    }

    @Override
    public void addReader(int subtaskId) {
        toldIdle.remove(subtaskId); // a new reader (after a failover): tell it again, after its first discovery interval
        registeredAt.put(subtaskId, clock.getAsLong());
        assignReady();
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // splits are pushed, not requested
    }

    @Override
    public ShardLineage snapshotState(long checkpointId) {
        return lineage;
    }

    @Override
    public void close() {
        if (stream != null) {
            stream.close();
        }
    }
}

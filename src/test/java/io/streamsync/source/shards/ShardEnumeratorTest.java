package io.streamsync.source.shards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.source.stream.StreamApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * The enumerator on a scripted stream and a recording context: shards are handed out only to registered
 * readers, children only after their parents are reported finished and to the parent's reader, the
 * rest to the reader with the fewest, reports are confirmed, and a listing that can never work fails.
 */
class ShardEnumeratorTest {
    /** A context that records assignments and events and runs the periodic listing on demand. */
    static final class Context implements SplitEnumeratorContext<ShardSplit> {
        final Map<Integer, ReaderInfo> readers = new TreeMap<>();
        final List<String> assigned = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        Callable<Object> listing;
        BiConsumer<Object, Throwable> onListing;

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            return UnregisteredMetricsGroup.createSplitEnumeratorMetricGroup();
        }

        @Override
        public void sendEventToSourceReader(int subtaskId, SourceEvent event) {
            events.add(subtaskId + ":" + event);
        }

        @Override
        public int currentParallelism() {
            return readers.size();
        }

        @Override
        public Map<Integer, ReaderInfo> registeredReaders() {
            return readers;
        }

        @Override
        public void assignSplits(SplitsAssignment<ShardSplit> assignment) {
            assignment.assignment().forEach((reader, splits) -> splits.forEach(s -> assigned.add(s.shardId + "->" + reader)));
        }

        @Override
        public void signalNoMoreSplits(int subtask) {}

        @Override
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
            throw new UnsupportedOperationException();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler, long initialDelay, long period) {
            listing = (Callable<Object>) callable;
            onListing = (BiConsumer<Object, Throwable>) handler;
        }

        /** One discovery round, as the coordinator would run it. */
        void discover() {
            Object result = null;
            Throwable error = null;
            try {
                result = listing.call();
            } catch (Exception e) {
                error = e;
            }
            onListing.accept(result, error);
        }

        @Override
        public void runInCoordinatorThread(Runnable runnable) {
            runnable.run();
        }
    }

    /** A listing that the test changes between rounds. */
    static final class Listing extends ShardSplitReaderTest.ScriptedStream {
        List<ListedShard> shards = new ArrayList<>();
        StreamApiException failure;

        @Override
        public List<ListedShard> listShards() throws StreamApiException {
            if (failure != null) {
                throw failure;
            }
            return shards;
        }
    }

    private static ShardSourceSettings settings() {
        return new ShardSourceSettings(null, StartPosition.TRIM_HORIZON, Duration.ofSeconds(10), Duration.ofMillis(200), 1000,
                false, Duration.ofMinutes(5));
    }

    private static ListedShard shard(String id, boolean closed, String... parents) {
        return new ListedShard(id, List.of(parents), closed);
    }

    @Test
    void childrenStartOnTheirParentsReaderOnlyAfterTheParentFinished() {
        Context ctx = new Context();
        Listing listing = new Listing();
        ShardEnumerator e = new ShardEnumerator(ctx, settings(), new ShardLineage(StartPosition.TRIM_HORIZON), () -> listing);
        e.start();
        listing.shards = List.of(shard("a", true), shard("b", false), shard("a1", false, "a"), shard("a2", false, "a"));
        ctx.discover();
        assertThat(ctx.assigned).as("no reader yet: nothing taken").isEmpty();

        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ctx.readers.put(1, new ReaderInfo(1, "h"));
        e.addReader(0);
        e.addReader(1);
        assertThat(ctx.assigned).containsExactly("a->0", "b->1");

        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a")));
        assertThat(ctx.events).containsExactly("0:FinishedRecorded[a]");
        assertThat(ctx.assigned).as("both children to the parent's reader").containsExactly("a->0", "b->1", "a1->0", "a2->0");

        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a")));
        assertThat(ctx.assigned).as("a repeated report changes nothing").hasSize(4);
    }

    @Test
    void aMergedChildWaitsForBothParentsAndReturnedSplitsAreHandedOutAgain() {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ctx.readers.put(1, new ReaderInfo(1, "h"));
        ShardEnumerator e = new ShardEnumerator(ctx, settings(), new ShardLineage(StartPosition.TRIM_HORIZON), () -> listing);
        e.start();
        listing.shards = List.of(shard("p", true), shard("q", true), shard("m", false, "p", "q"));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("p->0", "q->1");
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("p")));
        assertThat(ctx.assigned).as("q not finished yet").hasSize(2);
        e.handleSourceEvent(1, new ShardEvents.ShardsFinished(List.of("q")));
        assertThat(ctx.assigned).containsExactly("p->0", "q->1", "m->1");

        e.addSplitsBack(List.of(new ShardSplit("m", StartPosition.TRIM_HORIZON)), 1);
        assertThat(ctx.assigned).as("handed out again").containsExactly("p->0", "q->1", "m->1", "m->1");
        assertThat(e.snapshotState(1).status("m")).isEqualTo(ShardLineage.Status.ASSIGNED);
    }

    @Test
    void aStreamThatCannotBeListedFailsTheJobButALaterFailureIsRetried() {
        Context ctx = new Context();
        Listing listing = new Listing();
        ShardEnumerator e = new ShardEnumerator(ctx, settings(), new ShardLineage(StartPosition.TRIM_HORIZON), () -> listing);
        e.start();
        listing.failure = new StreamApiException(StreamApiException.Kind.THROTTLED, "slow down", null, 400, null);
        ctx.discover(); // throttled: logged, tried again next round
        listing.failure = null;
        listing.shards = List.of(shard("a", false));
        ctx.discover();
        listing.failure = new StreamApiException(StreamApiException.Kind.NOT_FOUND, "gone", null, 400, null);
        ctx.discover(); // after a first listing: retried

        Context fresh = new Context();
        Listing missing = new Listing();
        ShardEnumerator never = new ShardEnumerator(fresh, settings(), new ShardLineage(StartPosition.TRIM_HORIZON), () -> missing);
        never.start();
        missing.failure = new StreamApiException(StreamApiException.Kind.NOT_FOUND, "stream gone", null, 400, null);
        assertThatThrownBy(fresh::discover).hasMessageContaining("cannot list the shards").hasMessageContaining("stream gone");
    }

    @Test
    void aReaderWithoutShardsIsToldItIsIdleUnlessChildrenOfItsFinishedShardMayStillCome() {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ctx.readers.put(1, new ReaderInfo(1, "h"));
        ctx.readers.put(2, new ReaderInfo(2, "h"));
        ShardEnumerator e = new ShardEnumerator(ctx, settings(), new ShardLineage(StartPosition.TRIM_HORIZON), () -> listing);
        e.start();
        listing.shards = List.of(shard("a", true), shard("b", false));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("a->0", "b->1");
        assertThat(ctx.events).as("more readers than shards: reader 2 holds no one back").containsExactly("2:NoShards");

        ctx.events.clear();
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a")));
        assertThat(ctx.events).as("a's children are not listed yet: they will come to reader 0, which must not run ahead")
                .containsExactly("0:FinishedRecorded[a]");

        ctx.events.clear();
        listing.shards = List.of(shard("a", true), shard("b", false), shard("a1", false, "a"));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("a->0", "b->1", "a1->0");
        assertThat(ctx.events).as("told once: an event a failed reader cannot take fails it over").isEmpty();

        long[] now = {System.currentTimeMillis()};
        e.clock = () -> now[0];
        e.addReader(2); // reader 2 registers again after a failover
        ctx.discover();
        assertThat(ctx.events).as("not in its first discovery interval: it may fail at once, on a shard it restored")
                .isEmpty();
        now[0] += 10_000;
        ctx.discover();
        assertThat(ctx.events).containsExactly("2:NoShards");
        ctx.discover();
        assertThat(ctx.events).hasSize(1);
    }
}

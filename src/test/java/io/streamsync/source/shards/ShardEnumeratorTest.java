package io.streamsync.source.shards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.source.stream.ListedShard;
import io.streamsync.source.stream.StartPosition;
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
 * The enumerator on a scripted stream and a recording context: shards are handed out only to
 * registered readers, children only after their parents are reported finished and to the parent's
 * reader, the rest to the reader with the fewest, reports are confirmed, and a listing that can
 * never work fails.
 */
class ShardEnumeratorTest {
    /** A context that records assignments and events and runs the periodic listing on demand. */
    static class Context implements SplitEnumeratorContext<ShardSplit> {
        final Map<Integer, ReaderInfo> readers = new TreeMap<>();
        final List<String> assigned = new ArrayList<>();
        final List<ShardSplit> splits = new ArrayList<>();
        final List<String> events = new ArrayList<>();

        /** Assignments and events together, in the order they were sent. */
        final List<String> sent = new ArrayList<>();

        Callable<Object> listing;
        BiConsumer<Object, Throwable> onListing;

        /** Periodic calls after the first (the listing), e.g. the child-shard query tick. */
        final List<Runnable> otherPeriodic = new ArrayList<>();

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            return UnregisteredMetricsGroup.createSplitEnumeratorMetricGroup();
        }

        @Override
        public void sendEventToSourceReader(int subtaskId, SourceEvent event) {
            events.add(subtaskId + ":" + event);
            sent.add(subtaskId + ":" + event);
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
            assignment
                    .assignment()
                    .forEach(
                            (reader, list) ->
                                    list.forEach(
                                            s -> {
                                                assigned.add(s.shardId + "->" + reader);
                                                sent.add(s.shardId + "->" + reader);
                                                splits.add(s);
                                            }));
        }

        @Override
        public void signalNoMoreSplits(int subtask) {}

        @Override
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
            run(callable, handler); // one-shot calls (child-shard queries) answer at once
        }

        private static <T> void run(Callable<T> callable, BiConsumer<T, Throwable> handler) {
            T result = null;
            Throwable error = null;
            try {
                result = callable.call();
            } catch (Exception e) {
                error = e;
            }
            handler.accept(result, error);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> void callAsync(
                Callable<T> callable,
                BiConsumer<T, Throwable> handler,
                long initialDelay,
                long period) {
            if (listing == null) {
                listing = (Callable<Object>) callable;
                onListing = (BiConsumer<Object, Throwable>) handler;
            } else {
                otherPeriodic.add(() -> run(callable, handler));
            }
        }

        /** One round of the other periodic calls. */
        void tick() {
            otherPeriodic.forEach(Runnable::run);
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
        int listCalls;

        /**
         * Children by parent for CHILD_SHARDS queries; a parent not in here: the query is not
         * supported.
         */
        final Map<String, List<ListedShard>> children = new java.util.HashMap<>();

        final List<String> childQueries = new ArrayList<>();

        @Override
        public List<ListedShard> childShards(String shardId) {
            childQueries.add(shardId);
            return children.containsKey(shardId) ? children.get(shardId) : null;
        }

        @Override
        public List<ListedShard> listShards() throws StreamApiException {
            listCalls++;
            if (failure != null) {
                throw failure;
            }
            return shards;
        }
    }

    private static ShardSourceSettings settings() {
        return TestShardSettings.of(
                null,
                StartPosition.TRIM_HORIZON,
                Duration.ofSeconds(10),
                Duration.ofMillis(200),
                1000,
                false,
                Duration.ofMinutes(5));
    }

    private static ListedShard shard(String id, boolean closed, String... parents) {
        return new ListedShard(id, List.of(parents), closed);
    }

    @Test
    void childrenStartOnTheirParentsReaderOnlyAfterTheParentFinished() {
        Context ctx = new Context();
        Listing listing = new Listing();
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        listing.shards =
                List.of(
                        shard("a", true),
                        shard("b", false),
                        shard("a1", false, "a"),
                        shard("a2", false, "a"));
        ctx.discover();
        assertThat(ctx.assigned).as("no reader yet: nothing taken").isEmpty();

        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ctx.readers.put(1, new ReaderInfo(1, "h"));
        e.addReader(0);
        e.addReader(1);
        assertThat(ctx.assigned).containsExactly("a->0", "b->1");

        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a")));
        assertThat(ctx.events).containsExactly("0:FinishedRecorded[a]", "0:ChildrenSettled[a]");
        assertThat(ctx.assigned)
                .as("both children to the parent's reader")
                .containsExactly("a->0", "b->1", "a1->0", "a2->0");

        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a")));
        assertThat(ctx.assigned).as("a repeated report changes nothing").hasSize(4);
    }

    @Test
    void aMergedChildWaitsForBothParentsAndReturnedSplitsAreHandedOutAgain() {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ctx.readers.put(1, new ReaderInfo(1, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        listing.shards = List.of(shard("p", true), shard("q", true), shard("m", false, "p", "q"));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("p->0", "q->1");
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("p")));
        assertThat(ctx.assigned).as("q not finished yet").hasSize(2);
        e.handleSourceEvent(1, new ShardEvents.ShardsFinished(List.of("q")));
        assertThat(ctx.assigned).containsExactly("p->0", "q->1", "m->1");

        e.addSplitsBack(List.of(new ShardSplit("m", StartPosition.TRIM_HORIZON)), 1);
        assertThat(ctx.assigned)
                .as(
                        "q was finished after the last checkpoint: m waits until reader 1 says what it restored")
                .hasSize(3);
        e.handleSourceEvent(1, new ShardEvents.ReaderStarted(List.of()));
        assertThat(ctx.assigned)
                .as("handed out again")
                .containsExactly("p->0", "q->1", "m->1", "m->1");
        assertThat(e.snapshotState(1).status("m")).isEqualTo(ShardLineage.Status.ASSIGNED);
    }

    @Test
    void aStreamThatCannotBeListedFailsTheJobButALaterFailureIsRetried() {
        Context ctx = new Context();
        Listing listing = new Listing();
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        listing.failure =
                new StreamApiException(
                        StreamApiException.Kind.THROTTLED, "slow down", null, 400, null);
        ctx.discover(); // throttled: logged, tried again next round
        listing.failure = null;
        listing.shards = List.of(shard("a", false));
        ctx.discover();
        listing.failure =
                new StreamApiException(StreamApiException.Kind.NOT_FOUND, "gone", null, 400, null);
        ctx.discover(); // after a first listing: retried

        Context fresh = new Context();
        Listing missing = new Listing();
        ShardEnumerator never =
                new ShardEnumerator(
                        fresh,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> missing);
        never.start();
        missing.failure =
                new StreamApiException(
                        StreamApiException.Kind.NOT_FOUND, "stream gone", null, 400, null);
        assertThatThrownBy(fresh::discover)
                .hasMessageContaining("cannot list the shards")
                .hasMessageContaining("stream gone");
    }

    @Test
    void aReaderWithoutShardsIsToldItIsIdleUnlessChildrenOfItsFinishedShardMayStillCome() {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ctx.readers.put(1, new ReaderInfo(1, "h"));
        ctx.readers.put(2, new ReaderInfo(2, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        listing.shards = List.of(shard("a", true), shard("b", false));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("a->0", "b->1");
        assertThat(ctx.events)
                .as("more readers than shards: reader 2 holds no one back")
                .containsExactly("2:NoShards");

        ctx.events.clear();
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a")));
        assertThat(ctx.events)
                .as(
                        "a's children are not listed yet: they will come to reader 0, which must not run ahead")
                .containsExactly("0:FinishedRecorded[a]");

        ctx.events.clear();
        listing.shards = List.of(shard("a", true), shard("b", false), shard("a1", false, "a"));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("a->0", "b->1", "a1->0");
        assertThat(ctx.events)
                .as(
                        "told once (an event a failed reader cannot take fails it over); a's output may go now")
                .containsExactly("0:ChildrenSettled[a]");
        ctx.events.clear();

        long[] now = {System.currentTimeMillis()};
        e.clock = () -> now[0];
        e.addReader(2); // reader 2 registers again after a failover
        ctx.discover();
        assertThat(ctx.events)
                .as(
                        "not in its first discovery interval: it may fail at once, on a shard it restored")
                .isEmpty();
        now[0] += 10_000;
        ctx.discover();
        assertThat(ctx.events).containsExactly("2:NoShards");
        ctx.discover();
        assertThat(ctx.events).hasSize(1);
    }

    private static ShardSourceSettings settings(boolean continueOnTrimmed, Duration retryTimeout) {
        return TestShardSettings.of(
                null,
                StartPosition.TRIM_HORIZON,
                Duration.ofSeconds(10),
                Duration.ofMillis(200),
                1000,
                continueOnTrimmed,
                retryTimeout);
    }

    /**
     * Flink's regional failover of one reader: unregistered, its splits since the checkpoint handed
     * back, restarted.
     */
    private static void regionalFailover(
            Context ctx,
            ShardEnumerator e,
            int reader,
            List<ShardSplit> assignedSinceCheckpoint,
            List<String> restoredFinished,
            List<String> restoredUnfinished) {
        ctx.readers.remove(reader);
        e.addSplitsBack(assignedSinceCheckpoint, reader);
        ctx.readers.put(reader, new ReaderInfo(reader, "h"));
        e.addReader(reader);
        if (!restoredFinished.isEmpty()) {
            e.handleSourceEvent(
                    reader,
                    new ShardEvents.ShardsFinished(restoredFinished)); // ShardReader.addSplits
        }
        e.handleSourceEvent(
                reader, new ShardEvents.ReaderStarted(restoredUnfinished)); // ShardReader.start
    }

    private static ShardSplit split(String id) {
        return new ShardSplit(id, StartPosition.TRIM_HORIZON);
    }

    @Test
    void aShardAssignedAfterTheCheckpointAndReadToItsEndIsReadAgainAfterARegionalFailover()
            throws Exception {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ctx.readers.put(1, new ReaderInfo(1, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        e.snapshotState(1);
        e.notifyCheckpointComplete(1); // the last completed checkpoint: nothing assigned yet
        listing.shards = List.of(shard("p", true), shard("c", false, "p"));
        ctx.discover();
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("p")));
        assertThat(ctx.assigned).containsExactly("p->0", "c->0");

        // reader 0 fails: p and c were assigned after checkpoint 1, the restored reader knows
        // neither
        ctx.assigned.clear();
        regionalFailover(ctx, e, 0, List.of(split("p"), split("c")), List.of(), List.of());
        assertThat(ctx.assigned).as("p is read again, and c only after it").containsExactly("p->1");
        e.handleSourceEvent(1, new ShardEvents.ShardsFinished(List.of("p")));
        assertThat(ctx.assigned).containsExactly("p->1", "c->1");
    }

    @Test
    void aShardFinishedAfterTheCheckpointHoldsItsChildrenBackUntilTheRestoredReaderFinishesItAgain()
            throws Exception {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ctx.readers.put(1, new ReaderInfo(1, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        listing.shards = List.of(shard("p", true), shard("q", false), shard("c", false, "p"));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("p->0", "q->1");
        e.snapshotState(1);
        e.notifyCheckpointComplete(1); // p assigned before the checkpoint, not finished in it
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("p")));
        assertThat(ctx.assigned).containsExactly("p->0", "q->1", "c->0");

        // reader 0 fails; restored, it holds p unfinished at its checkpointed position and reads
        // its tail again
        ctx.assigned.clear();
        regionalFailover(ctx, e, 0, List.of(split("c")), List.of(), List.of("p"));
        assertThat(ctx.assigned).as("c must not start before p's tail is read again").isEmpty();
        e.snapshotState(2);
        assertThat(e.snapshotState(2).status("p"))
                .as("a checkpoint now holds p as being read")
                .isEqualTo(ShardLineage.Status.ASSIGNED);
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("p")));
        assertThat(ctx.assigned).containsExactly("c->0");

        // the same, but the restored reader had p finished already in its checkpoint (reported
        // again at once)
        Context ctx2 = new Context();
        ctx2.readers.put(0, new ReaderInfo(0, "h"));
        ctx2.readers.put(1, new ReaderInfo(1, "h"));
        ShardEnumerator e2 =
                new ShardEnumerator(
                        ctx2,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e2.start();
        ctx2.discover();
        e2.snapshotState(1);
        e2.notifyCheckpointComplete(1);
        e2.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("p")));
        ctx2.assigned.clear();
        ctx2.readers.remove(0);
        e2.addSplitsBack(List.of(split("c")), 0);
        assertThat(ctx2.assigned).as("held back until reader 0 says what it restored").isEmpty();
        ctx2.readers.put(0, new ReaderInfo(0, "h"));
        e2.addReader(0);
        e2.handleSourceEvent(0, new ShardEvents.ReaderStarted(List.of()));
        assertThat(ctx2.assigned)
                .as("p was finished before the checkpoint: c goes on")
                .containsExactly("c->0");
    }

    @Test
    void aParentFinishedInACompletedCheckpointIsNotHeldBackByALaterFailover() throws Exception {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        listing.shards = List.of(shard("p", true), shard("c", false, "p"), shard("d", false, "c"));
        ctx.discover();
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("p")));
        e.snapshotState(1);
        e.notifyCheckpointComplete(1);
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("c")));
        assertThat(ctx.assigned).containsExactly("p->0", "c->0", "d->0");
        ctx.assigned.clear();
        regionalFailover(ctx, e, 0, List.of(split("d")), List.of("c"), List.of());
        assertThat(ctx.assigned)
                .as("c re-reported finished by the restored reader; d handed out again")
                .containsExactly("d->0");
        assertThat(e.snapshotState(2).status("p")).isEqualTo(ShardLineage.Status.FINISHED);
    }

    @Test
    void aParentTheLineageNeverKnewIsReportedAsLostPerTheTrimmedDataPolicy() throws Exception {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(true, Duration.ofMinutes(5)),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        listing.shards = List.of(shard("a", false));
        ctx.discover();
        // the job stops; "b" (child of a) is created and trimmed before it is listed again; "c"
        // (child of b) is listed
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a")));
        listing.shards = List.of(shard("a", true), shard("c", false, "b"));
        ctx.discover();
        List<ShardSplit> handedOut = new ArrayList<>(ctx.splits);
        assertThat(handedOut).extracting(sp -> sp.shardId).containsExactly("a", "c");
        assertThat(handedOut.get(1).gap)
                .as("c's reader reports the loss as a gap")
                .contains("shard b")
                .contains("parent of c")
                .contains("lost");

        Context failing = new Context();
        Listing l2 = new Listing();
        ShardEnumerator strict =
                new ShardEnumerator(
                        failing,
                        settings(false, Duration.ofMinutes(5)),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> l2);
        strict.start();
        l2.shards = List.of(shard("a", false));
        failing.discover();
        l2.shards = List.of(shard("a", true), shard("c", false, "b"));
        assertThatThrownBy(failing::discover)
                .hasMessageContaining("shard b")
                .hasMessageContaining("source.on.trimmed.data");
    }

    @Test
    void transientListingErrorsAreRetriedWithBackoff() throws Exception {
        Context ctx = new Context();
        Listing listing = new Listing();
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(false, Duration.ofSeconds(30)),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        long[] now = {1_000_000L};
        e.clock = () -> now[0];
        e.start();
        listing.shards = List.of(shard("a", false));
        ctx.discover();
        int calls = listing.listCalls;
        listing.failure =
                new StreamApiException(
                        StreamApiException.Kind.RETRYABLE, "HTTP 500", null, 500, null);
        for (int i = 0; i < 6; i++) {
            ctx.discover();
            now[0] += 10_000;
        }
        assertThat(listing.listCalls - calls)
                .as("transient failures back off: fewer calls than rounds")
                .isLessThan(6);
        listing.failure = null;
        now[0] += 10 * 60_000;
        ctx.discover();
        assertThat(listing.listCalls - calls).as("listed again once it works").isGreaterThan(1);
    }

    @Test
    void listingErrorsThatRetryingCannotFixFailTheJobAfterTheRetryTimeout() throws Exception {
        Context ctx = new Context();
        Listing listing = new Listing();
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(false, Duration.ofSeconds(30)),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        long[] now = {1_000_000L};
        e.clock = () -> now[0];
        e.start();
        listing.shards = List.of(shard("a", false));
        ctx.discover();
        listing.failure =
                new StreamApiException(
                        StreamApiException.Kind.FATAL,
                        "DescribeStream failed: HTTP 400 AccessDeniedException: not authorized",
                        "AccessDeniedException",
                        400,
                        null);
        ctx.discover(); // the first of a run: retried (a policy being changed)
        now[0] += 20_000;
        ctx.discover();
        now[0] += 20_000;
        assertThatThrownBy(ctx::discover)
                .hasMessageContaining("cannot list the shards")
                .hasMessageContaining("AccessDeniedException")
                .hasMessageContaining("source.retry.timeout.ms");
    }

    @Test
    void theChildrenOfAFinishedShardAreAskedForAtOnceInsteadOfWaitingForTheNextListing()
            throws Exception {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        listing.shards = List.of(shard("p", false));
        ctx.discover();
        listing.children.put(
                "p", List.of()); // the child appears a little later than the parent's end
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("p")));
        assertThat(ctx.assigned).containsExactly("p->0");
        listing.children.put("p", List.of(shard("c", false, "p")));
        for (int i = 0; i < 100 && ctx.assigned.size() < 2; i++) {
            e.clock = () -> System.currentTimeMillis() + 60_000; // its next query is due
            ctx.tick();
        }
        assertThat(ctx.assigned)
                .as("no full listing ran in between")
                .containsExactly("p->0", "c->0");
        assertThat(listing.childQueries).startsWith("p", "p");
        int queries = listing.childQueries.size();
        ctx.tick();
        assertThat(listing.childQueries).as("a known child ends the queries").hasSize(queries);
    }

    @Test
    void theReaderOfAShardWhoseChildrenAreListedIsToldSoItsEmptyAnswersAreNotTakenForTheHead()
            throws Exception {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        listing.shards = List.of(shard("p", false));
        ctx.discover();
        listing.shards =
                List.of(
                        shard("p", false),
                        shard("c", false, "p")); // p still answers, the child takes the writes
        ctx.discover();
        ctx.discover();
        assertThat(ctx.events).containsExactly("0:ShardsSuperseded[p]");
        e.handleSourceEvent(
                0, new ShardEvents.ReaderStarted(List.of("p"))); // a restarted reader: told again
        assertThat(ctx.events).containsExactly("0:ShardsSuperseded[p]", "0:ShardsSuperseded[p]");
    }

    @Test
    void theGaugesDoNotIterateTheLineageFromTheReportersThread() throws Exception {
        Map<String, org.apache.flink.metrics.Gauge<?>> gauges =
                new java.util.concurrent.ConcurrentHashMap<>();
        Context ctx =
                new Context() {
                    @Override
                    public SplitEnumeratorMetricGroup metricGroup() {
                        return new CapturingEnumeratorGroup(gauges);
                    }
                };
        Listing listing = new Listing();
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean done =
                new java.util.concurrent.atomic.AtomicBoolean();
        Thread reporter =
                new Thread(
                        () -> {
                            while (!done.get()) {
                                try {
                                    gauges.get("shardsWaiting").getValue();
                                    gauges.get("shardsReading").getValue();
                                } catch (Throwable t) {
                                    failure.compareAndSet(null, t);
                                }
                            }
                        });
        reporter.start();
        List<ListedShard> shards = new ArrayList<>();
        for (int i = 0; i < 1000 && failure.get() == null; i++) {
            shards.add(shard("s" + i, false));
            listing.shards = new ArrayList<>(shards);
            ctx.discover(); // the lineage grows on the coordinator's thread
        }
        done.set(true);
        reporter.join();
        assertThat(failure.get()).as("the metric reporter's thread").isNull();
        assertThat(gauges.get("shardsWaiting").getValue()).isEqualTo(1000);
    }

    /** An enumerator metric group that keeps its gauges by name. */
    static final class CapturingEnumeratorGroup extends UnregisteredMetricsGroup
            implements SplitEnumeratorMetricGroup {
        private final Map<String, org.apache.flink.metrics.Gauge<?>> gauges;

        CapturingEnumeratorGroup(Map<String, org.apache.flink.metrics.Gauge<?>> gauges) {
            this.gauges = gauges;
        }

        @Override
        public <T, G extends org.apache.flink.metrics.Gauge<T>> G gauge(String name, G gauge) {
            gauges.put(name, gauge);
            return gauge;
        }

        @Override
        public org.apache.flink.metrics.MetricGroup addGroup(String name) {
            return this;
        }

        @Override
        public <G extends org.apache.flink.metrics.Gauge<Long>> G setUnassignedSplitsGauge(
                G unassignedSplitsGauge) {
            return unassignedSplitsGauge;
        }
    }

    @Test
    void finishesAreForgottenOnceDurableAndOld() throws Exception {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        long[] now = {1_000_000L};
        e.clock = () -> now[0];
        e.start();
        for (int i = 0; i < 50; i++) {
            listing.shards = List.of(shard("s" + i, true));
            ctx.discover();
            e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("s" + i)));
            e.snapshotState(i + 1);
            e.notifyCheckpointComplete(i + 1);
            now[0] += 60_000;
        }
        ctx.discover();
        assertThat(e.finishesTracked())
                .as("finished in a completed checkpoint over three discovery intervals ago")
                .isLessThanOrEqualTo(1);
    }

    @Test
    void childrenOfSeveralFinishedShardsAreFoundInOneRound() throws Exception {
        Context ctx = new Context();
        Listing listing = new Listing();
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.start();
        listing.shards = List.of(shard("a", false), shard("b", false));
        ctx.discover();
        listing.children.put("a", List.of());
        listing.children.put("b", List.of());
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a", "b")));
        listing.children.put("a", List.of(shard("a1", false, "a")));
        listing.children.put("b", List.of(shard("b1", false, "b")));
        e.clock = () -> System.currentTimeMillis() + 60_000;
        ctx.tick();
        assertThat(ctx.assigned).containsExactly("a->0", "b->0", "a1->0", "b1->0");
    }

    private ShardEnumerator twoReaders(Context ctx, Listing listing, long[] now) {
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        ctx.readers.put(1, new ReaderInfo(1, "h"));
        ShardEnumerator e =
                new ShardEnumerator(
                        ctx,
                        settings(),
                        new ShardLineage(StartPosition.TRIM_HORIZON),
                        () -> listing);
        e.clock = () -> now[0];
        e.start();
        return e;
    }

    /**
     * A reader keeps a shard it finished holding its watermark until the enumerator says the
     * shard's children are settled (ShardReaderTest shows why): right after a child is handed out
     * (the assignment first, so the child holds the reader back before the parent stops), and after
     * three discovery intervals when no child is known, not while listings fail.
     */
    @Test
    void aFinishedShardsReaderIsToldItsChildrenAreSettledOnlyAfterTheyAreHandedOut() {
        Context ctx = new Context();
        Listing listing = new Listing();
        long[] now = {1_000_000};
        ShardEnumerator e = twoReaders(ctx, listing, now);
        listing.shards = List.of(shard("a", true), shard("b", false));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("a->0", "b->1");

        ctx.sent.clear();
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a")));
        assertThat(ctx.sent)
                .as("a's child is not listed yet: reader 0 keeps holding")
                .containsExactly("0:FinishedRecorded[a]");

        listing.shards = List.of(shard("a", true), shard("b", false), shard("a1", false, "a"));
        now[0] += 10_000;
        ctx.discover();
        assertThat(ctx.sent)
                .as("the child first, then the parent may go")
                .containsExactly("0:FinishedRecorded[a]", "a1->0", "0:ChildrenSettled[a]");

        ctx.sent.clear();
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a")));
        assertThat(ctx.sent)
                .as("reported again (a restored reader holds it again): its child is out, at once")
                .containsExactly("0:FinishedRecorded[a]", "0:ChildrenSettled[a]");

        ctx.sent.clear();
        e.handleSourceEvent(1, new ShardEvents.ShardsFinished(List.of("b")));
        assertThat(ctx.sent).containsExactly("1:FinishedRecorded[b]");
        now[0] += 20_000;
        ctx.discover();
        assertThat(ctx.sent)
                .as("no child known yet, within three discovery intervals")
                .containsExactly("1:FinishedRecorded[b]");
        listing.failure =
                new StreamApiException(
                        StreamApiException.Kind.THROTTLED, "slow down", null, 400, null);
        now[0] += 20_000;
        ctx.discover();
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a1")));
        assertThat(ctx.sent)
                .as("listings failing: children may still come to reader 1")
                .doesNotContain("1:ChildrenSettled[b]");
        listing.failure = null;
        now[0] += 10_000;
        ctx.discover();
        assertThat(ctx.sent)
                .as("no child three discovery intervals after the report: the wait is over")
                .contains("1:ChildrenSettled[b]");
    }

    @Test
    void aMergedChildsFirstParentIsSettledAtOnceAndTheOtherWhenTheChildIsHandedOut() {
        Context ctx = new Context();
        Listing listing = new Listing();
        long[] now = {1_000_000};
        ShardEnumerator e = twoReaders(ctx, listing, now);
        listing.shards = List.of(shard("p", true), shard("q", true), shard("m", false, "p", "q"));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("p->0", "q->1");
        ctx.sent.clear();
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("p")));
        assertThat(ctx.sent)
                .as(
                        "m waits for q and will go to q's reader, which q holds back until then; "
                                + "reader 0 has nothing left to wait for")
                .containsExactly("0:FinishedRecorded[p]", "0:ChildrenSettled[p]", "0:NoShards");
        e.handleSourceEvent(1, new ShardEvents.ShardsFinished(List.of("q")));
        assertThat(ctx.sent)
                .containsExactly(
                        "0:FinishedRecorded[p]",
                        "0:ChildrenSettled[p]",
                        "0:NoShards",
                        "1:FinishedRecorded[q]",
                        "m->1",
                        "1:ChildrenSettled[q]");
    }

    @Test
    void aFailedReadersHoldsAreDroppedAndARestoredReaderIsToldOnceItRegisters() {
        Context ctx = new Context();
        Listing listing = new Listing();
        long[] now = {1_000_000};
        ShardEnumerator e = twoReaders(ctx, listing, now);
        listing.shards = List.of(shard("a", true), shard("b", true), shard("b1", false, "b"));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("a->0", "b->1");
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a")));
        e.addSplitsBack(List.of(), 0); // reader 0 fails over
        ctx.readers.remove(0);
        now[0] += 60_000;
        ctx.sent.clear();
        ctx.discover();
        assertThat(ctx.sent).as("reader 0's outputs went with it").isEmpty();

        // a restored reader reports its restored finished shards before it registers
        ctx.readers.remove(1);
        e.addSplitsBack(List.of(), 1);
        e.handleSourceEvent(1, new ShardEvents.ShardsFinished(List.of("b")));
        assertThat(ctx.sent).containsExactly("1:FinishedRecorded[b]");
        ctx.readers.put(1, new ReaderInfo(1, "h"));
        e.addReader(1);
        assertThat(ctx.sent)
                .containsExactly("1:FinishedRecorded[b]", "b1->1", "1:ChildrenSettled[b]");
    }

    /** A merged child must go to the reader that still holds a parent back. */
    @Test
    void aMergedChildGoesToTheReaderThatStillHoldsAParent() {
        Context ctx = new Context();
        Listing listing = new Listing();
        long[] now = {1_000_000};
        ShardEnumerator e = twoReaders(ctx, listing, now);
        // Kinesis lists ParentShardId then AdjacentParentShardId: here p is the second one
        listing.shards = List.of(shard("p", true), shard("q", true), shard("m", false, "q", "p"));
        ctx.discover();
        assertThat(ctx.assigned).containsExactly("p->0", "q->1");
        ctx.sent.clear();
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("p")));
        assertThat(ctx.sent).as("reader 0 lets p's watermark go").contains("0:ChildrenSettled[p]");
        e.handleSourceEvent(1, new ShardEvents.ShardsFinished(List.of("q")));
        assertThat(ctx.sent)
                .as(
                        "m must go to q's reader (q still holds it back), not to reader 0, which let p go")
                .contains("m->1");
    }

    /**
     * After a global failover the restored lineage already has a FINISHED; the restored reader
     * reports it again and holds it (no child known yet). The enumerator keeps holding it (no
     * ChildrenSettled) but tells the same reader NoShards, which makes the reader let a go and mark
     * itself idle while a's child may still come to it.
     */
    @Test
    void aRestoredFinishedShardStillHeldIsNotToldIdleBeforeItsChildrenSettle() {
        Context ctx = new Context();
        Listing listing = new Listing();
        long[] now = {1_000_000};
        ShardLineage restored = new ShardLineage(StartPosition.TRIM_HORIZON);
        restored.listed(List.of(shard("a", true)), now[0] - 5_000);
        restored.takeReady();
        restored.finished("a", now[0] - 1_000);
        ShardEnumerator e = new ShardEnumerator(ctx, settings(), restored, () -> listing);
        e.clock = () -> now[0];
        e.start();
        e.handleSourceEvent(0, new ShardEvents.ShardsFinished(List.of("a"))); // before it registers
        ctx.readers.put(0, new ReaderInfo(0, "h"));
        e.addReader(0);
        listing.shards = List.of(shard("a", true)); // its child is not listed yet
        now[0] += 15_000; // 1.5 discovery intervals: still within the children's wait
        ctx.discover();
        assertThat(ctx.sent).doesNotContain("0:ChildrenSettled[a]");
        assertThat(ctx.sent)
                .as(
                        "a is still held for its children: the reader must not be told it has nothing to wait for")
                .doesNotContain("0:NoShards");
    }
}

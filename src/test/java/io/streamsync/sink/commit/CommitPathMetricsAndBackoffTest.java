package io.streamsync.sink.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.aggregate.ListAggregate;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * What the mutation check (issue 32, testing page "Mutation check") found unguarded on the commit
 * path: the writer's and committer's metrics, the committer closing its publisher, a state of the
 * same version replacing the one held, and the backoff's arithmetic (the timeout's boundary, the
 * sleeps and their doubling). Each test names the PIT mutants it kills.
 */
class CommitPathMetricsAndBackoffTest {
    private static final CommitKeys<ListAggregate> KEYS =
            CommitKeys.of(ListAggregate::commitKey, ListAggregate::commitVersion);

    private static ListAggregate agg(String list, long count, long version) {
        return new ListAggregate(list, count, version, 0, 10, 0, 0, 0, 0, 0);
    }

    /** Counters and gauges a test can read back. */
    private static final class Metrics extends UnregisteredMetricsGroup {
        final Map<String, Counter> counters = new HashMap<>();
        final Map<String, Gauge<?>> gauges = new HashMap<>();

        @Override
        public Counter counter(String name) {
            return counters.computeIfAbsent(name, n -> super.counter(n));
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            gauges.put(name, gauge);
            return gauge;
        }

        long count(String name) {
            return counters.get(name).getCount();
        }

        Object value(String name) {
            return gauges.get(name).getValue();
        }
    }

    /**
     * Kills: Writer.write's and prepareCommit's counter calls removed (statesReceived,
     * statesHandedToCommit).
     */
    @Test
    void theWriterCountsWhatItReceivesAndWhatItHandsToTheCommit() throws Exception {
        Metrics m = new Metrics();
        CheckpointCommittingSink.Writer<ListAggregate> w =
                new CheckpointCommittingSink.Writer<>(KEYS, List.of(), m);
        w.write(agg("a", 1, 11), null);
        w.write(agg("a", 2, 12), null);
        w.write(agg("b", 1, 20), null);
        assertThat(m.count("statesReceived")).isEqualTo(3);
        assertThat(m.value("statesPending")).isEqualTo(2);
        w.prepareCommit();
        assertThat(m.count("statesHandedToCommit")).isEqualTo(2);
        assertThat(m.value("statesPending")).isEqualTo(0);
    }

    /**
     * Kills: PublishingCommitter.commit's counter call removed, the duration's arithmetic ({@code
     * -} as {@code +}, {@code /} as {@code *}) and its gauge update removed; close not closing the
     * publisher.
     */
    @Test
    void theCommitterCountsWhatItPublishedTimesItAndClosesItsPublisher() throws Exception {
        AtomicBoolean closed = new AtomicBoolean();
        List<List<ListAggregate>> published = new ArrayList<>();
        Publisher<ListAggregate> slow =
                new Publisher<>() {
                    @Override
                    public void publish(List<ListAggregate> states) throws InterruptedException {
                        Thread.sleep(30);
                        published.add(states);
                    }

                    @Override
                    public void close() {
                        closed.set(true);
                    }
                };
        Metrics m = new Metrics();
        CheckpointCommittingSink.PublishingCommitter<ListAggregate> c =
                new CheckpointCommittingSink.PublishingCommitter<>(KEYS, slow, m);
        assertThat(m.value("lastCommitDurationMs")).isEqualTo(0L);
        c.commit(List.of(request(List.of(agg("a", 1, 11), agg("b", 1, 12)))));
        assertThat(published).hasSize(1);
        assertThat(m.count("statesPublished")).isEqualTo(2);
        long ms = (Long) m.value("lastCommitDurationMs");
        assertThat(ms)
                .as("the publication took 30 ms or more, surely less than a minute")
                .isBetween(30L, 60_000L);
        c.close();
        assertThat(closed).isTrue();
    }

    /** Kills: LatestPerKey's {@code >=} as {@code >} (the first state of a version kept). */
    @Test
    void aLaterStateOfTheSameVersionReplacesTheOneHeld() {
        LatestPerKey<ListAggregate> l = new LatestPerKey<>(KEYS);
        l.add(agg("a", 1, 11));
        l.add(agg("a", 2, 11));
        l.add(agg("a", 3, 10));
        assertThat(l.size()).isEqualTo(1);
        assertThat(l.values()).containsExactly(agg("a", 2, 11));
    }

    /**
     * Kills: the timeout's arithmetic and boundary in Backoff.pause ({@code left <= 0} as {@code
     * left < 0}; {@code failingSince + timeout - now} with a sign changed). A fake clock drives the
     * timeout; the sleeps are real but capped by what is left of the timeout.
     */
    @Test
    void theBackoffGivesUpExactlyWhenTheTimeoutHasPassedWithoutProgress() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        Backoff b = new Backoff(Duration.ofMillis(1000), now::get);
        b.pause("x"); // failing from here
        now.addAndGet(999_000_000L); // 999 ms later: 1 ms left
        long start = System.nanoTime();
        b.pause("x");
        assertThat((System.nanoTime() - start) / 1_000_000)
                .as("the sleep is capped by what is left of the timeout")
                .isLessThan(50);
        now.addAndGet(1_000_000L); // 1,000 ms: given up
        assertThatThrownBy(() -> b.pause("3 writes still failing"))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "gave up after 1000 ms of failures without progress"
                                + " (sink.commit.retry.timeout.ms): 3 writes still failing");
        b.progressed(); // progress: a new failing period starts at the next pause
        now.addAndGet(5_000_000_000L);
        b.pause("x");
    }

    /**
     * Kills: Thread.sleep removed, and the doubling ({@code nextMs * 2} as {@code nextMs / 2}):
     * four pauses sleep at least 50 + 100 + 200 + 400 ms (each at least half its step).
     */
    @Test
    void theBackoffSleepsLongerAtEveryPause() throws Exception {
        Backoff b = new Backoff(Duration.ofMinutes(5));
        long start = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            b.pause("x");
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(750);
    }

    private static <T> CommitRequest<CommitBatch<T>> request(List<T> states) {
        CommitBatch<T> batch = new CommitBatch<>(states);
        return new CommitRequest<>() {
            @Override
            public CommitBatch<T> getCommittable() {
                return batch;
            }

            @Override
            public int getNumberOfRetries() {
                return 0;
            }

            @Override
            public void signalFailedWithKnownReason(Throwable t) {
                throw new AssertionError("not expected", t);
            }

            @Override
            public void signalFailedWithUnknownReason(Throwable t) {
                throw new AssertionError("not expected", t);
            }

            @Override
            public void retryLater() {
                throw new AssertionError("not expected");
            }

            @Override
            public void updateAndRetryLater(CommitBatch<T> committable) {
                throw new AssertionError("not expected");
            }

            @Override
            public void signalAlreadyCommitted() {
                throw new AssertionError("not expected");
            }
        };
    }
}

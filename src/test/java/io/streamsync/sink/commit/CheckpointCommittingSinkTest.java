package io.streamsync.sink.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.sink.dynamodb.AggregateCodec;
import io.streamsync.sink.search.SearchAction;
import io.streamsync.sink.search.SearchActionCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class CheckpointCommittingSinkTest {
    private static final CommitKeys<ListAggregate> KEYS =
            CommitKeys.of(ListAggregate::commitKey, ListAggregate::commitVersion);

    private static ListAggregate agg(String list, long count, long version) {
        return new ListAggregate(list, count, version, 0, 10, 0, 0, 0, 0, 0);
    }

    private static CheckpointCommittingSink.Writer<ListAggregate> writer(
            Collection<BufferedRequestState<ListAggregate>> restored) {
        return new CheckpointCommittingSink.Writer<>(
                KEYS, restored, new UnregisteredMetricsGroup());
    }

    @Test
    void theWriterHandsTheLatestStatePerKeyToEachCheckpointAndKeepsNothingInItsState()
            throws Exception {
        CheckpointCommittingSink.Writer<ListAggregate> w = writer(List.of());
        w.write(agg("a", 1, 11), null);
        w.write(agg("b", 5, 50), null);
        w.write(agg("a", 3, 13), null);
        w.write(
                agg("a", 2, 12),
                null); // older than what it already holds: reordered on the way, ignored
        Collection<CommitBatch<ListAggregate>> batches = w.prepareCommit();
        assertThat(batches).hasSize(1);
        assertThat(batches.iterator().next().states)
                .containsExactly(agg("a", 3, 13), agg("b", 5, 50));
        assertThat(w.snapshotState(1)).isEmpty();
        assertThat(w.prepareCommit()).as("nothing new since the last checkpoint").isEmpty();
    }

    @Test
    void stateNotYetHandedToACommitIsSnapshotted() throws Exception {
        CheckpointCommittingSink.Writer<ListAggregate> w = writer(List.of());
        w.write(agg("a", 1, 11), null);
        List<BufferedRequestState<ListAggregate>> state = w.snapshotState(1);
        assertThat(state).hasSize(1);
        assertThat(state.get(0).getBufferedRequestEntries())
                .extracting(RequestEntryWrapper::getRequestEntry)
                .containsExactly(agg("a", 1, 11));
        assertThat(w.prepareCommit()).as("still handed over at the next barrier").hasSize(1);
    }

    @Test
    void writesBufferedByTheAsyncSinksOfRelease010AreAdoptedAndCommittedWithTheFirstCheckpoint()
            throws Exception {
        BufferedStateSerializer<ListAggregate> serializer =
                new BufferedStateSerializer<>(new AggregateCodec());
        // the bytes a 0.1.0 savepoint holds: Flink's async sink state format with our element
        // format
        byte[] old =
                serializer.serialize(
                        new BufferedRequestState<>(
                                List.of(
                                        new RequestEntryWrapper<>(agg("a", 7, 70), 128),
                                        new RequestEntryWrapper<>(agg("b", 1, 10), 128))));
        BufferedRequestState<ListAggregate> restored = serializer.deserialize(1, old);
        CheckpointCommittingSink.Writer<ListAggregate> w = writer(List.of(restored));
        assertThat(w.prepareCommit().iterator().next().states)
                .containsExactly(agg("a", 7, 70), agg("b", 1, 10));
    }

    @Test
    void commitBatchesRoundTripThroughTheirSerializer() throws Exception {
        CommitBatchSerializer<SearchAction> s =
                new CommitBatchSerializer<>(new SearchActionCodec());
        List<SearchAction> actions =
                List.of(
                        new SearchAction("i", "x|1", "{\"n\":1.50,\"s\":\"\u00e9\"}", 7),
                        new SearchAction("i", "x|2", null, 8));
        CommitBatch<SearchAction> back =
                s.deserialize(s.getVersion(), s.serialize(new CommitBatch<>(actions)));
        assertThat(back.states).isEqualTo(actions);
        assertThatThrownBy(() -> s.deserialize(99, s.serialize(new CommitBatch<>(actions))))
                .hasMessageContaining("unknown commit batch version 99");
    }

    @Test
    void theCommitterPublishesTheLatestStatePerKeyOverAllPendingCheckpoints() throws Exception {
        List<List<ListAggregate>> published = new ArrayList<>();
        Publisher<ListAggregate> recorder =
                new Publisher<>() {
                    @Override
                    public void publish(List<ListAggregate> states) {
                        published.add(states);
                    }

                    @Override
                    public void close() {}
                };
        CheckpointCommittingSink.PublishingCommitter<ListAggregate> c =
                new CheckpointCommittingSink.PublishingCommitter<>(
                        KEYS, recorder, new UnregisteredMetricsGroup());
        c.commit(
                List.of(
                        request(List.of(agg("a", 1, 11), agg("b", 2, 20))),
                        request(List.of(agg("a", 4, 14)))));
        assertThat(published).containsExactly(List.of(agg("a", 4, 14), agg("b", 2, 20)));
    }

    @Test
    void aPublisherThatGivesUpFailsTheCommitSoTheJobFailsOverAndPublishesAgain() {
        Publisher<ListAggregate> down =
                new Publisher<>() {
                    @Override
                    public void publish(List<ListAggregate> states) throws IOException {
                        throw new IOException("target down");
                    }

                    @Override
                    public void close() {}
                };
        CheckpointCommittingSink.PublishingCommitter<ListAggregate> c =
                new CheckpointCommittingSink.PublishingCommitter<>(
                        KEYS, down, new UnregisteredMetricsGroup());
        assertThatThrownBy(() -> c.commit(List.of(request(List.of(agg("a", 1, 11))))))
                .hasMessage("target down");
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

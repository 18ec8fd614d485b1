package io.streamsync.sink.commit;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.sink.dynamodb.AggregateCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class CommitBatchWatermarkTest {
    private static ListAggregate agg(String list, long count, long version) {
        return new ListAggregate(list, count, version, 0, 10, 0, 0, 0, 0, 0);
    }

    @Test
    void aBatchKeepsItsWritersWatermarkAndSubtaskThroughTheCheckpoint() throws Exception {
        CommitBatchSerializer<ListAggregate> s = new CommitBatchSerializer<>(new AggregateCodec());
        CommitBatch<ListAggregate> b = new CommitBatch<>(List.of(agg("a", 1, 1000)), 1_234, 1, 2);
        CommitBatch<ListAggregate> back = s.deserialize(s.getVersion(), s.serialize(b));
        assertThat(s.getVersion()).isEqualTo(2);
        assertThat(back.states).containsExactly(agg("a", 1, 1000));
        assertThat(back.watermark).isEqualTo(1_234);
        assertThat(back.subtask).isEqualTo(1);
        assertThat(back.subtasks).isEqualTo(2);
    }

    @Test
    void aBatchOfVersionOneReadsAsABatchWithoutWatermark() throws Exception {
        // version 1 as release 0.3.0 wrote it: the number of states, then each state
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(1);
            new AggregateCodec().write(agg("a", 3, 3000), out);
        }
        CommitBatch<ListAggregate> back =
                new CommitBatchSerializer<>(new AggregateCodec())
                        .deserialize(1, bytes.toByteArray());
        assertThat(back.states).containsExactly(agg("a", 3, 3000));
        assertThat(back.watermark).isEqualTo(CommitBatch.NO_WATERMARK);
        assertThat(back.subtasks).isZero();
    }

    @Test
    void onceItHasAWatermarkTheWriterHandsABatchAtEveryBarrierEvenWithoutStates() throws Exception {
        CheckpointCommittingSink.Writer<ListAggregate> w =
                new CheckpointCommittingSink.Writer<>(
                        CommitKeys.of(ListAggregate::commitKey, ListAggregate::commitVersion),
                        List.of(),
                        new UnregisteredMetricsGroup(),
                        1,
                        2);
        assertThat(w.prepareCommit()).as("no watermark, no states: nothing to say").isEmpty();
        w.writeWatermark(new Watermark(5_000));
        w.write(agg("a", 1, 1000), null);
        Collection<CommitBatch<ListAggregate>> first = w.prepareCommit();
        assertThat(first)
                .singleElement()
                .satisfies(
                        b -> {
                            assertThat(b.states).hasSize(1);
                            assertThat(b.watermark).isEqualTo(5_000);
                            assertThat(b.subtask).isEqualTo(1);
                            assertThat(b.subtasks).isEqualTo(2);
                        });
        w.writeWatermark(new Watermark(Long.MAX_VALUE)); // end of input: no event time
        Collection<CommitBatch<ListAggregate>> second = w.prepareCommit();
        assertThat(second)
                .singleElement()
                .satisfies(
                        b -> {
                            assertThat(b.states).isEmpty();
                            assertThat(b.watermark).isEqualTo(5_000);
                        });
    }
}

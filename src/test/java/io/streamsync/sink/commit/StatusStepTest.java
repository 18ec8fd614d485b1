package io.streamsync.sink.commit;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.aggregate.ListAggregate;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** The status step as Flink runs it, fed with what committers emit after publishing. */
class StatusStepTest {
    private final List<long[]> published = new ArrayList<>();

    private OneInputStreamOperatorTestHarness<CommittableMessage<CommitBatch<ListAggregate>>, Void>
            harness() throws Exception {
        StatusPublisherFactory factory =
                metrics ->
                        new StatusPublisher() {
                            @Override
                            public void publish(long caughtUp, long checkpointId) {
                                published.add(new long[] {caughtUp, checkpointId});
                            }

                            @Override
                            public void close() {}
                        };
        return ProcessFunctionTestHarnesses.forProcessFunction(
                new CheckpointCommittingSink.StatusStep<ListAggregate>(factory));
    }

    private static CommittableMessage<CommitBatch<ListAggregate>> committed(
            long checkpoint, int subtask, int subtasks, long watermark) {
        return new CommittableWithLineage<>(
                new CommitBatch<ListAggregate>(List.of(), watermark, subtask, subtasks),
                checkpoint,
                subtask);
    }

    @Test
    void publishesTheLeastWatermarkOnceEverySubtasksBatchOfACheckpointIsPublished()
            throws Exception {
        try (var h = harness()) {
            h.processElement(new CommittableSummary<>(0, 2, 1, 1, 0), 0);
            h.processElement(committed(1, 0, 2, 5_000), 0);
            assertThat(published).isEmpty();
            h.processElement(new CommittableSummary<>(1, 2, 1, 1, 0), 0);
            h.processElement(committed(1, 1, 2, 4_000), 0);
            assertThat(published).containsExactly(new long[] {4_000, 1});
            h.processElement(committed(2, 1, 2, 6_000), 0);
            h.processElement(committed(2, 0, 2, 3_000), 0); // a restarted writer: lower
            h.processElement(committed(3, 0, 2, 7_000), 0);
            h.processElement(committed(3, 1, 2, 8_000), 0);
            assertThat(published).containsExactly(new long[] {4_000, 1}, new long[] {7_000, 3});
        }
    }
}

package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.ItemKeys;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.OneInputStreamTask;
import org.apache.flink.streaming.runtime.tasks.StreamTaskMailboxTestHarness;
import org.apache.flink.streaming.runtime.tasks.StreamTaskMailboxTestHarnessBuilder;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.junit.jupiter.api.Test;

/**
 * Windows and idle inputs, in a real task with two input channels (as the aggregation has one per
 * source subtask): an active channel that is behind holds the windows back; an idle one (a source
 * reader without shards, the bootstrap scan) does not. (Flink's rule for a channel that becomes
 * active again: it holds event time back only once its watermark has caught up with the others', so
 * a reader given a shard after being idle must not emit records behind the watermark; a new shard's
 * records are newer than its parents', which were read first.)
 */
class WindowIdlenessTest {
    private static final long WINDOW = 10_000;
    private static final long T0 = 1_704_067_200_000L;

    private static ChangeEvent insert(String task, long time, String seq) {
        ChangeEvent e = new ChangeEvent();
        e.type = ChangeType.INSERT;
        e.partitionKey = "a";
        e.itemKey = ItemKeys.itemKey("a", task);
        e.sequenceNumber = seq;
        e.eventId = "e" + seq;
        e.approximateCreationTimeMillis = time;
        return e;
    }

    private static List<Long> finalWindows(StreamTaskMailboxTestHarness<ListAggregate> h) {
        return h.getOutput().stream()
                .filter(o -> o instanceof StreamRecord)
                .map(o -> (ListAggregate) ((StreamRecord<?>) o).getValue())
                .filter(ListAggregate::hasWindow)
                .map(a -> a.windowStart)
                .distinct()
                .collect(Collectors.toList());
    }

    @Test
    void anIdleInputHoldsNoWindowBackAndAnActiveOneThatIsBehindDoes() throws Exception {
        KeyedProcessOperator<String, ChangeEvent, ListAggregate> op =
                new KeyedProcessOperator<>(
                        TestAggregators.with(
                                        WINDOW,
                                        Duration.ofMinutes(1).toMillis(),
                                        Duration.ofMinutes(2).toMillis(),
                                        false)
                                .build());
        try (StreamTaskMailboxTestHarness<ListAggregate> h =
                new StreamTaskMailboxTestHarnessBuilder<>(
                                OneInputStreamTask::new, Types.POJO(ListAggregate.class))
                        .setKeyType(Types.STRING)
                        .addInput(
                                Types.POJO(ChangeEvent.class),
                                2,
                                (KeySelector<ChangeEvent, String>) e -> e.partitionKey)
                        .setupOutputForSingletonOperatorChain(op)
                        .build()) {
            h.processElement(new StreamRecord<>(insert("1", T0, "10")), 0, 0);
            h.processElement(new Watermark(T0 + 3 * WINDOW), 0, 0);
            h.processAll();
            assertThat(finalWindows(h))
                    .as("channel 1 has said nothing: event time stays at its minimum")
                    .isEmpty();

            h.processElement(new Watermark(T0 + WINDOW - 2), 0, 1);
            h.processAll();
            assertThat(finalWindows(h))
                    .as("channel 1 active and 1 ms short of the window's end")
                    .isEmpty();

            h.processElement(WatermarkStatus.IDLE, 0, 1); // e.g. its reader has no shard left
            h.processAll();
            assertThat(finalWindows(h))
                    .as("channel 1 idle: channel 0 alone moves event time")
                    .containsExactly(T0);

            h.processElement(new StreamRecord<>(insert("2", T0 + 3 * WINDOW + 5, "11")), 0, 0);
            h.processElement(new Watermark(T0 + 5 * WINDOW), 0, 0);
            h.processAll();
            assertThat(finalWindows(h)).containsExactly(T0, T0 + 3 * WINDOW);
        }
    }
}

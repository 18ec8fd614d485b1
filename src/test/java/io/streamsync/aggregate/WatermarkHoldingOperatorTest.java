package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.ItemKeys;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The aggregation's output watermark, in Flink's operator harness: a watermark leaves only after
 * every live aggregate holding a change created before it.
 */
class WatermarkHoldingOperatorTest {
    private static final long WINDOW = 2_000;

    private static ListAggregator aggregator() {
        return TestAggregators.with(WINDOW, 3_600_000, 3_600_000, false).build();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ChangeEvent, ListAggregate>
            harness(
                    OneInputStreamOperator<ChangeEvent, ListAggregate> operator,
                    OperatorSubtaskState restored)
                    throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, ChangeEvent, ListAggregate> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        operator, e -> e.partitionKey, Types.STRING);
        h.setup();
        if (restored != null) {
            h.initializeState(restored);
        }
        h.open();
        return h;
    }

    private static ChangeEvent insert(String list, String task, long createdAt, long seq) {
        ChangeEvent e = new ChangeEvent();
        e.type = ChangeType.INSERT;
        e.partitionKey = list;
        e.itemKey = ItemKeys.itemKey(list, task);
        e.sequenceNumber = Long.toString(seq);
        e.approximateCreationTimeMillis = createdAt;
        e.newImageJson = "{}";
        return e;
    }

    /** The output in order: "a=1" for a list's row with its count, "W5000" for a watermark. */
    private static List<String> output(
            KeyedOneInputStreamOperatorTestHarness<String, ChangeEvent, ListAggregate> h) {
        List<String> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof Watermark) {
                out.add("W" + ((Watermark) o).getTimestamp());
            } else if (o instanceof StreamRecord) {
                ListAggregate a = (ListAggregate) ((StreamRecord<?>) o).getValue();
                out.add(a.listId + "=" + a.taskCount);
            }
        }
        return out;
    }

    // one window [10 000, 12 000): no watermark below 11 999 makes it final, so every row below is
    // the live emission, WINDOW of processing time after the list's first change

    @Test
    void aWatermarkLeavesOnlyAfterTheRowsOfTheChangesBeforeIt() throws Exception {
        var h = harness(new WatermarkHoldingOperator(aggregator()), null);
        h.setProcessingTime(1_000);
        h.processWatermark(new Watermark(10_000));
        h.processElement(new StreamRecord<>(insert("a", "t1", 10_500, 1), 10_500));
        h.processElement(new StreamRecord<>(insert("b", "t1", 11_000, 2), 11_000));
        h.processWatermark(new Watermark(11_900));
        assertThat(output(h)).as("held just below a's change").containsExactly("W10000", "W10499");
        h.setProcessingTime(1_000 + WINDOW); // both rows are emitted, a first
        assertThat(output(h)).containsExactly("W10000", "W10499", "a=1", "W10999", "b=1", "W11900");
        h.close();
    }

    @Test
    void withoutTheHoldTheWatermarkRunsAheadOfTheRows() throws Exception {
        // what the sinks would take as "caught up" with Flink's own operator: the watermark leaves
        // at once while the row waits for its emission
        var h = harness(new KeyedProcessOperator<>(aggregator()), null);
        h.setProcessingTime(1_000);
        h.processElement(new StreamRecord<>(insert("a", "t1", 10_500, 1), 10_500));
        h.processWatermark(new Watermark(11_900));
        h.setProcessingTime(1_000 + WINDOW);
        assertThat(output(h)).containsExactly("W11900", "a=1");
        h.close();
    }

    @Test
    void aListRestoredWithItsEmissionArmedHoldsTheWatermarkUntilItIsEmitted() throws Exception {
        var h = harness(new WatermarkHoldingOperator(aggregator()), null);
        h.setProcessingTime(1_000);
        h.processElement(new StreamRecord<>(insert("a", "t1", 10_500, 1), 10_500));
        OperatorSubtaskState snapshot = h.snapshot(1, 1_500);
        h.close();

        var restored = harness(new WatermarkHoldingOperator(aggregator()), snapshot);
        restored.setProcessingTime(1_500);
        restored.processWatermark(new Watermark(10_100));
        assertThat(output(restored))
                .as("the pending change's creation time is not in the checkpoint")
                .isEmpty();
        restored.setProcessingTime(1_000 + WINDOW);
        assertThat(output(restored)).containsExactly("a=1", "W10100");
        restored.close();
    }

    @Test
    void aListEmittedHoldsNothing() throws Exception {
        var h = harness(new WatermarkHoldingOperator(aggregator()), null);
        h.setProcessingTime(1_000);
        h.processElement(new StreamRecord<>(insert("a", "t1", 10_500, 1), 10_500));
        h.setProcessingTime(1_000 + WINDOW);
        h.processWatermark(new Watermark(11_000));
        h.processWatermark(new Watermark(11_500));
        assertThat(output(h)).containsExactly("a=1", "W11000", "W11500");
        h.close();
    }
}

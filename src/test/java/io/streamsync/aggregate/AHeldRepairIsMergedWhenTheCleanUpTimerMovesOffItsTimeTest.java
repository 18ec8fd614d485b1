package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.ItemKeys;
import io.streamsync.change.RepairPayload;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review item 7: a held repair waits for an event-time timer at its read time r. Flink keeps one
 * timer per key and timestamp, and the clean-up of an empty list moves its timer by deleting the
 * previous one by timestamp: when that timestamp was r, the repair's timer went with it, and a
 * quiet list's repair waited for its next timer (up to {@code aggregate.empty.list.retention}).
 * Here the watermark passes r with no other timer of the list due: the repair must be merged.
 */
class AHeldRepairIsMergedWhenTheCleanUpTimerMovesOffItsTimeTest {
    private static final long WINDOW = 10_000;
    private static final long TOMBSTONES = 600_000;
    private static final long EMPTY_LIST = 1_200_000;

    /** 2024-01-01T00:00:00Z, a multiple of the tombstone retention (prune timers fall on it). */
    private static final long T0 = 1_704_067_200_000L;

    /** The repair's read time. */
    private static final long R = T0 + 5_000;

    /** The list's last change before the repair: its clean-up timer is at exactly R. */
    private static final long L = R - EMPTY_LIST;

    private KeyedOneInputStreamOperatorTestHarness<String, ChangeEvent, ListAggregate> harness;
    private long seq = 100;

    @BeforeEach
    void open() throws Exception {
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                TestAggregators.with(WINDOW, TOMBSTONES, EMPTY_LIST, true).build()),
                        e -> e.partitionKey,
                        Types.STRING);
        harness.setup();
        harness.open();
        harness.setProcessingTime(1_000);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void send(ChangeType type, String task, long createdAt) throws Exception {
        ChangeEvent e = new ChangeEvent();
        e.type = type;
        e.partitionKey = "a";
        e.itemKey = ItemKeys.itemKey("a", task);
        e.sequenceNumber = Long.toString(seq++);
        e.approximateCreationTimeMillis = createdAt;
        e.newImageJson =
                type == ChangeType.REMOVE
                        ? null
                        : "{\"listId\":\"a\",\"taskId\":\"" + task + "\",\"text\":\"job\"}";
        harness.processElement(new StreamRecord<>(e));
    }

    private void emitNow() throws Exception {
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
    }

    private List<String> itemUpdates() {
        List<String> out = new ArrayList<>();
        if (harness.getSideOutput(ListAggregator.ITEM_UPDATES) != null) {
            for (StreamRecord<ItemUpdate> r : harness.getSideOutput(ListAggregator.ITEM_UPDATES)) {
                out.add(
                        r.getValue().itemKey.substring(2)
                                + (r.getValue().delete ? " deleted" : " indexed"));
            }
        }
        return out;
    }

    @Test
    void theRepairIsMergedWhenTheWatermarkPassesItsReadTime() throws Exception {
        // an empty list: its clean-up timer at its last change (L) + the retention = R
        send(ChangeType.INSERT, "x", L - 1);
        send(ChangeType.REMOVE, "x", L);
        harness.processWatermark(L);
        emitNow();

        // the repair, read at R (the table has item t), held: a timer at R, the clean-up's too
        RepairPayload p = new RepairPayload();
        p.items.put(
                ItemKeys.itemKey("a", "t"),
                "{\"listId\":\"a\",\"taskId\":\"t\",\"text\":\"table\"}");
        harness.processElement(new StreamRecord<>(p.toRecord("r-1", "a", R)));

        // the list changes before R and is empty again: its clean-up timer moves to R + 1000
        send(ChangeType.INSERT, "y", L + 1_000);
        send(ChangeType.REMOVE, "y", L + 1_000);
        emitNow();
        harness.processWatermark(T0 + 1); // the timers before R (prune, windows) fire
        assertThat(itemUpdates()).as("held: the watermark is before R").doesNotContain("t indexed");

        harness.processWatermark(R + 500); // no other timer of the list is due up to here
        assertThat(itemUpdates())
                .as("merged once the watermark passed the read time R")
                .contains("t indexed");
        emitNow();
        List<ListAggregate> out = harness.extractOutputValues();
        assertThat(out.get(out.size() - 1).taskCount).isEqualTo(1);
    }
}

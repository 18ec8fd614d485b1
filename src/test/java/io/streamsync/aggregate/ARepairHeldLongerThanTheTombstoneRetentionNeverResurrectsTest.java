package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.ItemKeys;
import io.streamsync.change.RepairPayload;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Review (repair): a repair held longer than the tombstone retention (the watermark behind the
 * list's own changes: a lagging shard, a catch-up) meets the tombstone of a delete made after the
 * read already forgotten; the item is then "unknown", the read decides, and it comes back for good.
 */
class ARepairHeldLongerThanTheTombstoneRetentionNeverResurrectsTest {
    private static final long T0 = 1_704_067_200_000L;
    private static final long TOMBSTONES = 600_000;

    @Test
    void anItemDeletedAfterTheReadStaysDeletedWhenTheRepairIsHeldLong() throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, ChangeEvent, ListAggregate> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                TestAggregators.with(10_000, TOMBSTONES, 1_200_000, true).build()),
                        e -> e.partitionKey,
                        Types.STRING);
        h.setup();
        h.open();
        h.setProcessingTime(1_000);
        String x = ItemKeys.itemKey("a", "x");
        String y = ItemKeys.itemKey("a", "y");
        String imageX = "{\"listId\":\"a\",\"taskId\":\"x\"}";
        h.processElement(new StreamRecord<>(change(ChangeType.INSERT, x, "100", T0, imageX)));
        h.processWatermark(T0);
        long r = T0 + 5_000;
        RepairPayload read = new RepairPayload(); // the read saw x
        read.items.put(x, imageX);
        h.processElement(new StreamRecord<>(read.toRecord("r-1", "a", r))); // held: watermark < r
        // after the read: x deleted; later the list's own changes run ahead of the watermark
        h.processElement(new StreamRecord<>(change(ChangeType.REMOVE, x, "101", r + 1_000, null)));
        h.processElement(
                new StreamRecord<>(
                        change(
                                ChangeType.INSERT,
                                y,
                                "102",
                                r + 2 * TOMBSTONES,
                                "{\"taskId\":\"y\"}")));
        h.processWatermark(r + 1); // the watermark passes r: the merge
        h.setProcessingTime(100_000);
        String last = null;
        for (StreamRecord<ItemUpdate> u : h.getSideOutput(ListAggregator.ITEM_UPDATES)) {
            if (u.getValue().itemKey.equals(x)) {
                last = u.getValue().delete ? "deleted" : "indexed";
            }
        }
        assertThat(last).as("x, deleted after the read").isEqualTo("deleted");
        ListAggregate a = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
        assertThat(a.taskCount).as("count: y only").isEqualTo(1);
        h.close();
    }

    private static ChangeEvent change(
            ChangeType type, String key, String seq, long createdAt, String image) {
        ChangeEvent e = new ChangeEvent();
        e.type = type;
        e.partitionKey = "a";
        e.itemKey = key;
        e.sequenceNumber = seq;
        e.approximateCreationTimeMillis = createdAt;
        e.newImageJson = image;
        return e;
    }
}

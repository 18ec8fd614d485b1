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
 * A repaired item keeps the sequence number of its last applied change, so a record of it at or
 * below that number met again after the merge (a redelivery) does not apply on top of the repair
 * and show an older image (the review's surviving mutation: the sequence number always "0").
 */
class AnItemKeepsItsSequenceNumberThroughARepairTest {
    private static final long T0 = 1_704_067_200_000L;

    @Test
    void aRecordOfTheItemAlreadyAppliedBeforeTheRepairDoesNotApplyAgainAfterIt() throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, ChangeEvent, ListAggregate> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                TestAggregators.with(10_000, 600_000, 1_200_000, true).build()),
                        e -> e.partitionKey,
                        Types.STRING);
        h.setup();
        h.open();
        h.setProcessingTime(1_000);
        String x = ItemKeys.itemKey("a", "x");
        h.processElement(new StreamRecord<>(change(x, "100", T0, "old")));
        h.processElement(new StreamRecord<>(change(x, "101", T0 + 1_000, "drifted")));
        h.processWatermark(T0 + 1_000);
        long r = T0 + 5_000;
        RepairPayload read = new RepairPayload();
        read.items.put(x, image("table"));
        h.processElement(new StreamRecord<>(read.toRecord("r-1", "a", r)));
        h.processWatermark(r + 1); // the merge
        h.processElement(new StreamRecord<>(change(x, "100", T0, "old"))); // met again
        h.processWatermark(r + 20_000);
        h.setProcessingTime(100_000);
        String last = null;
        for (StreamRecord<ItemUpdate> u : h.getSideOutput(ListAggregator.ITEM_UPDATES)) {
            if (u.getValue().itemKey.equals(x)) {
                last = u.getValue().documentJson;
            }
        }
        assertThat(last).as("x's last document").contains("\"text\":\"table\"");
        h.close();
    }

    private static String image(String text) {
        return "{\"listId\":\"a\",\"taskId\":\"x\",\"text\":\"" + text + "\"}";
    }

    private static ChangeEvent change(String key, String seq, long createdAt, String text) {
        ChangeEvent e = new ChangeEvent();
        e.type = ChangeType.MODIFY;
        e.partitionKey = "a";
        e.itemKey = key;
        e.sequenceNumber = seq;
        e.approximateCreationTimeMillis = createdAt;
        e.newImageJson = image(text);
        return e;
    }
}

package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.ItemKeys;
import io.streamsync.change.RepairPayload;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Repair through the running job (issue 30): a {@link ChangeType#REPAIR} record is held until the
 * watermark passes its read time, then brings the list back to the table's state at that time, with
 * changes created before and after the read arriving before and after the merge. Driven through
 * Flink's keyed operator test harness.
 */
class ListAggregatorRepairTest {
    private static final long WINDOW = 10_000;
    private static final long TOMBSTONES = 600_000;
    private static final long EMPTY_LIST = 1_200_000;

    /** 2024-01-01T00:00:00Z. */
    private static final long T0 = 1_704_067_200_000L;

    /** The repair's read time: every change created up to it is in the read. */
    private static final long R = T0 + 5_000;

    private KeyedOneInputStreamOperatorTestHarness<String, ChangeEvent, ListAggregate> harness;
    private long seq = 100;

    @BeforeEach
    void open() throws Exception {
        harness = newHarness();
        harness.open();
        harness.setProcessingTime(1_000);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ChangeEvent, ListAggregate>
            newHarness() throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, ChangeEvent, ListAggregate> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                TestAggregators.with(WINDOW, TOMBSTONES, EMPTY_LIST, true).build()),
                        e -> e.partitionKey,
                        Types.STRING);
        h.setup();
        return h;
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private static String key(String task) {
        return ItemKeys.itemKey("a", task);
    }

    private static String image(String task, String text) {
        return "{\"listId\":\"a\",\"taskId\":\"" + task + "\",\"text\":\"" + text + "\"}";
    }

    private void send(ChangeType type, String task, long createdAt) throws Exception {
        ChangeEvent e = new ChangeEvent();
        e.type = type;
        e.partitionKey = "a";
        e.itemKey = key(task);
        e.sequenceNumber = Long.toString(seq++);
        e.approximateCreationTimeMillis = createdAt;
        e.newImageJson = type == ChangeType.REMOVE ? null : image(task, "v" + createdAt);
        harness.processElement(new StreamRecord<>(e));
    }

    /** The table at {@link #R}: task to text; the index: task to document version. */
    private void repair(String id, Map<String, String> table, Map<String, Long> index)
            throws Exception {
        RepairPayload p = new RepairPayload();
        table.forEach((task, text) -> p.items.put(key(task), image(task, text)));
        index.forEach((task, version) -> p.documents.put(key(task), version));
        harness.processElement(new StreamRecord<>(p.toRecord(id, "a", R)));
    }

    private List<ItemUpdate> itemUpdates() {
        return harness.getSideOutput(ListAggregator.ITEM_UPDATES) == null
                ? List.of()
                : harness.getSideOutput(ListAggregator.ITEM_UPDATES).stream()
                        .map(StreamRecord::getValue)
                        .collect(Collectors.toList());
    }

    /** The last item update of each item, as "indexed TEXT" or "deleted". */
    private Map<String, String> lastUpdates() {
        Map<String, String> last = new LinkedHashMap<>();
        for (ItemUpdate u : itemUpdates()) {
            last.put(
                    u.itemKey.substring(2),
                    u.delete
                            ? "deleted"
                            : "indexed "
                                    + u.documentJson.replaceAll(".*\"text\":\"([^\"]*)\".*", "$1"));
        }
        return last;
    }

    private Map<String, Long> lastVersions() {
        Map<String, Long> last = new LinkedHashMap<>();
        for (ItemUpdate u : itemUpdates()) {
            last.put(u.itemKey.substring(2), u.version);
        }
        return last;
    }

    /** Every processing-time emission due fires. */
    private ListAggregate emitNow() throws Exception {
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        List<ListAggregate> out = harness.extractOutputValues();
        assertThat(out).as("live aggregates").isNotEmpty();
        return out.get(out.size() - 1);
    }

    @Test
    void bringsADriftedListBackToTheTablesStateAtTheReadTime() throws Exception {
        send(ChangeType.INSERT, "1", T0);
        send(ChangeType.INSERT, "2", T0 + 1);
        send(ChangeType.INSERT, "3", T0 + 2);
        harness.processWatermark(T0 + 10);
        ListAggregate before = emitNow();
        assertThat(before.taskCount).isEqualTo(3);
        Map<String, Long> published = lastVersions();
        int updatesBefore = itemUpdates().size();

        // drift: the table has 1 altered, 2 deleted, 4 inserted, all changes the job never saw;
        // the index has 3's document edited by hand (version + 1) and a phantom
        repair(
                "r-1",
                Map.of("1", "altered", "3", "v" + (T0 + 2), "4", "new"),
                Map.of(
                        "1",
                        published.get("1"),
                        "2",
                        published.get("2"),
                        "3",
                        published.get("3") + 1,
                        "ghost",
                        R * 1000L + 5));
        assertThat(itemUpdates())
                .as("held until the watermark passes the read")
                .hasSize(updatesBefore);
        harness.processWatermark(R - 1);
        assertThat(itemUpdates()).hasSize(updatesBefore);
        harness.processWatermark(R);

        assertThat(lastUpdates())
                .containsEntry("1", "indexed altered")
                .containsEntry("2", "deleted")
                .containsEntry("3", "indexed v" + (T0 + 2))
                .containsEntry("4", "indexed new")
                .containsEntry("ghost", "deleted");
        Map<String, Long> repaired = lastVersions();
        for (String task : List.of("1", "2", "3")) {
            assertThat(repaired.get(task))
                    .as("item %s's version above its published one", task)
                    .isGreaterThan(published.get(task));
        }
        assertThat(repaired.get("3"))
                .as("above the hand-edited document's version")
                .isGreaterThan(published.get("3") + 1);
        assertThat(repaired.get("ghost"))
                .as("above a document version the index showed above the read")
                .isGreaterThan(R * 1000L + 5);
        ListAggregate after = emitNow();
        assertThat(after.taskCount).isEqualTo(3); // 1, 3, 4
        assertThat(after.version).isGreaterThan(before.version);
    }

    @Test
    void neverResurrectsAnItemDeletedAfterTheReadNorDropsOneInsertedAfter() throws Exception {
        send(ChangeType.INSERT, "x", T0); // deleted after the read, the delete before the merge
        send(ChangeType.INSERT, "z", T0); // deleted after the read, the delete after the merge
        send(ChangeType.INSERT, "v", T0);
        send(ChangeType.MODIFY, "v", R - 1); // before the read: the table shows it
        harness.processWatermark(T0 + 10);
        emitNow();

        send(ChangeType.REMOVE, "x", R + 100);
        send(ChangeType.INSERT, "y", R + 200); // inserted after the read, before the merge
        // the read at R: x, z and v present (v modified), y and w absent
        repair("r-1", Map.of("x", "v" + T0, "z", "v" + T0, "v", "v" + (R - 1)), Map.of());
        harness.processWatermark(R + 300);
        send(ChangeType.REMOVE, "z", R + 400); // after the merge
        send(ChangeType.INSERT, "w", R + 500); // inserted after the read, after the merge
        ListAggregate after = emitNow();

        Map<String, String> last = lastUpdates();
        assertThat(last.get("x")).as("x deleted after the read stays deleted").isEqualTo("deleted");
        assertThat(last.get("y")).as("y inserted after the read stays").startsWith("indexed");
        assertThat(last.get("z")).as("z deleted after the read is deleted").isEqualTo("deleted");
        assertThat(last.get("w")).as("w inserted after the read is indexed").startsWith("indexed");
        assertThat(last.get("v")).isEqualTo("indexed v" + (R - 1));
        assertThat(after.taskCount).as("v, y, w").isEqualTo(3);
    }

    /**
     * Why the repair is held until the watermark passes the read: changes created before the read
     * that arrive after the repair record apply first, so the repaired image is never followed by
     * an older one (merged at once, q's document would show B, then the older A, then B).
     */
    @Test
    void changesBeforeTheReadThatArriveAfterTheRepairRecordApplyBeforeTheMerge() throws Exception {
        send(ChangeType.INSERT, "q", T0);
        harness.processWatermark(T0 + 10);
        emitNow();
        repair("r-1", Map.of("q", "v" + (R - 10)), Map.of());
        send(ChangeType.MODIFY, "q", R - 20);
        send(ChangeType.MODIFY, "q", R - 10);
        harness.processWatermark(R);
        List<String> images =
                itemUpdates().stream()
                        .filter(u -> u.itemKey.equals(key("q")))
                        .map(u -> u.documentJson.replaceAll(".*\"text\":\"([^\"]*)\".*", "$1"))
                        .collect(Collectors.toList());
        assertThat(images)
                .as("q's document, in order: never back to an older image")
                .containsExactly("v" + T0, "v" + (R - 20), "v" + (R - 10), "v" + (R - 10));
        assertThat(emitNow().taskCount).isEqualTo(1);
    }

    @Test
    void anInsertAfterTheReadThatTheReadAlreadySawIsCountedOnce() throws Exception {
        send(ChangeType.INSERT, "1", T0);
        harness.processWatermark(T0 + 10);
        emitNow();
        // the query was served a little after R: it saw item 2, whose insert was created after R
        repair("r-1", Map.of("1", "v" + T0, "2", "v" + (R + 50)), Map.of());
        harness.processWatermark(R);
        send(ChangeType.INSERT, "2", R + 50);
        assertThat(emitNow().taskCount).isEqualTo(2);
    }

    @Test
    void aRequestMetAgainIsNotMergedTwiceAndAnOlderReadGivesWayToALaterOne() throws Exception {
        send(ChangeType.INSERT, "1", T0);
        harness.processWatermark(R);
        emitNow();
        repair("r-1", Map.of("1", "fixed"), Map.of());
        int merged = itemUpdates().size();
        assertThat(lastUpdates()).containsEntry("1", "indexed fixed");
        repair("r-1", Map.of("1", "fixed"), Map.of());
        assertThat(itemUpdates()).as("r-1 again: nothing").hasSize(merged);
    }

    @Test
    void aHeldRepairSurvivesARestore() throws Exception {
        send(ChangeType.INSERT, "1", T0);
        send(ChangeType.INSERT, "2", T0);
        harness.processWatermark(T0 + 10);
        emitNow();
        repair("r-1", Map.of("1", "v" + T0), Map.of());
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        harness.setProcessingTime(1_000);
        harness.processWatermark(R);
        assertThat(lastUpdates()).containsEntry("2", "deleted");
        assertThat(emitNow().taskCount).isEqualTo(1);
    }

    @Test
    void repairsAListTheJobNeverSaw() throws Exception {
        harness.processWatermark(T0);
        repair("r-1", Map.of("1", "only in the table"), Map.of());
        harness.processWatermark(R);
        assertThat(lastUpdates()).containsEntry("1", "indexed only in the table");
        ListAggregate a = emitNow();
        assertThat(a.taskCount).isEqualTo(1);
        assertThat(a.version).isGreaterThan(R * 1000L * Versions.SCALE);
    }

    /**
     * Review item 7: a held repair waits for an event-time timer at r. Flink keeps one timer per
     * list and timestamp, and an empty list's clean-up moves its timer by deleting the old one by
     * timestamp: when that was r, the repair's timer went with it, and the repair waited for the
     * list's next timer (up to the empty-list retention). Here the watermark passes r with no other
     * timer of the list due.
     */
    @Test
    void aHeldRepairIsMergedWhenTheCleanUpTimerAtItsReadTimeMovesAway() throws Exception {
        long last = R - EMPTY_LIST; // the list's last change: its clean-up timer at exactly R
        send(ChangeType.INSERT, "x", last - 1);
        send(ChangeType.REMOVE, "x", last);
        harness.processWatermark(last);
        emitNow();
        repair("r-1", Map.of("t", "table"), Map.of()); // held: a timer at R, the clean-up's too
        send(ChangeType.INSERT, "y", last + 1_000); // empty again: the clean-up moves to R + 1000
        send(ChangeType.REMOVE, "y", last + 1_000);
        emitNow();
        harness.processWatermark(T0 + 1); // the timers before R (prune, windows) fire
        assertThat(lastUpdates()).as("held: the watermark is before R").doesNotContainKey("t");

        harness.processWatermark(R + 500); // no other timer of the list is due up to here
        assertThat(lastUpdates())
                .as("merged once the watermark passed the read time R")
                .containsEntry("t", "indexed table");
        assertThat(emitNow().taskCount).isEqualTo(1);
    }

    @Test
    void theHeldRepairStateIsAFlinkPojoNeverKryo() {
        org.apache.flink.api.common.typeinfo.TypeInformation<HeldRepair> info =
                AggregateState.HELD_REPAIR_TYPE;
        assertThat(info).isInstanceOf(org.apache.flink.api.java.typeutils.PojoTypeInfo.class);
        org.apache.flink.api.common.serialization.SerializerConfigImpl config =
                new org.apache.flink.api.common.serialization.SerializerConfigImpl();
        config.setGenericTypes(false);
        assertThat(info.createSerializer(config))
                .isInstanceOf(org.apache.flink.api.java.typeutils.runtime.PojoSerializer.class);
    }
}

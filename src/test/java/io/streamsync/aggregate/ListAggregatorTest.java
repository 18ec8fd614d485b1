package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.ItemKeys;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-list aggregation, driven through Flink's keyed operator test harness. */
class ListAggregatorTest {
    private static final long WINDOW = 10_000;
    private static final long TOMBSTONES = 60_000;
    private static final long EMPTY_LIST = 120_000;

    /** Event time of the records: 2024-01-01T00:00:00Z, the start of a window. */
    private static final long T0 = 1_704_067_200_000L;

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
        harness.setStateTtlProcessingTime(1_000);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /**
     * A failure: a new operator restored from the snapshot (its watermark starts anew, its clock at
     * 1 s).
     */
    private void restore(org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot)
            throws Exception {
        close();
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                TestAggregators.with(WINDOW, TOMBSTONES, EMPTY_LIST, true).build()),
                        e -> e.partitionKey,
                        Types.STRING);
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        harness.setProcessingTime(1_000);
    }

    private ChangeEvent change(ChangeType type, String list, String task, long eventTime) {
        return change(type, list, task, eventTime, Long.toString(seq++));
    }

    private static ChangeEvent change(
            ChangeType type, String list, String task, long eventTime, String sequenceNumber) {
        ChangeEvent e = new ChangeEvent();
        e.type = type;
        e.partitionKey = list;
        e.itemKey = ItemKeys.itemKey(list, task);
        e.sequenceNumber = sequenceNumber;
        e.approximateCreationTimeMillis = eventTime;
        e.newImageJson =
                type == ChangeType.REMOVE
                        ? null
                        : "{\"listId\":\"" + list + "\",\"taskId\":\"" + task + "\"}";
        return e;
    }

    private long maxEventTime = Long.MIN_VALUE;

    private void send(ChangeEvent... events) throws Exception {
        for (ChangeEvent e : events) {
            maxEventTime = Math.max(maxEventTime, e.approximateCreationTimeMillis);
            harness.processElement(new StreamRecord<>(e));
        }
    }

    private List<WindowAggregate> windows() {
        return harness.getSideOutput(ListAggregator.WINDOWS) == null
                ? List.of()
                : harness.getSideOutput(ListAggregator.WINDOWS).stream()
                        .map(StreamRecord::getValue)
                        .collect(Collectors.toList());
    }

    private List<io.streamsync.deadletter.DeadLetter> lateChanges() {
        return harness.getSideOutput(ListAggregator.LATE_CHANGES) == null
                ? List.of()
                : harness.getSideOutput(ListAggregator.LATE_CHANGES).stream()
                        .map(StreamRecord::getValue)
                        .collect(Collectors.toList());
    }

    private List<ListAggregate> emitted() {
        return harness.extractOutputValues();
    }

    private ListAggregate last(String list) {
        List<ListAggregate> mine =
                emitted().stream().filter(a -> a.listId.equals(list)).collect(Collectors.toList());
        assertThat(mine).as("aggregates of %s", list).isNotEmpty();
        return mine.get(mine.size() - 1);
    }

    /**
     * The watermark passes the windows of every change sent so far (they become final), and every
     * processing-time timer due within one window fires (the quiet-stream emission).
     */
    private void quiet() throws Exception {
        if (maxEventTime != Long.MIN_VALUE) {
            long end = maxEventTime - Math.floorMod(maxEventTime, WINDOW) + WINDOW;
            harness.processWatermark(end - 1);
        }
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
    }

    @Test
    void countsLiveItemsPerList() throws Exception {
        send(
                change(ChangeType.INSERT, "a", "1", T0),
                change(ChangeType.INSERT, "a", "2", T0 + 1),
                change(ChangeType.INSERT, "b", "1", T0 + 2),
                change(ChangeType.MODIFY, "a", "1", T0 + 3),
                change(ChangeType.REMOVE, "a", "2", T0 + 4));
        quiet();
        ListAggregate a = last("a");
        assertThat(a.taskCount).isEqualTo(1);
        assertThat(a.inserted).isEqualTo(2);
        assertThat(a.modified).isEqualTo(1);
        assertThat(a.removed).isEqualTo(1);
        assertThat(a.windowStart).isEqualTo(T0);
        assertThat(a.windowEnd).isEqualTo(T0 + WINDOW);
        assertThat(last("b").taskCount).isEqualTo(1);
    }

    @Test
    void countsEachTaskOnceWhenARecordIsReplayed() throws Exception {
        ChangeEvent insert = change(ChangeType.INSERT, "a", "1", T0);
        ChangeEvent remove = change(ChangeType.REMOVE, "a", "2", T0);
        send(change(ChangeType.INSERT, "a", "2", T0, "50"), insert, remove, insert, remove, insert);
        quiet();
        assertThat(last("a").taskCount).isEqualTo(1);
        assertThat(last("a").inserted)
                .as("the replayed insert is not activity either")
                .isEqualTo(2);
    }

    /**
     * The sequence guard, proved by mutation (issue 32). Each mutation was applied by hand to
     * {@code LiveCount.isNew}, the tests run, the mutation reverted (output in the aggregate note):
     *
     * <ul>
     *   <li>the guard deleted (every stream record applies): fails this test (a = 0: the late
     *       delete applied; b = 1), {@link #comparesSequenceNumbersAsNumbersNotText} and the live
     *       count of {@link #windowsEqualTheChangesPerWindowForAnyOrderDuplicatesAndRestores};
     *   <li>sequence numbers compared as text ({@code String.compareTo}): fails {@link
     *       #comparesSequenceNumbersAsNumbersNotText} and {@link
     *       #countsEachTaskOnceWhenARecordIsReplayed}; this test's numbers have equal lengths, so
     *       it passes;
     *   <li>{@code >=} instead of {@code >} (a repeated record applies again): the count does not
     *       move, so this test passes; it fails {@link
     *       #indexesOnlyAppliedChangesAndDeletesRemovedItems}, {@link
     *       #versionGrowsWithEveryNewStateOnly}, {@link
     *       #aDuplicateOfAChangeOfAFinalWindowIsNoDeadLetter}, {@link
     *       #theCorpusTtlDeletionRemovesTheItemByDefault} and two {@code LiveCountTest}s.
     * </ul>
     *
     * The two lists are apart so that the errors of a guard-less count cannot cancel out (with one
     * list they did: the test passed with the guard deleted).
     */
    @Test
    void ignoresAnOlderChangeArrivingAfterANewerOne() throws Exception {
        send(
                change(ChangeType.INSERT, "a", "1", T0, "300"),
                change(ChangeType.REMOVE, "a", "1", T0, "200"), // older delete delivered late
                change(ChangeType.INSERT, "b", "2", T0, "500"),
                change(ChangeType.REMOVE, "b", "2", T0, "600"),
                change(ChangeType.INSERT, "b", "2", T0, "550")); // older insert of a removed item
        quiet();
        assertThat(last("a").taskCount).as("the late, older delete is ignored").isEqualTo(1);
        assertThat(last("b").taskCount).as("the late, older insert is ignored").isZero();
        assertThat(itemUpdates())
                .extracting(u -> u.itemKey + (u.delete ? " deleted" : " indexed"))
                .containsExactly("a|1 indexed", "b|2 indexed", "b|2 deleted");
    }

    /**
     * Sequence numbers are longer than a long and compared as numbers (issue 32 mutations: the
     * guard deleted fails list b; a text comparison fails both lists).
     */
    @Test
    void comparesSequenceNumbersAsNumbersNotText() throws Exception {
        send(
                change(ChangeType.INSERT, "a", "1", T0, "99999999999999999999"),
                change(
                        ChangeType.REMOVE,
                        "a",
                        "1",
                        T0,
                        "100000000000000000000")); // longer, hence newer
        send(
                change(ChangeType.REMOVE, "b", "1", T0, "100000000000000000000"),
                change(
                        ChangeType.INSERT,
                        "b",
                        "1",
                        T0,
                        "99999999999999999999")); // shorter, hence older: late
        quiet();
        assertThat(last("a").taskCount).as("the newer delete applies").isZero();
        assertThat(last("b").taskCount).as("the older insert is ignored").isZero();
    }

    @Test
    void aRemoveOfAnUnknownItemOrAnInsertOfAKnownOneDoesNotDrift() throws Exception {
        send(
                change(ChangeType.REMOVE, "a", "ghost", T0),
                change(ChangeType.INSERT, "a", "1", T0),
                change(ChangeType.INSERT, "a", "1", T0),
                change(ChangeType.MODIFY, "a", "2", T0));
        quiet();
        assertThat(last("a").taskCount)
                .as("ghost ignored, 1 counted once, modify of unseen 2 counts it")
                .isEqualTo(2);
    }

    @Test
    void emitsAQuietListsLiveAggregateWithinOneWindowSizeOfItsFirstChange() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0));
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW - 1);
        assertThat(emitted()).isEmpty();
        harness.setProcessingTime(harness.getProcessingTime() + 1);
        assertThat(emitted()).hasSize(1);
        assertThat(emitted().get(0).taskCount).isEqualTo(1);
    }

    @Test
    void aWindowIsPublishedOnceWhenTheWatermarkPassesItsEnd() throws Exception {
        send(
                change(ChangeType.INSERT, "a", "1", T0),
                change(ChangeType.INSERT, "a", "2", T0 + WINDOW + 5),
                change(ChangeType.MODIFY, "a", "1", T0 + 3));
        harness.processWatermark(T0 + WINDOW - 2);
        assertThat(windows()).isEmpty();
        harness.processWatermark(T0 + WINDOW - 1);
        assertThat(windows()).hasSize(1);
        WindowAggregate w = windows().get(0);
        assertThat(w.windowStart).isEqualTo(T0);
        assertThat(w.windowEnd).isEqualTo(T0 + WINDOW);
        assertThat(w.inserted).isEqualTo(1);
        assertThat(w.modified)
                .as("a change of an earlier window arriving after a later one's")
                .isEqualTo(1);
        ListAggregate live = last("a");
        assertThat(live.windowStart)
                .as("the live aggregate carries the latest final window")
                .isEqualTo(T0);
        assertThat(live.taskCount)
                .as("and the live count, later window's changes included")
                .isEqualTo(2);

        harness.processWatermark(T0 + 10 * WINDOW);
        assertThat(windows()).extracting(x -> x.windowStart).containsExactly(T0, T0 + WINDOW);
        harness.processWatermark(T0 + 20 * WINDOW);
        assertThat(windows()).as("each window once").hasSize(2);
    }

    @Test
    void theLiveAggregateCarriesNoWindowBeforeTheFirstIsFinal() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0));
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(last("a").taskCount).isEqualTo(1);
        assertThat(last("a").hasWindow()).isFalse();
    }

    private void openWithLateness(long lateness) throws Exception {
        close();
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                TestAggregators.with(WINDOW, TOMBSTONES, EMPTY_LIST, true)
                                        .lateness(lateness)
                                        .ttlExpiryRemoves(true)
                                        .deadLetterMaxBytes(4096)
                                        .build()),
                        e -> e.partitionKey,
                        Types.STRING);
        harness.setup();
        harness.open();
        harness.setProcessingTime(1_000);
    }

    @Test
    void aWindowTakesChangesUntilTheWatermarkPassesItsEndPlusTheAllowedLateness() throws Exception {
        openWithLateness(3_000);
        send(change(ChangeType.INSERT, "a", "1", T0));
        harness.processWatermark(T0 + WINDOW + 2_998);
        send(
                change(
                        ChangeType.INSERT,
                        "a",
                        "2",
                        T0 + WINDOW - 1)); // behind the watermark, within the lateness
        assertThat(windows()).isEmpty();
        harness.processWatermark(T0 + WINDOW + 2_999);
        assertThat(windows()).hasSize(1);
        assertThat(windows().get(0).inserted).isEqualTo(2);
        assertThat(lateChanges()).isEmpty();
    }

    @Test
    void aChangeLaterThanTheAllowedLatenessIsADeadLetterAndStillCountsLive() throws Exception {
        openWithLateness(1_000);
        send(change(ChangeType.INSERT, "a", "1", T0));
        harness.processWatermark(T0 + WINDOW + 999);
        assertThat(windows()).hasSize(1);
        ChangeEvent late = change(ChangeType.INSERT, "a", "2", T0 + 5);
        late.eventId = "late-one";
        send(late);
        harness.processWatermark(T0 + 5 * WINDOW);
        assertThat(windows()).as("a final window is never published again").hasSize(1);
        assertThat(lateChanges()).hasSize(1);
        io.streamsync.deadletter.DeadLetter d = lateChanges().get(0);
        assertThat(d.reason)
                .startsWith(
                        "late change: its window [2024-01-01T00:00:00Z, 2024-01-01T00:00:10Z) was final")
                .contains("aggregate.window.allowed.lateness.ms=1000");
        assertThat(d.stage).isEqualTo("list-aggregator");
        assertThat(d.record)
                .contains("\"eventID\":\"late-one\"")
                .contains("\"eventName\":\"INSERT\"");
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(last("a").taskCount)
                .as("the table has the item: the live count takes it")
                .isEqualTo(2);
    }

    @Test
    void aDuplicateOfAChangeOfAFinalWindowIsNoDeadLetter() throws Exception {
        ChangeEvent insert = change(ChangeType.INSERT, "a", "1", T0);
        send(insert);
        quiet();
        send(insert); // the stream delivers it again (a Kinesis duplicate, a retried read)
        quiet();
        assertThat(lateChanges()).isEmpty();
        assertThat(windows()).hasSize(1);
        assertThat(windows().get(0).inserted).isEqualTo(1);
    }

    @Test
    void aRestoreCannotReopenAFinalWindowAndCountsNoChangeTwice() throws Exception {
        ChangeEvent a1 = change(ChangeType.INSERT, "a", "1", T0);
        ChangeEvent a2 = change(ChangeType.INSERT, "a", "2", T0 + WINDOW + 1);
        send(a1, a2);
        harness.processWatermark(T0 + WINDOW - 1); // [T0, T0+W) final, [T0+W, T0+2W) open with a2
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        restore(snapshot);
        // the watermark starts anew after a restore; the replay brings a2 again and a late change
        // of T0's window
        send(
                a2,
                change(ChangeType.INSERT, "a", "3", T0 + 7),
                change(ChangeType.MODIFY, "a", "2", T0 + WINDOW + 2));
        harness.processWatermark(T0 + 2 * WINDOW - 1);
        assertThat(windows()).as("only the open window is published after the restore").hasSize(1);
        WindowAggregate w = windows().get(0);
        assertThat(w.windowStart).isEqualTo(T0 + WINDOW);
        assertThat(w.inserted).as("a2 counted once across the restore").isEqualTo(1);
        assertThat(w.modified).isEqualTo(1);
        assertThat(lateChanges()).as("T0's window was final before the checkpoint").hasSize(1);
    }

    /**
     * Ground truth on random histories: every change counted once in its window whatever the
     * delivery order, duplicates and restores (snapshot, new operator, replay from the snapshot's
     * position); and the live count equal to the items whose newest change is no removal (with the
     * sequence guard deleted, this fails).
     */
    @Test
    void windowsEqualTheChangesPerWindowForAnyOrderDuplicatesAndRestores() throws Exception {
        for (int trial = 0; trial < 25; trial++) {
            close();
            open();
            maxEventTime = Long.MIN_VALUE;
            java.util.Random random = new java.util.Random(trial);
            List<ChangeEvent> changes = new java.util.ArrayList<>();
            java.util.Map<String, long[]> truth =
                    new java.util.TreeMap<>(); // list|windowStart -> i, m, r
            for (int i = 0; i < 300; i++) {
                ChangeType type = ChangeType.values()[random.nextInt(3)];
                String list = "l" + random.nextInt(4);
                long t = T0 + i * 150L; // 150 ms apart: about 66 per window
                ChangeEvent e = change(type, list, "t" + random.nextInt(20), t);
                e.eventId = "e" + i;
                changes.add(e);
                truth.computeIfAbsent(
                                list + "|" + (t - Math.floorMod(t, WINDOW)), k -> new long[3])[
                        type.ordinal()]++;
            }
            // delivery: shuffled within 1.5 s (the source's bound is more), 10% duplicated, a
            // restore in the middle
            List<ChangeEvent> delivery = new java.util.ArrayList<>();
            for (int i = 0; i < changes.size(); i += 10) {
                List<ChangeEvent> block =
                        new java.util.ArrayList<>(
                                changes.subList(i, Math.min(changes.size(), i + 10)));
                for (ChangeEvent e : List.copyOf(block)) {
                    if (random.nextInt(10) == 0) {
                        block.add(e);
                    }
                }
                java.util.Collections.shuffle(block, random);
                delivery.addAll(block);
            }
            int cut = delivery.size() / 3 + random.nextInt(delivery.size() / 3);
            long watermark = Long.MIN_VALUE;
            org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot = null;
            int snapshotAt = -1;
            List<WindowAggregate> published = new java.util.ArrayList<>();
            for (int i = 0; i < delivery.size(); i++) {
                send(delivery.get(i));
                long wm = delivery.get(i).approximateCreationTimeMillis - 2_000;
                if (wm > watermark) {
                    watermark = wm;
                    harness.processWatermark(watermark);
                }
                if (i == cut / 2) {
                    snapshot = harness.snapshot(1, 1);
                    snapshotAt = i;
                    published.clear();
                    published.addAll(windows()); // what the checkpoint includes
                }
                if (i == cut) { // failure: restore the snapshot, replay from its position
                    restore(snapshot);
                    watermark = Long.MIN_VALUE;
                    for (int j = snapshotAt + 1; j <= cut; j++) {
                        send(delivery.get(j));
                    }
                }
            }
            harness.processWatermark(Long.MAX_VALUE);
            published.addAll(windows());
            java.util.Map<String, long[]> actual = new java.util.TreeMap<>();
            for (WindowAggregate w : published) {
                long[] before =
                        actual.put(
                                w.listId + "|" + w.windowStart,
                                new long[] {w.inserted, w.modified, w.removed});
                assertThat(before).as("trial %d: window %s published twice", trial, w).isNull();
            }
            assertThat(lateChanges()).as("trial %d", trial).isEmpty();
            // the live count too (issue 32): an item is live when its newest change (highest
            // sequence number,
            // whenever it arrived) is no REMOVE
            harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
            java.util.Map<String, ChangeEvent> newest = new java.util.HashMap<>();
            changes.forEach(
                    e ->
                            newest.merge(
                                    e.itemKey,
                                    e,
                                    (x, y) ->
                                            Long.parseLong(x.sequenceNumber)
                                                            > Long.parseLong(y.sequenceNumber)
                                                    ? x
                                                    : y));
            java.util.Map<String, Long> liveTruth = new java.util.TreeMap<>();
            newest.values()
                    .forEach(
                            e ->
                                    liveTruth.merge(
                                            e.partitionKey,
                                            e.type == ChangeType.REMOVE ? 0L : 1L,
                                            Long::sum));
            java.util.Map<String, Long> live = new java.util.TreeMap<>();
            emitted().forEach(a -> live.put(a.listId, a.taskCount)); // in order: the last one wins
            assertThat(live)
                    .as("trial %d: the live counts after the restore", trial)
                    .isEqualTo(liveTruth);
            assertThat(actual.keySet()).as("trial %d", trial).isEqualTo(truth.keySet());
            for (String k : truth.keySet()) {
                assertThat(actual.get(k))
                        .as("trial %d, window %s", trial, k)
                        .containsExactly(truth.get(k));
            }
        }
    }

    @Test
    void versionGrowsWithEveryNewStateOnly() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0));
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(last("a").version)
                .as("the first change's creation time in microseconds, plus one, times 1,000")
                .isEqualTo((T0 * 1000 + 1) * 1000);
        harness.processWatermark(T0 + WINDOW - 1);
        long v1 = last("a").version;
        assertThat(v1).as("its window final: another state").isEqualTo((T0 * 1000 + 1) * 1000 + 1);
        ChangeEvent dup = change(ChangeType.INSERT, "a", "2", T0 + 5);
        send(dup, dup, change(ChangeType.MODIFY, "a", "2", T0 + 5)); // the duplicate moves nothing
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(last("a").version)
                .as("two changes, the first at a later millisecond")
                .isEqualTo(((T0 + 5) * 1000 + 2) * 1000);
        send(change(ChangeType.MODIFY, "a", "2", T0 + WINDOW));
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(last("a").version)
                .as("a later change: its creation time")
                .isEqualTo(((T0 + WINDOW) * 1000 + 1) * 1000);
    }

    @Test
    void indexesOnlyAppliedChangesAndDeletesRemovedItems() throws Exception {
        ChangeEvent insert = change(ChangeType.INSERT, "a", "1", T0);
        send(
                insert,
                insert,
                change(ChangeType.REMOVE, "a", "1", T0),
                change(ChangeType.REMOVE, "a", "ghost", T0));
        List<ItemUpdate> updates =
                harness.getSideOutput(ListAggregator.ITEM_UPDATES).stream()
                        .map(StreamRecord::getValue)
                        .collect(Collectors.toList());
        assertThat(updates)
                .extracting(u -> u.itemKey, u -> u.delete)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a|1", false),
                        org.assertj.core.groups.Tuple.tuple("a|1", true),
                        org.assertj.core.groups.Tuple.tuple("a|ghost", true));
        assertThat(updates)
                .filteredOn(u -> u.itemKey.equals("a|1"))
                .extracting(u -> u.version)
                .isSorted()
                .doesNotHaveDuplicates();
    }

    @Test
    void countsTimeToLiveExpiriesAsRemovalsAndSeparately() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0), change(ChangeType.INSERT, "a", "2", T0));
        ChangeEvent expiry = change(ChangeType.REMOVE, "a", "1", T0);
        expiry.ttlExpiry = true;
        send(expiry);
        quiet();
        assertThat(last("a").taskCount).isEqualTo(1);
        assertThat(last("a").removed).isEqualTo(1);
        assertThat(last("a").expired).isEqualTo(1);
    }

    @Test
    void dropsAllStateOfAListThatStaysEmpty() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0), change(ChangeType.INSERT, "b", "1", T0));
        send(change(ChangeType.REMOVE, "a", "1", T0 + 1));
        quiet();
        assertThat(last("a").taskCount).isZero();
        assertThat(harness.numKeyedStateEntries())
                .as("a: meta + tombstone, b: meta + item")
                .isEqualTo(4);

        harness.setProcessingTime(harness.getProcessingTime() + 10 * EMPTY_LIST);
        assertThat(harness.numKeyedStateEntries()).as("processing time drops nothing").isEqualTo(4);
        harness.processWatermark(T0 + 1 + EMPTY_LIST - 1);
        assertThat(harness.numKeyedStateEntries())
                .as("a's tombstone has expired, a is kept")
                .isEqualTo(3);
        harness.processWatermark(
                T0 + 1 + EMPTY_LIST); // event time: the retention after a's last change
        assertThat(harness.numKeyedStateEntries()).as("only list b remains").isEqualTo(2);
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void expiredTombstonesLeaveMemoryWhenTheListEmitsInALaterRetentionPeriod() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0), change(ChangeType.INSERT, "a", "2", T0));
        send(change(ChangeType.REMOVE, "a", "1", T0));
        quiet();
        assertThat(harness.numKeyedStateEntries()).as("a: meta, items, tombstones").isEqualTo(3);

        send(
                change(
                        ChangeType.MODIFY,
                        "a",
                        "2",
                        T0 + TOMBSTONES)); // the list's event time passes the retention
        quiet();
        assertThat(last("a").taskCount).isEqualTo(1);
        assertThat(harness.numKeyedStateEntries())
                .as("the expired tombstone is gone: meta, items")
                .isEqualTo(2);
    }

    @Test
    void aTombstoneOfAnItemThatStaysOutOfAKnownListIsWalkedOutAtALaterEmission() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0));
        quiet();
        assertThat(harness.numKeyedStateEntries()).as("a: meta, items").isEqualTo(2);
        send(filteredOut(change(ChangeType.INSERT, "a", "2", T0))); // a mark only
        quiet();
        assertThat(harness.numKeyedStateEntries()).as("a: meta, items, tombstones").isEqualTo(3);
        send(change(ChangeType.MODIFY, "a", "1", T0 + TOMBSTONES));
        quiet();
        assertThat(last("a").taskCount).isEqualTo(1);
        assertThat(harness.numKeyedStateEntries())
                .as("the expired mark is gone: meta, items")
                .isEqualTo(2);
    }

    @Test
    void expiredTombstonesOfAListThatNeverChangesAgainLeaveMemoryWhenTheWatermarkPassesThem()
            throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0), change(ChangeType.INSERT, "a", "2", T0));
        send(change(ChangeType.REMOVE, "a", "1", T0 + 1));
        send(
                filteredOut(
                        change(
                                ChangeType.INSERT,
                                "b",
                                "1",
                                T0 + 1))); // a list of filtered-out items only
        quiet();
        assertThat(harness.numKeyedStateEntries())
                .as("a: meta, items, tombstones; b: meta, tombstones")
                .isEqualTo(5);
        harness.processWatermark(T0 + 1 + TOMBSTONES - 1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(5);
        harness.processWatermark(T0 + 1 + EMPTY_LIST);
        assertThat(harness.numKeyedStateEntries()).as("a: meta, items (b is dropped)").isEqualTo(2);
        harness.setProcessingTime(harness.getProcessingTime() + 10 * EMPTY_LIST);
        assertThat(last("a").taskCount).isEqualTo(1);
    }

    @Test
    void aListThatComesBackAfterCleanUpStartsAboveItsOldVersion() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0), change(ChangeType.REMOVE, "a", "1", T0));
        quiet();
        long oldVersion = last("a").version;
        harness.processWatermark(T0 + EMPTY_LIST);
        assertThat(harness.numKeyedStateEntries()).isZero();

        long later = T0 + EMPTY_LIST + WINDOW;
        send(change(ChangeType.INSERT, "a", "2", later));
        quiet();
        assertThat(last("a").version).isGreaterThan(oldVersion);
        assertThat(last("a").taskCount).isEqualTo(1);
    }

    @Test
    void keepsTheListWhileItHasItemsAndItsTimerIsRearmedWhenItEmptiesAgain() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0), change(ChangeType.REMOVE, "a", "1", T0));
        quiet();
        harness.setProcessingTime(harness.getProcessingTime() + EMPTY_LIST / 2);
        send(change(ChangeType.INSERT, "a", "2", T0 + EMPTY_LIST)); // back before the clean-up
        quiet();
        harness.setProcessingTime(harness.getProcessingTime() + EMPTY_LIST);
        assertThat(last("a").taskCount).isEqualTo(1);
        assertThat(harness.numKeyedStateEntries())
                .as("meta + live item kept")
                .isGreaterThanOrEqualTo(2);
    }

    // ---- bootstrap scan: SNAPSHOT records merged with the stream ----

    private static ChangeEvent snapshot(String list, String task) {
        return change(ChangeType.SNAPSHOT, list, task, -1, "0");
    }

    @Test
    void aScannedItemIsCountedOnceWhateverTheOrderWithItsStreamRecords() throws Exception {
        send(
                snapshot("a", "1"),
                change(ChangeType.MODIFY, "a", "1", T0, "10"), // scan first, then the stream
                change(ChangeType.INSERT, "a", "2", T0, "20"),
                snapshot("a", "2"), // stream first, then the scan
                snapshot("a", "3")); // known from the scan only
        quiet();
        assertThat(last("a").taskCount).isEqualTo(3);
        assertThat(last("a").inserted)
                .as("scanned items are no activity of the window")
                .isEqualTo(1);
        assertThat(last("a").modified).isEqualTo(1);
    }

    @Test
    void aScanOfAnItemTheStreamHasRemovedSinceIsIgnoredEvenWhenItArrivesLate() throws Exception {
        send(
                change(ChangeType.REMOVE, "a", "1", T0, "30"), // the stream's removal overtakes...
                snapshot("a", "1"), // ...the scan that read the item just before it was removed
                snapshot("a", "2"),
                change(ChangeType.REMOVE, "a", "2", T0, "40"));
        quiet();
        assertThat(last("a").taskCount).isZero();
    }

    @Test
    void aScannedItemIsIndexedWithItsImage() throws Exception {
        send(snapshot("a", "1"));
        quiet();
        List<ItemUpdate> updates =
                harness.getSideOutput(ListAggregator.ITEM_UPDATES).stream()
                        .map(StreamRecord::getValue)
                        .collect(Collectors.toList());
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).delete).isFalse();
        assertThat(updates.get(0).documentJson).contains("\"taskId\":\"1\"");
    }

    /**
     * The merge argument of the docs (bootstrap.md), checked on random histories: items are put and
     * deleted over time; the stream holds every change after a trim point; the scan reads each item
     * once at a random time after the trim point and its record may be delivered anywhere among the
     * stream's records. The final counts must equal the table's contents, whatever the
     * interleaving.
     */
    @Test
    void scanAndStreamConvergeToTheTableForAnyInterleaving() throws Exception {
        for (int trial = 0; trial < 20; trial++) {
            close();
            open();
            java.util.Random random = new java.util.Random(trial);
            int lists = 5;
            int itemsPerList = 40;
            int steps = 60;
            int trim = 20; // changes at or before this step are no longer in the stream
            java.util.Map<String, Boolean> table = new java.util.HashMap<>();
            java.util.Map<String, long[]> readAt = new java.util.HashMap<>();
            java.util.List<ChangeEvent> stream = new java.util.ArrayList<>();
            java.util.List<ChangeEvent> scan = new java.util.ArrayList<>();
            long sequence = 1000;
            for (int step = 1; step <= steps; step++) {
                for (int l = 0; l < lists; l++) {
                    for (int i = 0; i < itemsPerList; i++) {
                        String list = "l" + l;
                        String task = "t" + i;
                        String key = list + "/" + task;
                        if (step == trim + 1 + (i * 7 + l * 3) % (steps - trim)) {
                            // the scan reads this item now (each item once, at a point after the
                            // trim)
                            if (table.getOrDefault(key, false)) {
                                scan.add(snapshot(list, task));
                            }
                            readAt.put(key, new long[] {step});
                        }
                        if (random.nextInt(10) != 0) {
                            continue;
                        }
                        boolean present = table.getOrDefault(key, false);
                        ChangeType type =
                                random.nextBoolean()
                                        ? (present ? ChangeType.MODIFY : ChangeType.INSERT)
                                        : (present ? ChangeType.REMOVE : null);
                        if (type == null) {
                            continue;
                        }
                        table.put(key, type != ChangeType.REMOVE);
                        sequence += 1 + random.nextInt(5);
                        if (step > trim) {
                            stream.add(
                                    change(
                                            type,
                                            list,
                                            task,
                                            T0 + step * 1000L,
                                            Long.toString(sequence)));
                        }
                    }
                }
            }
            // deliver: the stream in order, each scan record at a random position
            java.util.List<ChangeEvent> delivery = new java.util.ArrayList<>(stream);
            for (ChangeEvent s : scan) {
                delivery.add(random.nextInt(delivery.size() + 1), s);
            }
            send(delivery.toArray(new ChangeEvent[0]));
            harness.setProcessingTime(harness.getProcessingTime() + WINDOW * 3);
            java.util.Map<String, Long> expected = new java.util.TreeMap<>();
            table.forEach(
                    (k, present) ->
                            expected.merge(
                                    k.substring(0, k.indexOf('/')), present ? 1L : 0L, Long::sum));
            java.util.Map<String, Long> actual = new java.util.TreeMap<>();
            for (ListAggregate a : emitted()) {
                actual.put(a.listId, a.taskCount); // in order: the last one wins
            }
            expected.keySet()
                    .forEach(list -> actual.putIfAbsent(list, 0L)); // a list never touched counts 0
            assertThat(actual)
                    .as(
                            "trial %d: %d stream records, %d scanned items",
                            trial, stream.size(), scan.size())
                    .isEqualTo(expected);
            assertThat(scan).as("the trial scans something").isNotEmpty();
        }
    }

    // ---- TTL expiries: remove (default) or keep ----

    /**
     * The published TTL deletion of the corpus, and the insert of the same item before it, as the
     * job parses them.
     */
    private static ChangeEvent[] ttlFixture() throws Exception {
        io.streamsync.change.ChangeRecordParser parser =
                new io.streamsync.change.ChangeRecordParser(
                        new io.streamsync.change.KeySchema("key", "val"));
        String removal =
                new String(
                        ListAggregatorTest.class
                                .getResourceAsStream("/corpus/09-lambda-dotnet-ttl-remove.json")
                                .readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8);
        ChangeEvent expiry = parser.parse(removal);
        com.fasterxml.jackson.databind.node.ObjectNode insert =
                (com.fasterxml.jackson.databind.node.ObjectNode)
                        new com.fasterxml.jackson.databind.ObjectMapper().readTree(removal);
        insert.put("eventName", "INSERT");
        insert.put("eventID", "insert-before-the-expiry"); // another change: another identity
        insert.remove("userIdentity");
        com.fasterxml.jackson.databind.node.ObjectNode ddb =
                (com.fasterxml.jackson.databind.node.ObjectNode) insert.get("dynamodb");
        ddb.set("NewImage", ddb.remove("OldImage"));
        ddb.put("SequenceNumber", "1405400000000002063282000"); // before the expiry
        return new ChangeEvent[] {parser.parse(insert.toString()), expiry};
    }

    @Test
    void theCorpusTtlDeletionRemovesTheItemByDefault() throws Exception {
        ChangeEvent[] f = ttlFixture();
        assertThat(f[1].ttlExpiry).as("recognised as a TTL expiry").isTrue();
        send(f[0], f[1], f[1]); // the expiry delivered twice
        quiet();
        ListAggregate a = last("binary");
        assertThat(a.taskCount).isZero();
        assertThat(a.removed).isEqualTo(1);
        assertThat(a.expired).isEqualTo(1);
        assertThat(
                        harness.getSideOutput(ListAggregator.ITEM_UPDATES).stream()
                                .map(StreamRecord::getValue)
                                .filter(u -> u.delete)
                                .count())
                .isEqualTo(1);
    }

    @Test
    void inKeepModeATtlDeletionLeavesTheItemCountedAndIndexedButIsCountedAsExpired()
            throws Exception {
        close();
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                TestAggregators.with(WINDOW, TOMBSTONES, EMPTY_LIST, true)
                                        .lateness(0)
                                        .ttlExpiryRemoves(false)
                                        .deadLetterMaxBytes(4096)
                                        .build()),
                        e -> e.partitionKey,
                        Types.STRING);
        harness.setup();
        harness.open();
        harness.setProcessingTime(1_000);
        ChangeEvent[] f = ttlFixture();
        ChangeEvent userDelete =
                change(
                        ChangeType.REMOVE,
                        "binary",
                        "other",
                        f[1].approximateCreationTimeMillis,
                        "1405400000000002063282900");
        send(
                f[0],
                change(
                        ChangeType.INSERT,
                        "binary",
                        "other",
                        f[0].approximateCreationTimeMillis,
                        "1405400000000002063282100"),
                f[1],
                f[1],
                userDelete); // expiry twice, then a user's delete of another item
        quiet();
        ListAggregate a = last("binary");
        assertThat(a.taskCount).as("the expired item stays, the deleted one goes").isEqualTo(1);
        assertThat(a.expired).as("the duplicate expiry is not counted twice").isEqualTo(1);
        assertThat(a.removed).as("an expiry kept is no removal").isEqualTo(1);
        assertThat(
                        harness.getSideOutput(ListAggregator.ITEM_UPDATES).stream()
                                .map(StreamRecord::getValue)
                                .filter(u -> u.delete)
                                .map(u -> u.itemKey)
                                .collect(Collectors.toList()))
                .as("only the user's delete reaches the index")
                .containsExactly(userDelete.itemKey);
    }

    // ---- event filters: the count is of the live items whose last change matched ----

    private static ChangeEvent filteredOut(ChangeEvent e) {
        e.filteredOut = true;
        return e;
    }

    @Test
    void anItemThatStopsMatchingTheFilterLeavesTheCountAndTheIndex() throws Exception {
        send(
                change(ChangeType.INSERT, "a", "1", T0, "10"),
                change(ChangeType.INSERT, "a", "2", T0, "11"),
                filteredOut(
                        change(ChangeType.MODIFY, "a", "1", T0, "12")), // no longer matches: leaves
                change(
                        ChangeType.MODIFY,
                        "a",
                        "1",
                        T0,
                        "11"), // an older matching record arriving late: ignored
                filteredOut(
                        change(
                                ChangeType.INSERT,
                                "a",
                                "3",
                                T0,
                                "13")), // never matched: never counted
                change(ChangeType.MODIFY, "a", "2", T0, "14"));
        quiet();
        assertThat(last("a").taskCount).isEqualTo(1);
        assertThat(last("a").removed).as("leaving the filter is no removal").isZero();
        assertThat(
                        harness.getSideOutput(ListAggregator.ITEM_UPDATES).stream()
                                .map(StreamRecord::getValue)
                                .filter(u -> u.delete)
                                .map(u -> u.itemKey)
                                .collect(Collectors.toList()))
                .containsExactly(ItemKeys.itemKey("a", "1"));

        send(change(ChangeType.MODIFY, "a", "1", T0 + WINDOW, "20")); // matches again: back in
        quiet();
        assertThat(last("a").taskCount).isEqualTo(2);
    }

    @Test
    void aRemovalThatDoesNotMatchTheFilterStillRemovesACountedItem() throws Exception {
        send(
                change(ChangeType.INSERT, "a", "1", T0, "10"),
                change(ChangeType.INSERT, "a", "2", T0, "11"),
                filteredOut(change(ChangeType.REMOVE, "a", "1", T0, "12")));
        quiet();
        assertThat(last("a").taskCount).isEqualTo(1);
        assertThat(last("a").removed).as("window activity counts matching changes only").isZero();
    }

    @Test
    void afterARestoreVersionsGoOnFromTheCheckpointWhateverTheClock() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0, "10"));
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        // after the checkpoint, then the failure: never published (the sinks publish completed
        // checkpoints only)
        send(
                change(ChangeType.INSERT, "a", "2", T0, "20"),
                change(ChangeType.INSERT, "a", "3", T0, "21"),
                change(ChangeType.INSERT, "a", "4", T0, "22"));
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(last("a").version).isEqualTo((T0 * 1000L + 4) * 1000);
        restore(snapshot);
        harness.setProcessingTime(
                harness.getProcessingTime() + 1_000_000_000L); // the clock moves on: nothing else
        // the replay meets item 4 first (another source's record won the race this time), with a
        // newer image
        send(change(ChangeType.INSERT, "a", "4", T0, "23"));
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(last("a").version)
                .as("the version counts the list's changes: no clock moves it")
                .isEqualTo((T0 * 1000L + 2) * 1000);
        assertThat(itemVersion(ItemKeys.itemKey("a", "4")))
                .as("an item's version counts its own changes")
                .isEqualTo(T0 * 1000L + 1);
    }

    // ---- issue 28: a version is one state, and a guarded reader never goes back ----

    /**
     * Issue 28 §1: a rollback to a savepoint whose list was empty with its clean-up due, when the
     * list has had inserts since. Processing time jumps past every timer at the restore. The replay
     * must not start the version again below what the first run published: a guarded reader never
     * sees the count go back.
     */
    @Test
    void aRollbackPastAnOverdueCleanUpCannotTakeAGuardedReaderBack() throws Exception {
        send(
                change(ChangeType.INSERT, "a", "1", T0, "10"),
                change(ChangeType.REMOVE, "a", "1", T0 + 1, "11"));
        quiet();
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState savepoint = harness.snapshot(1, 1);
        List<ChangeEvent> inserts = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inserts.add(
                    change(
                            ChangeType.INSERT,
                            "a",
                            "n" + i,
                            T0 + 2 * WINDOW + i,
                            Long.toString(20 + i)));
        }
        GuardedReader<Long> reader = new GuardedReader<>();
        for (ChangeEvent e : inserts) { // the first run: each insert published
            send(e);
            harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        }
        emitted().forEach(a -> reader.offer(a.listId, a.version, a.taskCount));

        restore(savepoint); // the rollback; the clean-up is overdue by then
        harness.setProcessingTime(harness.getProcessingTime() + 10 * EMPTY_LIST);
        for (ChangeEvent e : inserts) { // the replay
            send(e);
            harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        }
        emitted().forEach(a -> reader.offer(a.listId, a.version, a.taskCount));
        assertThat(reader.seen("a"))
                .as("a version-guarded reader of list a")
                .isSorted()
                .endsWith(5L);
    }

    /**
     * Issue 28 §2: when a list's window becomes final its live aggregate is emitted again with the
     * window's figures: that is another state, so it takes another (higher) version, or a guard
     * refuses it.
     */
    @Test
    void aWindowBecomingFinalIsANewVersionOfTheList() throws Exception {
        send(change(ChangeType.INSERT, "a", "1", T0 + 3_000));
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        ListAggregate before = last("a");
        assertThat(before.hasWindow()).isFalse();
        harness.processWatermark(T0 + WINDOW - 1);
        ListAggregate after = last("a");
        assertThat(after.hasWindow()).isTrue();
        assertThat(after.version).as("(%s) then (%s)", before, after).isGreaterThan(before.version);
        GuardedReader<ListAggregate> reader = new GuardedReader<>();
        emitted().forEach(a -> reader.offer(a.listId, a.version, a));
        assertThat(reader.current("a").inserted)
                .as("the guarded row shows the final window")
                .isEqualTo(1);
    }

    /**
     * Issue 28 §5: a bootstrap-scan record has no creation time and its stream record's timestamp
     * is Flink's NO_TIMESTAMP (Long.MIN_VALUE). A list first seen through the scan must not start
     * at version 0 (below the row it may have from before a clean-up), and its updatedAt must not
     * be year -292275055.
     */
    @Test
    void aListFirstSeenThroughTheScanStartsAtTheEventTimeTheJobHasReached() throws Exception {
        send(change(ChangeType.INSERT, "b", "1", T0, "10"));
        harness.processWatermark(T0 - 1);
        harness.processElement(new StreamRecord<>(snapshot("a", "1"), Long.MIN_VALUE));
        quiet();
        ListAggregate a = last("a");
        assertThat(a.taskCount).isEqualTo(1);
        assertThat(a.version).as("%s", a).isGreaterThan((T0 - 1) * 1000L);
        assertThat(a.updatedAt).as("%s", a).isEqualTo(T0 - 1);
    }

    /**
     * Issue 28 §5: a list the job knows only from the scan, before any watermark (a restored job
     * turning the scan on), is dated and moved above every earlier version at the first watermark.
     */
    @Test
    void aListKnownOnlyFromTheScanBeforeAnyWatermarkIsDatedAtTheFirst() throws Exception {
        harness.processElement(new StreamRecord<>(snapshot("a", "1"), Long.MIN_VALUE));
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(last("a").updatedAt).as("no time yet: epoch 0, never year -292275055").isZero();
        harness.processWatermark(T0);
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(last("a").version).isEqualTo((T0 * 1000 + 1) * 1000);
        assertThat(last("a").updatedAt).isEqualTo(T0);
        assertThat(last("a").taskCount).isEqualTo(1);
    }

    /**
     * Issue 28 §5: a stream record without a creation time is counted live, and goes to no window.
     */
    @Test
    void aStreamRecordWithoutCreationTimeCountsLiveAndIsADeadLetterForTheWindows()
            throws Exception {
        ChangeEvent timeless = change(ChangeType.INSERT, "a", "1", -1, "10");
        timeless.eventId = "no-time";
        harness.processElement(new StreamRecord<>(timeless, Long.MIN_VALUE));
        send(change(ChangeType.INSERT, "a", "2", T0, "11"));
        harness.processWatermark(T0 + WINDOW - 1);
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(windows())
                .extracting(w -> w.windowStart)
                .as("only the timed change's window")
                .containsExactly(T0);
        assertThat(windows().get(0).inserted).isEqualTo(1);
        assertThat(last("a").taskCount).isEqualTo(2);
        assertThat(harness.numEventTimeTimers()).as("no timer at an overflowed time").isZero();
        assertThat(lateChanges())
                .extracting(d -> d.reason)
                .singleElement()
                .asString()
                .startsWith("change without a creation time");
    }

    /**
     * Issue 28 §6: an item document's version is a function of the item's own changes. A replay
     * that applies another item's change in another order (a rollback during a scan, several
     * Kinesis shards) must not freeze the item at an older state behind a guard.
     */
    @Test
    void anItemsDocumentVersionDoesNotDependOnOtherItemsOrder() throws Exception {
        send(change(ChangeType.INSERT, "a", "z", T0 - 10, "5")); // the list exists at the savepoint
        harness.processWatermark(T0 - 1);
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState savepoint = harness.snapshot(1, 1);
        ChangeEvent otherItem = change(ChangeType.INSERT, "a", "y", T0, "10");
        ChangeEvent scanned = snapshot("a", "x"); // X as the scan read it: A
        scanned.newImageJson = "{\"state\":\"A\"}";
        ChangeEvent modify =
                change(ChangeType.MODIFY, "a", "x", T0 + 1, "20"); // X's change after the scan: B
        modify.newImageJson = "{\"state\":\"B\"}";
        GuardedReader<String> index = new GuardedReader<>();
        send(otherItem);
        harness.processElement(new StreamRecord<>(scanned, Long.MIN_VALUE));
        itemUpdates()
                .forEach(
                        u ->
                                index.offer(
                                        u.itemKey, u.version, u.documentJson)); // published: X is A

        restore(savepoint); // the rollback: the replay meets X's change first, the scan's record of
        // X after it
        harness.processWatermark(T0 - 1);
        send(modify, otherItem);
        harness.processElement(new StreamRecord<>(scanned, Long.MIN_VALUE));
        itemUpdates().forEach(u -> index.offer(u.itemKey, u.version, u.documentJson));
        assertThat(index.current(modify.itemKey)).as("X's document").isEqualTo("{\"state\":\"B\"}");
    }

    /**
     * Issue 28 §7: tombstones are kept by event time, not wall-clock time: a stop of an hour must
     * not forget them, or a late duplicate of a change made before an item's removal brings the
     * item back.
     */
    @Test
    void aTombstoneOutlivesAStopOfTheJob() throws Exception {
        ChangeEvent insert = change(ChangeType.INSERT, "a", "1", T0, "10");
        send(insert, change(ChangeType.REMOVE, "a", "1", T0 + 1, "11"));
        quiet();
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState savepoint = harness.snapshot(1, 1);
        restore(savepoint); // an hour later
        harness.setStateTtlProcessingTime(1_000 + 60 * TOMBSTONES);
        harness.setProcessingTime(1_000 + 60 * TOMBSTONES);
        send(insert); // a duplicate of the insert, through another shard
        harness.setProcessingTime(harness.getProcessingTime() + WINDOW);
        assertThat(emitted())
                .as("the removed item stays removed: no new state")
                .allMatch(a -> a.taskCount == 0);
        assertThat(itemUpdates()).as("nothing indexed again").isEmpty();
    }

    private List<ItemUpdate> itemUpdates() {
        return harness.getSideOutput(ListAggregator.ITEM_UPDATES) == null
                ? List.of()
                : harness.getSideOutput(ListAggregator.ITEM_UPDATES).stream()
                        .map(StreamRecord::getValue)
                        .collect(Collectors.toList());
    }

    private long itemVersion(String itemKey) {
        return harness.getSideOutput(ListAggregator.ITEM_UPDATES).stream()
                .map(StreamRecord::getValue)
                .filter(u -> u.itemKey.equals(itemKey))
                .mapToLong(u -> u.version)
                .max()
                .orElseThrow();
    }
}

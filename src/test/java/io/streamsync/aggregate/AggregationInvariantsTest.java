package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.ItemKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The two invariants of issue 28, asserted on every aggregate and item document the aggregation
 * emits, over random histories delivered with checkpoints, restores of the latest checkpoint and
 * rollbacks to older ones at random points, and processing time jumping past every timer (at
 * random, and at every restore):
 *
 * <ol>
 *   <li><b>A version stands for exactly one state</b> of its list (count, window figures,
 *       updatedAt) or item (its document): every emission with the same key and version, in any
 *       run, carries the same state.
 *   <li><b>A version-guarded reader's view never goes back</b>: a model of the sinks (publish on a
 *       completed checkpoint, take a write only above the stored version) is fed what each run
 *       published; the states it takes come from ever later points of the list's (the item's)
 *       history, and the window fields it shows never move to an earlier window (the model includes
 *       the sinks' second guard, which keeps a row's or document's window fields when a newer
 *       version carries an earlier final window or none: {@code windowGuarded}).
 * </ol>
 *
 * In every run, a list's version divided by {@code Versions.SCALE} names its last change: the same
 * count and updatedAt in every run (what a guarded reader's view of the list's changes rests on
 * when a replay's watermark differs, see the second test). At the end the guarded reader must show
 * the table: each list's live count, each item's last image. A restore picks the latest checkpoint
 * taken (after a rollback, that may be one of the abandoned timeline: a roll forward) or a random
 * older one.
 *
 * <p>A failure names its seed; replay it with {@code -Dseed=<seed> -Dtrials=1}. The seeds are
 * random unless {@code -Dseed} is given (then {@code seed}, {@code seed + 1}, ...).
 */
class AggregationInvariantsTest {
    private static final long WINDOW = 10_000;
    private static final long TOMBSTONES = 60_000;
    private static final long EMPTY_LIST = 120_000;
    private static final long T0 = 1_704_067_200_000L;
    private static final long BOUND = 2_000; // out-of-orderness of the watermark

    @Test
    void versionsStandForOneStateAndAGuardedReaderNeverGoesBack() throws Exception {
        trials(false);
    }

    /**
     * The same histories, but a replay's watermark meets the changes in another order than the
     * first run's (it starts anew after a restore and another shard sets its pace: here, each of
     * the replay's watermarks is skipped at random). A version then stands for one state within
     * each run; across runs the version still names the list's last change, so a guarded reader's
     * view of the list's changes (count, updatedAt) never goes back; the window fields, which a
     * replay can carry at a higher version with an earlier final window (issue 28, harness seeds
     * 111 and 116), never go back either, by the sinks' window guard.
     */
    @Test
    void aGuardedReaderNeverGoesBackWhenAReplaysWatermarkMeetsTheChangesInAnotherOrder()
            throws Exception {
        trials(true);
    }

    private static void trials(boolean otherWatermarks) throws Exception {
        long first = Long.getLong("seed", new Random().nextLong());
        int trials = Integer.getInteger("trials", 30);
        int[] failures = new int[2];
        for (int t = 0; t < trials; t++) {
            long seed = first + t;
            try {
                Trial trial = new Trial(seed, otherWatermarks);
                trial.run();
                failures[0] += trial.restores;
                failures[1] += trial.rollbacks;
            } catch (AssertionError | RuntimeException err) {
                throw new AssertionError(
                        "seed="
                                + seed
                                + " (replay: mvn -o test -Dtest=AggregationInvariantsTest -Dseed="
                                + seed
                                + " -Dtrials=1): "
                                + err.getMessage(),
                        err);
            }
        }
        System.out.printf(
                "AggregationInvariantsTest (other watermarks on replay: %s): seeds %d..%d, %d restores of the"
                        + " latest checkpoint, %d rollbacks%n",
                otherWatermarks, first, first + trials - 1, failures[0], failures[1]);
        if (trials >= 10) {
            assertThat(failures[1]).as("the trials roll back").isPositive();
            assertThat(failures[0]).as("the trials restore").isPositive();
        }
    }

    /** One step of the delivery script: a record, or a watermark. */
    private static final class Step {
        final ChangeEvent record;
        final long watermark;

        Step(ChangeEvent record, long watermark) {
            this.record = record;
            this.watermark = watermark;
        }
    }

    /** An emission with the script position it was emitted at. */
    private static final class Emitted<T> {
        final T value;
        final int position;

        Emitted(T value, int position) {
            this.value = value;
            this.position = position;
        }
    }

    private static final class Checkpoint {
        final OperatorSubtaskState state;
        final int position;

        Checkpoint(OperatorSubtaskState state, int position) {
            this.state = state;
            this.position = position;
        }
    }

    private static final class Trial {
        final long seed;
        final Random random;
        final List<Step> script = new ArrayList<>();
        final Map<String, Boolean> table = new TreeMap<>();
        final Map<String, String> images = new HashMap<>();
        final List<String> lists = List.of("l0", "l1", "l2");

        KeyedOneInputStreamOperatorTestHarness<String, ChangeEvent, ListAggregate> harness;
        int aggregatesSeen;
        int itemsSeen;

        /**
         * Emitted by the current run since its last checkpoint: lost if it fails, published at the
         * next.
         */
        final List<Emitted<ListAggregate>> pendingAggregates = new ArrayList<>();

        final List<Emitted<ItemUpdate>> pendingItems = new ArrayList<>();
        final Map<String, String> stateOfListVersion = new HashMap<>();
        final Map<String, String> stateOfItemVersion = new HashMap<>();
        final Map<String, String> stateOfListChange = new HashMap<>();
        final GuardedReader<Emitted<ListAggregate>> rows = new GuardedReader<>();
        final GuardedReader<Emitted<ItemUpdate>> documents = new GuardedReader<>();
        long emitted;

        /** Processing time: the machines' wall clock. */
        long clock = 1_000;

        int restores;
        int rollbacks;

        final boolean otherWatermarks;

        /** Each harness instance is a run; the furthest step any run has reached. */
        int run;

        int furthest;

        Trial(long seed, boolean otherWatermarks) {
            this.seed = seed;
            this.otherWatermarks = otherWatermarks;
            this.random = new Random(seed);
        }

        void generate() {
            long t = T0;
            long sequence = 1_000;
            long maxTime = Long.MIN_VALUE;
            List<ChangeEvent> recent = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                t +=
                        random.nextInt(10) == 0
                                ? (random.nextBoolean()
                                        ? EMPTY_LIST + random.nextInt(20_000)
                                        : TOMBSTONES)
                                : random.nextInt(2_500);
                String list = lists.get(random.nextInt(lists.size()));
                String item = "i" + random.nextInt(4);
                String key = ItemKeys.itemKey(list, item);
                boolean present = table.getOrDefault(key, false);
                int dice = random.nextInt(20);
                ChangeEvent e;
                if (dice == 0 && !recent.isEmpty()) {
                    // a duplicate of a recent record (another shard, a retried read): older than
                    // what follows
                    ChangeEvent d = recent.get(random.nextInt(recent.size()));
                    if (maxTime - d.approximateCreationTimeMillis < TOMBSTONES / 2) {
                        script.add(new Step(d, Long.MIN_VALUE));
                    }
                    continue;
                } else if (dice == 1 && present) {
                    e =
                            event(
                                    ChangeType.SNAPSHOT,
                                    list,
                                    item,
                                    -1,
                                    "0"); // the scan reads the item as it is
                    e.newImageJson = images.get(key);
                    script.add(new Step(e, Long.MIN_VALUE));
                    continue;
                }
                ChangeType type =
                        present
                                ? (random.nextInt(3) == 0 ? ChangeType.REMOVE : ChangeType.MODIFY)
                                : (random.nextInt(8) == 0 ? ChangeType.REMOVE : ChangeType.INSERT);
                sequence += 1 + random.nextInt(3);
                e = event(type, list, item, t, Long.toString(sequence));
                e.eventId = "e" + sequence;
                if (type != ChangeType.REMOVE) {
                    e.newImageJson = "{\"item\":\"" + item + "\",\"rev\":" + sequence + "}";
                    images.put(key, e.newImageJson);
                }
                table.put(key, type != ChangeType.REMOVE);
                maxTime = Math.max(maxTime, t);
                script.add(new Step(e, Long.MIN_VALUE));
                recent.add(e);
                if (recent.size() > 8) {
                    recent.remove(0);
                }
                if (random.nextInt(3) == 0) {
                    script.add(new Step(null, maxTime - BOUND));
                }
            }
        }

        static ChangeEvent event(
                ChangeType type, String list, String item, long time, String sequence) {
            ChangeEvent e = new ChangeEvent();
            e.type = type;
            e.partitionKey = list;
            e.itemKey = ItemKeys.itemKey(list, item);
            e.sequenceNumber = sequence;
            e.approximateCreationTimeMillis = time;
            return e;
        }

        void open(OperatorSubtaskState from) throws Exception {
            if (harness != null) {
                harness.close();
            }
            harness =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(
                                    TestAggregators.with(WINDOW, TOMBSTONES, EMPTY_LIST, true)
                                            .lateness(0)
                                            .ttlExpiryRemoves(true)
                                            .deadLetterMaxBytes(4096)
                                            .build()),
                            e -> e.partitionKey,
                            Types.STRING);
            harness.setup();
            if (from != null) {
                harness.initializeState(from);
            }
            harness.open();
            harness.setProcessingTime(
                    clock); // the wall clock goes on across restores, it never goes back
            run++;
            aggregatesSeen = 0;
            itemsSeen = 0;
            pendingAggregates.clear();
            pendingItems.clear();
            checkWindowsNeverGoBack();
        }

        /**
         * The sinks' second guard (the aggregate table's and the aggregate documents' publishers):
         * a write taken for its version keeps the stored window fields when they show a later final
         * window than the write's (or the write has none), so the window fields never go back.
         */
        static Emitted<ListAggregate> windowGuarded(
                Emitted<ListAggregate> next, Emitted<ListAggregate> stored) {
            if (stored == null || stored.value.windowStart <= next.value.windowStart) {
                return next;
            }
            ListAggregate n = next.value;
            ListAggregate s = stored.value;
            return new Emitted<>(
                    new ListAggregate(
                            n.listId,
                            n.taskCount,
                            n.version,
                            s.windowStart,
                            s.windowEnd,
                            s.inserted,
                            s.modified,
                            s.removed,
                            s.expired,
                            n.updatedAt),
                    next.position);
        }

        /**
         * What a guarded reader of each list has seen of its latest final window (the row's window
         * fields): never an earlier window than it saw before, in any mode (with other watermarks
         * too: a replay can reach a change before the window the first run had made final, issue
         * 28; seed 116 of the harness).
         */
        void checkWindowsNeverGoBack() {
            for (String list : lists) {
                long latest = Long.MIN_VALUE;
                ListAggregate latestRow = null;
                for (Emitted<ListAggregate> seen : rows.seen(list)) {
                    assertThat(seen.value.windowStart)
                            .as(
                                    "a guarded reader of list %s saw the final window fields of %s after %s",
                                    list, seen.value, latestRow)
                            .isGreaterThanOrEqualTo(latest);
                    latest = seen.value.windowStart;
                    latestRow = seen.value;
                }
            }
        }

        /**
         * Takes what the run emitted since the last look: checks invariant 1 on each, keeps it
         * pending.
         */
        void collect(int position) {
            List<ListAggregate> out = harness.extractOutputValues();
            for (ListAggregate a : out.subList(aggregatesSeen, out.size())) {
                String state =
                        a.taskCount
                                + " "
                                + a.windowStart
                                + " "
                                + a.windowEnd
                                + " +"
                                + a.inserted
                                + " ~"
                                + a.modified
                                + " -"
                                + a.removed
                                + " ttl"
                                + a.expired
                                + " at "
                                + a.updatedAt;
                String before =
                        stateOfListVersion.putIfAbsent(
                                (otherWatermarks ? run + ":" : "") + a.listId + "@" + a.version,
                                state);
                assertThat(state)
                        .as("list %s version %d stands for one state", a.listId, a.version)
                        .isEqualTo(before == null ? state : before);
                // in every run, the version names the list's last change: the count and updatedAt
                // after it
                String change = a.taskCount + " at " + a.updatedAt;
                String changeBefore =
                        stateOfListChange.putIfAbsent(
                                a.listId + "@" + a.version / Versions.SCALE, change);
                assertThat(change)
                        .as(
                                "list %s change clock %d stands for one change",
                                a.listId, a.version / Versions.SCALE)
                        .isEqualTo(changeBefore == null ? change : changeBefore);
                pendingAggregates.add(new Emitted<>(a, position));
                if (Boolean.getBoolean("verbose")) {
                    System.out.println("  emitted " + a);
                }
                emitted++;
            }
            aggregatesSeen = out.size();
            var side = harness.getSideOutput(ListAggregator.ITEM_UPDATES);
            List<ItemUpdate> items =
                    side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
            for (ItemUpdate u : items.subList(itemsSeen, items.size())) {
                String state = u.delete ? "deleted" : u.documentJson;
                String before = stateOfItemVersion.putIfAbsent(u.itemKey + "@" + u.version, state);
                assertThat(state)
                        .as("item %s version %d stands for one state", u.itemKey, u.version)
                        .isEqualTo(before == null ? state : before);
                pendingItems.add(new Emitted<>(u, position));
            }
            itemsSeen = items.size();
        }

        /**
         * A completed checkpoint: what the run emitted up to it is published (invariant 2 checked
         * on it).
         */
        void publish() {
            for (Emitted<ListAggregate> emitted : pendingAggregates) {
                Emitted<ListAggregate> before = rows.current(emitted.value.listId);
                Emitted<ListAggregate> a = windowGuarded(emitted, before);
                // with other watermarks, a replay can show the same change with its window made
                // final at another
                // point: the view of the list's changes is checked by the change clock above
                if (rows.offer(a.value.listId, a.value.version, a)
                        && before != null
                        && !otherWatermarks) {
                    assertThat(a.position)
                            .as(
                                    "a guarded reader of list %s took %s (emitted at step %d) after %s (step %d)",
                                    a.value.listId,
                                    a.value,
                                    a.position,
                                    before.value,
                                    before.position)
                            .isGreaterThanOrEqualTo(listPosition(a.value.listId, before.position));
                }
            }
            for (Emitted<ItemUpdate> u : pendingItems) {
                Emitted<ItemUpdate> before = documents.current(u.value.itemKey);
                if (documents.offer(u.value.itemKey, u.value.version, u) && before != null) {
                    assertThat(u.position)
                            .as(
                                    "a guarded reader of item %s took %s (step %d) after %s (step %d)",
                                    u.value.itemKey,
                                    u.value,
                                    u.position,
                                    before.value,
                                    before.position)
                            .isGreaterThan(before.position);
                }
            }
            pendingAggregates.clear();
            pendingItems.clear();
        }

        /**
         * The earliest step at which the list was in the state it had at {@code position}: the step
         * after its last record or watermark before it (a state emitted later, from an earlier
         * step, went back).
         */
        int listPosition(String listId, int position) {
            for (int p = position; p > 0; p--) {
                Step s = script.get(p - 1);
                if (s.record == null || s.record.partitionKey.equals(listId)) {
                    return p;
                }
            }
            return 0;
        }

        void advance(long millis) throws Exception {
            clock += millis;
            harness.setProcessingTime(clock);
        }

        void run() throws Exception {
            generate();
            List<Checkpoint> checkpoints = new ArrayList<>();
            open(null);
            checkpoints.add(new Checkpoint(harness.snapshot(0, 0), 0));
            long checkpointId = 1;
            int failures = 0;
            int position = 0;
            while (position < script.size()) {
                Step step = script.get(position);
                if (step.record != null) {
                    ChangeEvent e = step.record;
                    harness.processElement(
                            e.approximateCreationTimeMillis >= 0
                                    ? new StreamRecord<>(e, e.approximateCreationTimeMillis)
                                    : new StreamRecord<>(
                                            e, Long.MIN_VALUE)); // the scan's records: NO_TIMESTAMP
                } else if (!(otherWatermarks && position < furthest && random.nextBoolean())) {
                    harness.processWatermark(step.watermark);
                }
                position++;
                furthest = Math.max(furthest, position);
                if (Boolean.getBoolean("verbose")) {
                    System.out.println(
                            "step "
                                    + position
                                    + ": "
                                    + (step.record != null
                                            ? step.record
                                            : "watermark " + step.watermark));
                }
                collect(position);
                int dice = random.nextInt(100);
                if (dice < 15) {
                    advance((1 + random.nextInt(3)) * WINDOW);
                } else if (dice < 18) {
                    advance(10 * EMPTY_LIST); // past every timer
                }
                collect(position);
                if (dice >= 80 && dice < 90) {
                    checkpoints.add(
                            new Checkpoint(harness.snapshot(checkpointId, checkpointId), position));
                    if (Boolean.getBoolean("verbose")) {
                        System.out.println("checkpoint at " + position);
                    }
                    publish();
                    checkpointId++;
                } else if (dice >= 97 && failures < 6) {
                    // a failure: what was emitted since the last checkpoint is lost; restore the
                    // latest
                    // checkpoint, or roll back to an older one (a savepoint)
                    failures++;
                    Checkpoint to =
                            random.nextBoolean()
                                    ? checkpoints.get(checkpoints.size() - 1)
                                    : checkpoints.get(random.nextInt(checkpoints.size()));
                    if (to == checkpoints.get(checkpoints.size() - 1)) {
                        restores++;
                    } else {
                        rollbacks++;
                    }
                    if (Boolean.getBoolean("verbose")) {
                        System.out.println("FAILURE at " + position + ": back to " + to.position);
                    }
                    open(to.state);
                    advance(10 * EMPTY_LIST); // a stop: every restored timer is overdue
                    collect(to.position);
                    position = to.position;
                }
            }
            advance(10 * EMPTY_LIST);
            collect(position);
            publish();

            // the outputs converge to the table
            for (String list : lists) {
                long expected =
                        table.entrySet().stream()
                                .filter(en -> en.getKey().startsWith(list + "|") && en.getValue())
                                .count();
                Emitted<ListAggregate> row = rows.current(list);
                long shown = row == null ? 0 : row.value.taskCount;
                assertThat(shown)
                        .as("list %s's live count as a guarded reader sees it", list)
                        .isEqualTo(expected);
            }
            for (Map.Entry<String, Boolean> item : table.entrySet()) {
                Emitted<ItemUpdate> doc = documents.current(item.getKey());
                String shown = doc == null || doc.value.delete ? null : doc.value.documentJson;
                assertThat(shown)
                        .as("item %s's document", item.getKey())
                        .isEqualTo(item.getValue() ? images.get(item.getKey()) : null);
            }
            assertThat(emitted).as("the trial emits aggregates").isPositive();
            harness.close();
            Objects.requireNonNull(seed);
        }
    }
}

package io.streamsync.aggregate;

import static io.streamsync.aggregate.PartsFixtures.change;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import org.junit.jupiter.api.Test;

/** The sequence guard and the live count, without Flink. */
class LiveCountTest {
    private final AggregatorMetrics metrics = PartsFixtures.metrics();
    private final PartsFixtures.Marks marks = new PartsFixtures.Marks();
    private final ListMeta meta = new ListMeta();

    private static final long RETENTION = 60_000;
    private static final long T0 = 1_704_067_200_000L;

    /** The list's event time. */
    private long now = T0;

    private LiveCount count(boolean ttlExpiryRemoves) {
        return new LiveCount(ttlExpiryRemoves, RETENTION, metrics);
    }

    private LiveCount.ItemOutput offer(LiveCount count, ChangeEvent e) throws Exception {
        LiveCount.Applied a = offerVersioned(count, e);
        return a == null ? null : a.output;
    }

    private LiveCount.Applied offerVersioned(LiveCount count, ChangeEvent e) throws Exception {
        long time = Versions.versionTime(e.approximateCreationTimeMillis, now, Versions.UNKNOWN);
        if (!count.isNew(e, marks, now) || count.staysOut(e, marks, now, time)) {
            return null;
        }
        return count.apply(e, marks, meta, now, time);
    }

    @Test
    void countsPresenceNotRecords() throws Exception {
        LiveCount count = count(true);
        offer(count, change(ChangeType.INSERT, "a", "1", T0, "10"));
        offer(
                count,
                change(
                        ChangeType.MODIFY,
                        "a",
                        "2",
                        T0,
                        "11")); // a modify of an unseen item counts it
        offer(
                count,
                change(
                        ChangeType.INSERT,
                        "a",
                        "1",
                        T0,
                        "12")); // an insert of a present item does not
        assertThat(offer(count, change(ChangeType.REMOVE, "a", "ghost", T0, "13")))
                .isEqualTo(LiveCount.ItemOutput.DELETE);
        assertThat(meta.taskCount).isEqualTo(2);
        assertThat(metrics.removesOfUnknownItems.getCount()).isEqualTo(1);
        assertThat(marks.live).containsOnlyKeys("a|1", "a|2");
        assertThat(marks.removed).containsOnlyKeys("a|ghost");
    }

    @Test
    void refusesAChangeNotNewerThanTheItemsLastOneLiveOrRemoved() throws Exception {
        LiveCount count = count(true);
        offer(count, change(ChangeType.INSERT, "a", "1", T0, "300"));
        assertThat(count.isNew(change(ChangeType.REMOVE, "a", "1", T0, "200"), marks, now))
                .isFalse();
        assertThat(count.isNew(change(ChangeType.MODIFY, "a", "1", T0, "300"), marks, now))
                .as("the same record again")
                .isFalse();
        offer(count, change(ChangeType.REMOVE, "a", "1", T0, "400"));
        assertThat(count.isNew(change(ChangeType.INSERT, "a", "1", T0, "350"), marks, now))
                .as("older than the removal")
                .isFalse();
        assertThat(count.isNew(change(ChangeType.INSERT, "a", "1", T0, "401"), marks, now))
                .isTrue();
        assertThat(metrics.outdatedIgnored.getCount()).isEqualTo(3);
    }

    @Test
    void comparesSequenceNumbersAsNumbers() throws Exception {
        LiveCount count = count(true);
        offer(count, change(ChangeType.INSERT, "a", "1", T0, "99999999999999999999"));
        assertThat(
                        count.isNew(
                                change(ChangeType.REMOVE, "a", "1", T0, "100000000000000000000"),
                                marks,
                                now))
                .isTrue();
        assertThat(
                        count.isNew(
                                change(ChangeType.REMOVE, "a", "1", T0, "9999999999999999999"),
                                marks,
                                now))
                .isFalse();
    }

    @Test
    void aSnapshotAppliesOnlyToAnItemTheListKnowsNothingOf() throws Exception {
        LiveCount count = count(true);
        offer(count, change(ChangeType.SNAPSHOT, "a", "1", -1, "0"));
        assertThat(ItemMark.parse(marks.live.get("a|1")).sequenceNumber)
                .isEqualTo(LiveCount.SNAPSHOT_SEQUENCE);
        assertThat(count.isNew(change(ChangeType.MODIFY, "a", "1", T0, "1"), marks, now))
                .as("any stream record is newer")
                .isTrue();
        offer(count, change(ChangeType.REMOVE, "a", "2", T0, "5"));
        assertThat(count.isNew(change(ChangeType.SNAPSHOT, "a", "2", -1, "0"), marks, now))
                .as("removed since")
                .isFalse();
        assertThat(metrics.scanSuperseded.getCount()).isEqualTo(1);
        assertThat(meta.taskCount).isEqualTo(1);
    }

    @Test
    void anItemLeavingTheFilterLeavesTheCountAndOneThatNeverMatchedStaysOut() throws Exception {
        LiveCount count = count(true);
        offer(count, change(ChangeType.INSERT, "a", "1", T0, "10"));
        ChangeEvent leaves = change(ChangeType.MODIFY, "a", "1", T0, "11");
        leaves.filteredOut = true;
        assertThat(offer(count, leaves)).isEqualTo(LiveCount.ItemOutput.DELETE);
        ChangeEvent never = change(ChangeType.INSERT, "a", "2", T0, "12");
        never.filteredOut = true;
        assertThat(offer(count, never)).as("stays out: nothing to output").isNull();
        assertThat(count.isNew(change(ChangeType.INSERT, "a", "2", T0, "11"), marks, now))
                .as("an older matching record")
                .isFalse();
        assertThat(meta.taskCount).isZero();
        assertThat(metrics.itemsLeftFilter.getCount()).isEqualTo(1);
        assertThat(metrics.filteredIgnored.getCount()).isEqualTo(1);
    }

    @Test
    void inKeepModeATtlExpiryLeavesTheItemCounted() throws Exception {
        LiveCount count = count(false);
        offer(count, change(ChangeType.INSERT, "a", "1", T0, "10"));
        ChangeEvent expiry = change(ChangeType.REMOVE, "a", "1", T0, "11");
        expiry.ttlExpiry = true;
        assertThat(offer(count, expiry)).isEqualTo(LiveCount.ItemOutput.NONE);
        assertThat(meta.taskCount).isEqualTo(1);
        assertThat(count.isNew(expiry, marks, now))
                .as("the expiry is remembered as applied")
                .isFalse();
        assertThat(metrics.ttlKept.getCount()).isEqualTo(1);
    }

    @Test
    void anItemsVersionFollowsItsOwnChangesOnly() throws Exception {
        LiveCount count = count(true);
        LiveCount.Applied x1 = offerVersioned(count, change(ChangeType.INSERT, "a", "x", T0, "10"));
        offer(count, change(ChangeType.INSERT, "a", "y", T0, "11"));
        offer(count, change(ChangeType.MODIFY, "a", "y", T0, "12"));
        LiveCount.Applied x2 = offerVersioned(count, change(ChangeType.MODIFY, "a", "x", T0, "13"));
        LiveCount.Applied x3 =
                offerVersioned(count, change(ChangeType.REMOVE, "a", "x", T0 + 5, "14"));
        assertThat(x1.version).isEqualTo(T0 * 1000 + 1);
        assertThat(x2.version)
                .as("other items' changes in between do not count")
                .isEqualTo(T0 * 1000 + 2);
        assertThat(x3.version).isEqualTo((T0 + 5) * 1000 + 1);
        assertThat(ItemMark.parse(marks.removed.get("a|x")).removedAt).isEqualTo(T0 + 5);
    }

    @Test
    void aRemovedItemIsRememberedUntilTheListsEventTimePassesItsRetention() throws Exception {
        LiveCount count = count(true);
        ChangeEvent insert = change(ChangeType.INSERT, "a", "1", T0, "10");
        offer(count, insert);
        offer(count, change(ChangeType.REMOVE, "a", "1", T0 + 1, "11"));
        now = T0 + 1 + RETENTION - 1;
        assertThat(count.isNew(insert, marks, now))
                .as("a duplicate within the retention")
                .isFalse();
        assertThat(count.prune(marks.removed.entrySet(), marks, now)).isFalse();
        now = T0 + 1 + RETENTION;
        assertThat(count.isNew(insert, marks, now))
                .as("forgotten once the list's time passes it")
                .isTrue();
        assertThat(count.prune(new java.util.ArrayList<>(marks.removed.entrySet()), marks, now))
                .isTrue();
        assertThat(marks.removed).isEmpty();
    }

    @Test
    void aMarkOfAnOlderReleaseIsDatedWhenFirstWalked() throws Exception {
        LiveCount count = count(true);
        marks.removed.put("a|1", "11"); // 0.2.0: the sequence number alone
        assertThat(
                        count.isNew(
                                change(ChangeType.INSERT, "a", "1", T0, "10"),
                                marks,
                                T0 + 10 * RETENTION))
                .isFalse();
        assertThat(count.prune(new java.util.ArrayList<>(marks.removed.entrySet()), marks, T0))
                .isFalse();
        assertThat(marks.removed.get("a|1")).isEqualTo("11;0;" + T0);
        assertThat(
                        count.isNew(
                                change(ChangeType.INSERT, "a", "1", T0, "10"),
                                marks,
                                T0 + RETENTION))
                .isTrue();
    }
}

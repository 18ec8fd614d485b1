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

    private LiveCount.ItemOutput offer(LiveCount count, ChangeEvent e) throws Exception {
        if (!count.isNew(e, marks) || count.staysOut(e, marks)) {
            return null;
        }
        return count.apply(e, marks, meta);
    }

    @Test
    void countsPresenceNotRecords() throws Exception {
        LiveCount count = new LiveCount(true, metrics);
        offer(count, change(ChangeType.INSERT, "a", "1", 0, "10"));
        offer(count, change(ChangeType.MODIFY, "a", "2", 0, "11")); // a modify of an unseen item counts it
        offer(count, change(ChangeType.INSERT, "a", "1", 0, "12")); // an insert of a present item does not
        assertThat(offer(count, change(ChangeType.REMOVE, "a", "ghost", 0, "13"))).isEqualTo(LiveCount.ItemOutput.DELETE);
        assertThat(meta.taskCount).isEqualTo(2);
        assertThat(metrics.removesOfUnknownItems.getCount()).isEqualTo(1);
        assertThat(marks.live).containsOnlyKeys("a|1", "a|2");
        assertThat(marks.removed).containsOnlyKeys("a|ghost");
    }

    @Test
    void refusesAChangeNotNewerThanTheItemsLastOneLiveOrRemoved() throws Exception {
        LiveCount count = new LiveCount(true, metrics);
        offer(count, change(ChangeType.INSERT, "a", "1", 0, "300"));
        assertThat(count.isNew(change(ChangeType.REMOVE, "a", "1", 0, "200"), marks)).isFalse();
        assertThat(count.isNew(change(ChangeType.MODIFY, "a", "1", 0, "300"), marks)).as("the same record again").isFalse();
        offer(count, change(ChangeType.REMOVE, "a", "1", 0, "400"));
        assertThat(count.isNew(change(ChangeType.INSERT, "a", "1", 0, "350"), marks)).as("older than the removal").isFalse();
        assertThat(count.isNew(change(ChangeType.INSERT, "a", "1", 0, "401"), marks)).isTrue();
        assertThat(metrics.outdatedIgnored.getCount()).isEqualTo(3);
    }

    @Test
    void comparesSequenceNumbersAsNumbers() throws Exception {
        LiveCount count = new LiveCount(true, metrics);
        offer(count, change(ChangeType.INSERT, "a", "1", 0, "99999999999999999999"));
        assertThat(count.isNew(change(ChangeType.REMOVE, "a", "1", 0, "100000000000000000000"), marks)).isTrue();
        assertThat(count.isNew(change(ChangeType.REMOVE, "a", "1", 0, "9999999999999999999"), marks)).isFalse();
    }

    @Test
    void aSnapshotAppliesOnlyToAnItemTheListKnowsNothingOf() throws Exception {
        LiveCount count = new LiveCount(true, metrics);
        offer(count, change(ChangeType.SNAPSHOT, "a", "1", -1, "0"));
        assertThat(marks.live).containsEntry("a|1", LiveCount.SNAPSHOT_SEQUENCE);
        assertThat(count.isNew(change(ChangeType.MODIFY, "a", "1", 0, "1"), marks)).as("any stream record is newer").isTrue();
        offer(count, change(ChangeType.REMOVE, "a", "2", 0, "5"));
        assertThat(count.isNew(change(ChangeType.SNAPSHOT, "a", "2", -1, "0"), marks)).as("removed since").isFalse();
        assertThat(metrics.scanSuperseded.getCount()).isEqualTo(1);
        assertThat(meta.taskCount).isEqualTo(1);
    }

    @Test
    void anItemLeavingTheFilterLeavesTheCountAndOneThatNeverMatchedStaysOut() throws Exception {
        LiveCount count = new LiveCount(true, metrics);
        offer(count, change(ChangeType.INSERT, "a", "1", 0, "10"));
        ChangeEvent leaves = change(ChangeType.MODIFY, "a", "1", 0, "11");
        leaves.filteredOut = true;
        assertThat(offer(count, leaves)).isEqualTo(LiveCount.ItemOutput.DELETE);
        ChangeEvent never = change(ChangeType.INSERT, "a", "2", 0, "12");
        never.filteredOut = true;
        assertThat(offer(count, never)).as("stays out: nothing to output").isNull();
        assertThat(count.isNew(change(ChangeType.INSERT, "a", "2", 0, "11"), marks)).as("an older matching record").isFalse();
        assertThat(meta.taskCount).isZero();
        assertThat(metrics.itemsLeftFilter.getCount()).isEqualTo(1);
        assertThat(metrics.filteredIgnored.getCount()).isEqualTo(1);
    }

    @Test
    void inKeepModeATtlExpiryLeavesTheItemCounted() throws Exception {
        LiveCount count = new LiveCount(false, metrics);
        offer(count, change(ChangeType.INSERT, "a", "1", 0, "10"));
        ChangeEvent expiry = change(ChangeType.REMOVE, "a", "1", 0, "11");
        expiry.ttlExpiry = true;
        assertThat(offer(count, expiry)).isEqualTo(LiveCount.ItemOutput.NONE);
        assertThat(meta.taskCount).isEqualTo(1);
        assertThat(count.isNew(expiry, marks)).as("the expiry is remembered as applied").isFalse();
        assertThat(metrics.ttlKept.getCount()).isEqualTo(1);
    }
}

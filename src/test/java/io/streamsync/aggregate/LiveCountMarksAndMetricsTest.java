package io.streamsync.aggregate;

import static io.streamsync.aggregate.PartsFixtures.change;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeType;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * What the mutation check (issue 32, testing page "Mutation check") found unguarded in the live
 * count: the guard's refusals counted on the right side (an applied change is not "outdated"), and
 * an item that comes back after its removal leaving no removed mark behind. Kills {@code if
 * (!applies)} negated in {@code LiveCount.isNew} and the call to {@code removeRemoved} removed in
 * {@code LiveCount.apply}.
 */
class LiveCountMarksAndMetricsTest {
    private static final long T0 = 1_704_067_200_000L;

    /** Counters a test can read back. */
    private static final class Metrics extends UnregisteredMetricsGroup {
        final Map<String, Counter> counters = new HashMap<>();

        @Override
        public Counter counter(String name) {
            return counters.computeIfAbsent(name, n -> super.counter(n));
        }

        long count(String name) {
            Counter c = counters.get(name);
            return c == null ? 0 : c.getCount();
        }
    }

    @Test
    void onlyRefusedChangesAreCountedAsOutdatedOrSuperseded() throws Exception {
        Metrics m = new Metrics();
        LiveCount count = new LiveCount(true, 60_000, new AggregatorMetrics(m));
        PartsFixtures.Marks marks = new PartsFixtures.Marks();
        ListMeta meta = new ListMeta();
        assertThat(count.isNew(change(ChangeType.INSERT, "l", "1", T0, "10"), marks, T0)).isTrue();
        count.apply(change(ChangeType.INSERT, "l", "1", T0, "10"), marks, meta, T0, T0);
        assertThat(m.count("duplicateOrOutdatedIgnored")).isZero();
        assertThat(m.count("scanItemsSupersededByStream")).isZero();

        assertThat(count.isNew(change(ChangeType.MODIFY, "l", "1", T0, "9"), marks, T0)).isFalse();
        assertThat(count.isNew(change(ChangeType.SNAPSHOT, "l", "1", T0, "0"), marks, T0))
                .isFalse();
        assertThat(m.count("duplicateOrOutdatedIgnored")).isEqualTo(1);
        assertThat(m.count("scanItemsSupersededByStream")).isEqualTo(1);
    }

    @Test
    void anItemBackAfterItsRemovalIsLiveOnly() throws Exception {
        LiveCount count = new LiveCount(true, 60_000, PartsFixtures.metrics());
        PartsFixtures.Marks marks = new PartsFixtures.Marks();
        ListMeta meta = new ListMeta();
        count.apply(change(ChangeType.INSERT, "l", "1", T0, "10"), marks, meta, T0, T0);
        count.apply(change(ChangeType.REMOVE, "l", "1", T0, "11"), marks, meta, T0, T0);
        assertThat(marks.removed).containsOnlyKeys(ItemKeysOf.item("l", "1"));
        count.apply(change(ChangeType.INSERT, "l", "1", T0, "12"), marks, meta, T0, T0);
        assertThat(meta.taskCount).isEqualTo(1);
        assertThat(marks.live).containsOnlyKeys(ItemKeysOf.item("l", "1"));
        assertThat(marks.removed).as("no removed mark left behind").isEmpty();
    }

    /** The item key as the fixtures make it. */
    private static final class ItemKeysOf {
        static String item(String list, String item) {
            return change(ChangeType.INSERT, list, item, T0, "1").itemKey;
        }
    }
}

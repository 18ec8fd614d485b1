package io.streamsync.aggregate;

import static io.streamsync.aggregate.PartsFixtures.change;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import org.junit.jupiter.api.Test;

/** The event-time windows of one list, without Flink. */
class EventTimeWindowsTest {
    private static final long W = 10_000;
    private static final long T0 = 1_704_067_200_000L;
    private final AggregatorMetrics metrics = PartsFixtures.metrics();
    private final PartsFixtures.Windows store = new PartsFixtures.Windows();
    private final ListMeta meta = new ListMeta();
    private final EventTimeWindows windows =
            new EventTimeWindows(W, 0, true, "list-aggregator", metrics);

    private EventTimeWindows.Counted count(ChangeEvent e, long watermark) throws Exception {
        return windows.count(e, e.approximateCreationTimeMillis, true, meta, watermark, store);
    }

    private static ChangeEvent withId(ChangeEvent e, String id) {
        e.eventId = id;
        return e;
    }

    @Test
    void countsEachRecordOnceInTheWindowOfItsCreationTime() throws Exception {
        ChangeEvent insert = withId(change(ChangeType.INSERT, "a", "1", T0 + 5, "10"), "e1");
        assertThat(count(insert, Long.MIN_VALUE).openedWindowFinalAt).isEqualTo(T0 + W - 1);
        assertThat(count(insert, Long.MIN_VALUE).openedWindowFinalAt).isEqualTo(Long.MIN_VALUE);
        count(withId(change(ChangeType.MODIFY, "a", "1", T0 + W - 1, "11"), "e2"), Long.MIN_VALUE);
        ChangeEvent expiry = withId(change(ChangeType.REMOVE, "a", "1", T0 + W, "12"), "e3");
        expiry.ttlExpiry = true;
        count(expiry, Long.MIN_VALUE);
        assertThat(store.open).containsOnlyKeys(T0, T0 + W);
        assertThat(store.open.get(T0).inserted).isEqualTo(1);
        assertThat(store.open.get(T0).modified).isEqualTo(1);
        assertThat(store.open.get(T0 + W).removed).isEqualTo(1);
        assertThat(store.open.get(T0 + W).expired).isEqualTo(1);
        assertThat(metrics.windowDuplicates.getCount()).isEqualTo(1);
    }

    @Test
    void finishesTheWindowsFinalAtTheWatermarkOldestFirstAndKeepsTheLatestInTheList()
            throws Exception {
        count(withId(change(ChangeType.INSERT, "a", "1", T0 + W + 1, "10"), "e1"), Long.MIN_VALUE);
        count(withId(change(ChangeType.INSERT, "a", "2", T0 + 1, "11"), "e2"), Long.MIN_VALUE);
        count(withId(change(ChangeType.INSERT, "a", "3", T0 + 3 * W, "12"), "e3"), Long.MIN_VALUE);
        assertThat(windows.finish("a", T0 + W - 2, meta, store)).isEmpty();
        assertThat(windows.finish("a", T0 + 2 * W - 1, meta, store))
                .extracting(w -> w.windowStart)
                .containsExactly(T0, T0 + W);
        assertThat(meta.finalWindowStart).isEqualTo(T0 + W);
        assertThat(meta.finalInserted).isEqualTo(1);
        assertThat(store.counted)
                .as("the finished windows' identities are forgotten")
                .containsOnlyKeys("e3");
        assertThat(metrics.windowsPublished.getCount()).isEqualTo(2);
    }

    @Test
    void aNewChangeOfAFinalWindowIsLateAndADuplicateOfOneIsNot() throws Exception {
        ChangeEvent first = withId(change(ChangeType.INSERT, "a", "1", T0, "10"), "e1");
        count(first, Long.MIN_VALUE);
        windows.finish("a", T0 + W - 1, meta, store);
        EventTimeWindows.Counted late =
                count(
                        withId(change(ChangeType.INSERT, "a", "2", T0 + 7, "11"), "e2"),
                        Long.MIN_VALUE); // a restore: the watermark starts anew, the list remembers
        assertThat(late.late()).isTrue();
        assertThat(late.lateWindowStart).isEqualTo(T0);
        assertThat(windows.count(first, T0, false, meta, Long.MIN_VALUE, store).late())
                .as("a duplicate")
                .isFalse();
        assertThat(store.open).isEmpty();
        assertThat(metrics.lateChanges.getCount()).isEqualTo(1);
        assertThat(windows.lateLetter(first, T0, T0 + W - 1, 0, 4096).reason)
                .startsWith(
                        "late change: its window [2024-01-01T00:00:00Z, 2024-01-01T00:00:10Z) was final");
    }

    @Test
    void theEndOfTheInputFinishesEveryWindowButIsNoEventTime() throws Exception {
        count(withId(change(ChangeType.INSERT, "a", "1", T0, "10"), "e1"), Long.MIN_VALUE);
        assertThat(windows.finish("a", Long.MAX_VALUE, meta, store)).hasSize(1);
        assertThat(meta.finalWatermark).isEqualTo(T0 + W - 1);
        assertThat(
                        count(
                                        withId(
                                                change(ChangeType.INSERT, "a", "2", T0 + W, "11"),
                                                "e2"),
                                        Long.MIN_VALUE)
                                .late())
                .as("a later window stays open after a drain")
                .isFalse();
    }
}

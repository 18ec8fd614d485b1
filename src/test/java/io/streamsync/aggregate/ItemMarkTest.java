package io.streamsync.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The text form of an item's mark, and the marks of older releases. */
class ItemMarkTest {
    @Test
    void readsWhatItWritesAndTheBareSequenceNumbersOfOlderReleases() {
        ItemMark live = ItemMark.parse(ItemMark.live("123", 45));
        assertThat(live.sequenceNumber).isEqualTo("123");
        assertThat(live.version).isEqualTo(45);
        assertThat(live.removedAt).isEqualTo(Versions.UNKNOWN);
        ItemMark removed = ItemMark.parse(ItemMark.removed("124", 46, 1_000));
        assertThat(removed.version).isEqualTo(46);
        assertThat(removed.removedAt).isEqualTo(1_000);
        ItemMark old = ItemMark.parse("1405400000000002063282832"); // 0.2.0
        assertThat(old.sequenceNumber).isEqualTo("1405400000000002063282832");
        assertThat(old.version).isZero();
        assertThat(ItemMark.parse(null)).isNull();
    }

    @Test
    void expiresOnlyWhenTheListsTimePassesTheRemovalByTheRetention() {
        ItemMark removed = ItemMark.parse(ItemMark.removed("1", 1, 1_000));
        assertThat(removed.expired(60_999, 60_000)).isFalse();
        assertThat(removed.expired(61_000, 60_000)).isTrue();
        assertThat(removed.expired(Versions.UNKNOWN, 60_000)).isFalse();
        assertThat(ItemMark.parse("1").expired(Long.MAX_VALUE - 1, 60_000))
                .as("undated: kept")
                .isFalse();
    }
}

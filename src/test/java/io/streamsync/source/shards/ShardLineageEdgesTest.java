package io.streamsync.source.shards;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.source.stream.ListedShard;
import io.streamsync.source.stream.StartPosition;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Edges of the shard lineage that the mutation check (issue 32, testing page "Mutation check")
 * found unguarded: a listing that names a new child before its new parent, the report of a shard
 * the lineage never listed, a finished shard reported again, the memory of pruned parents (in
 * memory and through a checkpoint), and whether a restored lineage had its first listing. Each test
 * names the PIT mutants it kills.
 */
class ShardLineageEdgesTest {
    private static final long T = 1_700_000_000_000L;
    private static final Duration DAY = Duration.ofDays(1);

    private static ListedShard open(String id, String... parents) {
        return new ListedShard(id, List.of(parents), false);
    }

    private static ListedShard closed(String id, String... parents) {
        return new ListedShard(id, List.of(parents), true);
    }

    private static List<String> ids(List<ShardSplit> splits) {
        return splits.stream().map(s -> s.shardId).collect(Collectors.toList());
    }

    private static List<String> lost(List<ShardLineage.LostParent> lost) {
        return lost.stream().map(ShardLineage.LostParent::toString).collect(Collectors.toList());
    }

    private static ShardLineage roundTrip(ShardLineage l) throws Exception {
        ShardLineageSerializer ser = new ShardLineageSerializer();
        return ser.deserialize(ser.getVersion(), ser.serialize(l));
    }

    /** Kills: listed's collection of the listing's ids removed (the listed parent seen as lost). */
    @Test
    void aLaterListingNamingANewChildBeforeItsNewParentLosesNothing() {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(open("a")), T);
        assertThat(l.listed(List.of(open("a"), open("c", "p"), closed("p")), T)).isEmpty();
        assertThat(l.size()).isEqualTo(3);
        assertThat(ids(l.takeReady())).containsExactly("a", "p");
    }

    /** Kills: LostParent.toString's empty return; size's return of 0. */
    @Test
    void aLostParentNamesItselfAndItsChild() {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(open("a")), T);
        assertThat(lost(l.listed(List.of(open("c", "gone")), T)))
                .containsExactly("gone (parent of c)");
        assertThat(l.size()).isEqualTo(2);
    }

    /**
     * Kills: finished's {@code t == null} negated (an unknown shard's report fails, a known one's
     * loses its parents and its finish time); knows returning a constant.
     */
    @Test
    void aShardReportedFinishedBeforeItsListingIsRememberedAndARepeatedReportKeepsTheFirstTime() {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        assertThat(l.knows("u")).isFalse();
        l.finished("u", T);
        assertThat(l.knows("u")).isTrue();
        assertThat(l.status("u")).isEqualTo(ShardLineage.Status.FINISHED);

        l.listed(List.of(closed("p"), open("c", "p")), T);
        assertThat(ids(l.takeReady())).containsExactly("p");
        l.finished("c", T); // c: listed with its parent p
        assertThat(l.parentsOf("c")).containsExactly("p");
        l.finished("p", T);
        l.finished("p", T + DAY.toMillis()); // re-reported by a restored reader a day later
        assertThat(l.prune(Set.of(), T + DAY.toMillis(), DAY))
                .as("finished a day ago by its first report: pruned with u and c")
                .isEqualTo(3);
    }

    /** Kills: reopened returning true for a shard that was not finished. */
    @Test
    void onlyAFinishedShardIsReopened() {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(open("a"), open("b")), T);
        assertThat(ids(l.takeReady())).containsExactly("a", "b");
        assertThat(l.reopened("a")).isFalse();
        assertThat(l.reopened("unknown")).isFalse();
        l.finished("b", T);
        assertThat(l.reopened("b")).isTrue();
        assertThat(l.status("b")).isEqualTo(ShardLineage.Status.ASSIGNED);
    }

    /**
     * Kills: prune not remembering what it forgot ({@code if (gone)} negated), and every mutant of
     * forgetting that memory after another retention (always, never, a day early, at the boundary
     * one millisecond late).
     */
    @Test
    void aPrunedParentIsRememberedForOneRetentionSoItsLateChildLosesNothing() {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(closed("p")), T);
        l.takeReady();
        l.finished("p", T);
        long pruned = T + DAY.toMillis();
        assertThat(l.prune(Set.of(), pruned, DAY)).isEqualTo(1);
        assertThat(l.knows("p")).isFalse();

        assertThat(l.prune(Set.of(), pruned + DAY.toMillis() - 1, DAY)).isZero();
        assertThat(l.listed(List.of(open("c1", "p")), pruned + DAY.toMillis() - 1))
                .as("p was finished and pruned: nothing lost")
                .isEmpty();
        assertThat(ids(l.takeReady())).containsExactly("c1");

        l.prune(Set.of("c1"), pruned + DAY.toMillis(), DAY); // another retention: p forgotten
        assertThat(
                        lost(
                                l.listed(
                                        List.of(open("c1", "p"), open("c2", "p")),
                                        pruned + DAY.toMillis())))
                .containsExactly("p (parent of c2)");
    }

    /** Kills: the serializer's forgotten() returning an empty map; restore not adopting it. */
    @Test
    void thePrunedParentsMemorySurvivesACheckpoint() throws Exception {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(closed("p")), T);
        l.takeReady();
        l.finished("p", T);
        l.prune(Set.of(), T + DAY.toMillis(), DAY);
        ShardLineage restored = roundTrip(l);
        assertThat(restored.listed(List.of(open("c", "p")), T + DAY.toMillis())).isEmpty();
    }

    /**
     * Kills: listedBefore() returning a constant: a restored lineage that never listed treats its
     * first listing as the first (LATEST: closed shards count as finished), and one that listed
     * reports a later listing's unknown parents as lost.
     */
    @Test
    void aRestoredLineageKnowsWhetherItHadItsFirstListing() throws Exception {
        ShardLineage fresh = roundTrip(new ShardLineage(StartPosition.LATEST));
        assertThat(fresh.listed(List.of(closed("old", "gone"), open("now", "old")), T)).isEmpty();
        assertThat(fresh.status("old")).isEqualTo(ShardLineage.Status.FINISHED);

        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(open("a")), T);
        ShardLineage restored = roundTrip(l);
        assertThat(lost(restored.listed(List.of(open("a"), open("c", "gone")), T)))
                .containsExactly("gone (parent of c)");
    }
}

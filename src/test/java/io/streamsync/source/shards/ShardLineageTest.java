package io.streamsync.source.shards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.source.stream.ListedShard;
import io.streamsync.source.stream.StartPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ShardLineageTest {
    private static final long T = 1_700_000_000_000L;

    private static ListedShard open(String id, String... parents) {
        return new ListedShard(id, List.of(parents), false);
    }

    private static ListedShard closed(String id, String... parents) {
        return new ListedShard(id, List.of(parents), true);
    }

    private static List<String> ids(List<ShardSplit> splits) {
        return splits.stream().map(s -> s.shardId).collect(Collectors.toList());
    }

    @Test
    void childrenOfASplitStartOnlyOnceTheirParentIsFinished() {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(closed("p"), open("c1", "p"), open("c2", "p")), T);
        assertThat(l.takeReady()).containsExactly(new ShardSplit("p", StartPosition.TRIM_HORIZON));
        assertThat(l.takeReady()).isEmpty();
        l.finished("p", T);
        assertThat(l.takeReady())
                .containsExactly(
                        new ShardSplit("c1", StartPosition.TRIM_HORIZON),
                        new ShardSplit("c2", StartPosition.TRIM_HORIZON));
    }

    /**
     * Both orders of finishing: with the check mutated to look at the first parent only ({@code
     * parents.get(0)}), the first order below hands "m" out while "b" is still being read and this
     * test fails (issue 32: the earlier version finished "b" first only, and passed under that
     * mutation).
     */
    @Test
    void aMergedShardWaitsForBothParents() {
        for (List<String> order : List.of(List.of("a", "b"), List.of("b", "a"))) {
            ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
            l.listed(List.of(closed("a"), closed("b"), open("m", "a", "b")), T);
            assertThat(ids(l.takeReady())).containsExactly("a", "b");
            l.finished(order.get(0), T);
            assertThat(l.takeReady())
                    .as("%s finished, %s still being read", order.get(0), order.get(1))
                    .isEmpty();
            l.finished(order.get(1), T);
            assertThat(ids(l.takeReady())).containsExactly("m");
        }
    }

    @Test
    void aClosedParentWhoseChildrenAreNotListedYetHoldsNothingBack() {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(open("p")), T);
        assertThat(ids(l.takeReady())).containsExactly("p");
        l.finished("p", T); // closed and read; DescribeStream does not list its children yet
        assertThat(l.takeReady()).isEmpty();
        l.listed(List.of(closed("p"), open("c", "p")), T + 1000);
        assertThat(ids(l.takeReady())).containsExactly("c");
    }

    @Test
    void aShardWhoseParentIsGoneFromTheStreamStartsAtOnce() {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(open("c", "trimmed-long-ago")), T);
        assertThat(ids(l.takeReady())).containsExactly("c");
    }

    @Test
    void aRestoreBetweenFinishedAndAssignedAssignsTheChildrenExactlyOnce() throws Exception {
        ShardLineageSerializer ser = new ShardLineageSerializer();
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(closed("p"), open("c1", "p"), open("c2", "p")), T);
        l.takeReady();
        l.finished("p", T);
        byte[] checkpoint =
                ser.serialize(l); // the checkpoint falls here: finished, children not assigned yet

        ShardLineage restored = ser.deserialize(ser.getVersion(), checkpoint);
        assertThat(ids(restored.takeReady())).containsExactly("c1", "c2");
        restored.finished("p", T); // the reader re-reports its finished shard after the restore
        assertThat(restored.takeReady()).as("a repeated report assigns nothing twice").isEmpty();
    }

    @Test
    void aFinishedReportThatCameAfterTheCheckpointIsMadeAgainByTheRestoredReader()
            throws Exception {
        ShardLineageSerializer ser = new ShardLineageSerializer();
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(closed("p"), open("c", "p")), T);
        l.takeReady();
        byte[] checkpoint =
                ser.serialize(l); // the reader's report of p reaches the enumerator after this
        l.finished("p", T);

        ShardLineage restored = ser.deserialize(ser.getVersion(), checkpoint);
        assertThat(restored.status("p")).isEqualTo(ShardLineage.Status.ASSIGNED);
        assertThat(restored.takeReady()).as("c must wait: p is not known to be finished").isEmpty();
        restored.finished(
                "p", T); // the restored reader still holds p as finished and reports it again
        assertThat(ids(restored.takeReady())).containsExactly("c");
    }

    @Test
    void aReturnedSplitIsAssignedAgain() {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(open("s")), T);
        assertThat(ids(l.takeReady())).containsExactly("s");
        l.returned("s");
        assertThat(ids(l.takeReady())).containsExactly("s");
    }

    @Test
    void finishedShardsGoneFromTheStreamArePrunedAfterTheRetention() {
        ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
        l.listed(List.of(closed("old"), closed("p", "old"), open("c", "p")), T);
        l.takeReady();
        l.finished("old", T);
        l.takeReady();
        l.finished("p", T + 1000);
        l.takeReady();
        Duration day = Duration.ofHours(24);
        assertThat(l.prune(Set.of("p", "c"), T + day.toMillis() + 500, day))
                .as("old: unlisted and past retention")
                .isEqualTo(1);
        assertThat(l.status("old")).isNull();
        assertThat(l.prune(Set.of("c"), T + day.toMillis() + 500, day))
                .as("p finished less than a day ago")
                .isZero();
        assertThat(l.prune(Set.of("c"), T + day.toMillis() + 1000, day)).isEqualTo(1);
        assertThat(l.status("c"))
                .as("never an unfinished shard")
                .isEqualTo(ShardLineage.Status.ASSIGNED);
        l.listed(List.of(open("c"), open("late", "p")), T + day.toMillis() + 2000);
        assertThat(ids(l.takeReady()))
                .as("a child of a pruned (finished) parent starts at once")
                .containsExactly("late");
    }

    @Test
    void latestAppliesToTheShardsOfTheFirstListingOnlyAndLaterChildrenStartAtTheirBeginning() {
        ShardLineage l = new ShardLineage(StartPosition.LATEST);
        l.listed(List.of(closed("old"), open("head", "old")), T);
        assertThat(l.status("old")).isEqualTo(ShardLineage.Status.FINISHED);
        assertThat(l.takeReady())
                .as("LATEST resolved once, to the listing's time: a position a restore finds again")
                .containsExactly(new ShardSplit("head", StartPosition.atTimestamp(T)));
        l.finished("head", T + 1000);
        l.listed(List.of(closed("head", "old"), open("next", "head")), T + 2000);
        assertThat(l.takeReady())
                .containsExactly(new ShardSplit("next", StartPosition.TRIM_HORIZON));
    }

    @Test
    void atTimestampAppliesToTheFirstListingWithParentsBeforeChildren() {
        StartPosition at = StartPosition.atTimestamp(T - 60_000);
        ShardLineage l = new ShardLineage(at);
        l.listed(List.of(closed("p"), open("c", "p")), T);
        assertThat(l.takeReady()).containsExactly(new ShardSplit("p", at));
        l.finished("p", T);
        assertThat(l.takeReady()).containsExactly(new ShardSplit("c", at));
        l.listed(List.of(open("d", "c")), T + 1);
        l.finished("c", T + 2);
        assertThat(l.takeReady()).containsExactly(new ShardSplit("d", StartPosition.TRIM_HORIZON));
        assertThatThrownBy(() -> new ShardLineage(StartPosition.afterSequenceNumber("1")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSerializerKeepsEveryFieldAndRefusesUnknownVersions() throws Exception {
        ShardLineageSerializer ser = new ShardLineageSerializer();
        ShardLineage l = new ShardLineage(StartPosition.atTimestamp(T));
        l.listed(List.of(closed("a"), closed("b"), open("m", "a", "b")), T);
        l.takeReady();
        l.finished("a", T + 5);
        ShardLineage back = ser.deserialize(ser.getVersion(), ser.serialize(l));
        assertThat(back.counts()).isEqualTo(l.counts());
        assertThat(back.status("a")).isEqualTo(ShardLineage.Status.FINISHED);
        back.finished("b", T + 6);
        assertThat(back.takeReady())
                .containsExactly(new ShardSplit("m", StartPosition.atTimestamp(T)));
        assertThat(ser.serialize(back)).isNotEqualTo(ser.serialize(l));
        assertThatThrownBy(() -> ser.deserialize(3, ser.serialize(l)))
                .hasMessageContaining("unknown shard lineage version 3");

        // version 1 (what the golden savepoints hold): no gaps, no forgotten shards
        java.io.ByteArrayOutputStream v1 = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(v1)) {
            ShardLineageSerializer.writePosition(StartPosition.TRIM_HORIZON, out);
            out.writeBoolean(true);
            out.writeInt(2);
            out.writeUTF("p");
            out.writeByte(ShardLineage.Status.FINISHED.ordinal());
            out.writeLong(T);
            ShardLineageSerializer.writePosition(StartPosition.TRIM_HORIZON, out);
            out.writeByte(0);
            out.writeUTF("c");
            out.writeByte(ShardLineage.Status.ASSIGNED.ordinal());
            out.writeLong(0);
            ShardLineageSerializer.writePosition(StartPosition.afterSequenceNumber("5"), out);
            out.writeByte(1);
            out.writeUTF("p");
        }
        ShardLineage old = ser.deserialize(1, v1.toByteArray());
        assertThat(old.status("p")).isEqualTo(ShardLineage.Status.FINISHED);
        assertThat(old.parentsOf("c")).containsExactly("p");
        ShardLineage again = ser.deserialize(ser.getVersion(), ser.serialize(old));
        assertThat(again.counts()).isEqualTo(old.counts());
        old.markGap("c", "lost before c");
        old.returned("c");
        assertThat(ser.deserialize(ser.getVersion(), ser.serialize(old)).takeReady())
                .containsExactly(
                        new ShardSplit(
                                "c",
                                StartPosition.afterSequenceNumber("5"),
                                false,
                                -1L,
                                "lost before c"));
    }

    @Test
    void splitsKeepTheirPositionAndFinishedFlagThroughTheirSerializer() throws Exception {
        ShardSplitSerializer ser = new ShardSplitSerializer();
        for (ShardSplit s :
                List.of(
                        new ShardSplit("shardId-1", StartPosition.TRIM_HORIZON),
                        new ShardSplit("shardId-2", StartPosition.LATEST)
                                .after("4900000000000000000000000001234567890"),
                        new ShardSplit("shardId-3", StartPosition.atTimestamp(T)).asFinished(),
                        new ShardSplit(
                                "shardId-4",
                                StartPosition.afterSequenceNumber("12"),
                                true,
                                1_733_000_000_123L),
                        new ShardSplit(
                                "shardId-5",
                                StartPosition.TRIM_HORIZON,
                                false,
                                -1L,
                                "trimmed-data gap: parent lost"))) {
            assertThat(ser.deserialize(ser.getVersion(), ser.serialize(s))).isEqualTo(s);
        }
        assertThat(new ShardSplit("a", StartPosition.TRIM_HORIZON).after("7").start)
                .isEqualTo(StartPosition.afterSequenceNumber("7"));
        assertThatThrownBy(() -> ser.deserialize(9, new byte[0]))
                .hasMessageContaining("unknown shard split version 9");
        java.io.ByteArrayOutputStream v1 = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(v1)) {
            out.writeUTF("shardId-6");
            ShardLineageSerializer.writePosition(StartPosition.afterSequenceNumber("77"), out);
            out.writeBoolean(true);
            out.writeLong(42L);
        }
        assertThat(ser.deserialize(1, v1.toByteArray()))
                .isEqualTo(
                        new ShardSplit(
                                "shardId-6", StartPosition.afterSequenceNumber("77"), true, 42L));
    }

    /**
     * Random shard graphs (DynamoDB-style splits and Kinesis-style merges over generations), read
     * by readers that finish shards in random order, with listings that lag, duplicated reports,
     * and checkpoints restored at random points: every shard is assigned only after all its parents
     * finished, and every shard is eventually read.
     */
    @Test
    void onRandomGraphsParentsAlwaysFinishBeforeTheirChildrenStartAndEveryShardIsRead()
            throws Exception {
        ShardLineageSerializer ser = new ShardLineageSerializer();
        for (int seed = 0; seed < 300; seed++) {
            Random r = new Random(seed);
            Map<String, List<String>> parentsOf = new HashMap<>();
            List<String> order = new ArrayList<>();
            List<String> open = new ArrayList<>();
            for (int i = 0; i < 1 + r.nextInt(3); i++) {
                String id = "s" + order.size();
                parentsOf.put(id, List.of());
                order.add(id);
                open.add(id);
            }
            for (int g = 0; g < 6; g++) {
                String a = open.remove(r.nextInt(open.size()));
                if (r.nextBoolean() || open.isEmpty()) {
                    for (int k = 0; k < 2; k++) {
                        String id = "s" + order.size();
                        parentsOf.put(id, List.of(a));
                        order.add(id);
                        open.add(id);
                    }
                } else {
                    String b = open.remove(r.nextInt(open.size()));
                    String id = "s" + order.size();
                    parentsOf.put(id, List.of(a, b));
                    order.add(id);
                    open.add(id);
                }
            }
            ShardLineage l = new ShardLineage(StartPosition.TRIM_HORIZON);
            Set<String> finished = new HashSet<>();
            Set<String> reading = new HashSet<>();
            int visible = 1 + r.nextInt(order.size()); // listings lag: only the first shards are
            // listed at first
            byte[] checkpoint = null;
            Set<String> finishedAtCheckpoint = null;
            for (int step = 0; step < 500 && finished.size() < order.size(); step++) {
                visible = Math.min(order.size(), visible + r.nextInt(2));
                List<ListedShard> listing = new ArrayList<>();
                for (String id : order.subList(0, visible)) {
                    listing.add(new ListedShard(id, parentsOf.get(id), !open.contains(id)));
                }
                l.listed(listing, T + step);
                for (ShardSplit s : l.takeReady()) {
                    for (String p : parentsOf.get(s.shardId)) {
                        assertThat(finished)
                                .as(
                                        "seed %d: %s started before its parent %s finished",
                                        seed, s.shardId, p)
                                .contains(p);
                    }
                    reading.add(s.shardId);
                }
                if (!reading.isEmpty() && r.nextInt(3) > 0) {
                    String done = new ArrayList<>(reading).get(r.nextInt(reading.size()));
                    reading.remove(done);
                    finished.add(done);
                    l.finished(done, T + step);
                    if (r.nextInt(5) == 0) {
                        l.finished(done, T + step); // a repeated report
                    }
                }
                if (r.nextInt(10) == 0) {
                    checkpoint = ser.serialize(l);
                    finishedAtCheckpoint = new HashSet<>(finished);
                } else if (checkpoint != null && r.nextInt(25) == 0) {
                    // a restore: the readers' state comes from the same checkpoint; what they were
                    // reading then,
                    // and what they finished since, is reported again
                    l = ser.deserialize(ser.getVersion(), checkpoint);
                    finished = new HashSet<>(finishedAtCheckpoint);
                    reading.clear();
                    for (String id : order) {
                        if (l.status(id) == ShardLineage.Status.ASSIGNED) {
                            reading.add(id);
                        }
                    }
                    for (String id : finished) {
                        l.finished(id, T + step);
                    }
                }
            }
            assertThat(finished)
                    .as("seed %d: every shard read", seed)
                    .containsExactlyInAnyOrderElementsOf(order);
        }
    }
}

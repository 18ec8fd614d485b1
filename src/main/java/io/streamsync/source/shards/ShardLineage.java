package io.streamsync.source.shards;

import io.streamsync.source.stream.ListedShard;
import io.streamsync.source.stream.StartPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The enumerator's view of a stream's shard graph: which shards exist, which are being read, which
 * are finished, and which may start. A shard starts only once every parent it has is finished (or
 * gone from the stream: trimmed before the job saw it), so all changes of an item are read in the
 * order they were written, across splits (one parent) and merges (two). No I/O and no Flink: the
 * enumerator feeds it listings and readers' reports, and checkpoints it with {@link
 * ShardLineageSerializer}.
 *
 * <p>Every report is idempotent: a shard reported finished twice (a reader re-reports the finished
 * shards of its restored state, because the first report may have reached the enumerator after the
 * enumerator's checkpoint) or listed again changes nothing.
 *
 * <p>Where the first readers start: the {@code initial} position applies to the shards of the first
 * listing only. With {@link StartPosition#LATEST} the closed shards of that listing count as
 * finished (nothing will be added to them) and its open shards start at the listing's time
 * (AT_TIMESTAMP, never LATEST); every shard listed later starts at its beginning, so nothing
 * written after the job started is skipped. With {@code TRIM_HORIZON} or {@code AT_TIMESTAMP}, the
 * first listing's shards start there, parents before children.
 */
public final class ShardLineage {
    /** What the lineage knows of one shard. */
    public enum Status {
        /** Listed, not handed to a reader yet (waiting for its parents, or ready). */
        WAITING,
        /** Handed to a reader, which reads it. */
        ASSIGNED,
        /** Read to its end (or nothing to read in it). */
        FINISHED
    }

    static final class Tracked {
        final String id;
        final List<String> parents;
        final StartPosition start;
        Status status;

        /** When it was reported finished (epoch ms), for pruning. */
        long finishedAt;

        /**
         * Data lost before this shard, to report as a gap when it is read (a parent trimmed before
         * the job knew it); null if none. Kept until the shard is finished, so that a reassignment
         * reports it again.
         */
        String gap;

        Tracked(
                String id,
                List<String> parents,
                StartPosition start,
                Status status,
                long finishedAt) {
            this(id, parents, start, status, finishedAt, null);
        }

        Tracked(
                String id,
                List<String> parents,
                StartPosition start,
                Status status,
                long finishedAt,
                String gap) {
            this.id = id;
            this.parents = List.copyOf(parents);
            this.start = start;
            this.status = status;
            this.finishedAt = finishedAt;
            this.gap = gap;
        }
    }

    /**
     * A shard of a later listing whose parent the lineage never knew: the parent was created and
     * trimmed unread.
     */
    public static final class LostParent {
        public final String shardId;
        public final String parentId;

        LostParent(String shardId, String parentId) {
            this.shardId = shardId;
            this.parentId = parentId;
        }

        @Override
        public String toString() {
            return parentId + " (parent of " + shardId + ")";
        }
    }

    private final StartPosition initial;
    private final Map<String, Tracked> shards = new LinkedHashMap<>();

    /**
     * Finished shards forgotten by {@link #prune}, with when (epoch ms): a child listed later lost
     * nothing.
     */
    private final Map<String, Long> forgotten = new LinkedHashMap<>();

    private boolean listedBefore;

    public ShardLineage(StartPosition initial) {
        if (initial.type == StartPosition.Type.AFTER_SEQUENCE_NUMBER) {
            throw new IllegalArgumentException(
                    "an initial position is TRIM_HORIZON, LATEST or AT_TIMESTAMP");
        }
        this.initial = initial;
    }

    /**
     * Takes a complete listing of the stream (all pages); shards it knows already are left as they
     * are. Returns the parents that a later listing names but that the lineage never knew, nor the
     * listing lists: they were created and trimmed while the job was not reading (a stop longer
     * than the retention, or listings failing that long), so their changes are lost. The caller
     * reports them ({@link #markGap}, or fails).
     */
    public List<LostParent> listed(Collection<ListedShard> listing, long nowMillis) {
        boolean first = !listedBefore;
        List<LostParent> lost = new ArrayList<>();
        java.util.Set<String> listedIds = new java.util.HashSet<>();
        listing.forEach(s -> listedIds.add(s.id));
        for (ListedShard s : listing) {
            if (shards.containsKey(s.id)) {
                continue;
            }
            if (!first) {
                for (String p : s.parents) {
                    if (!shards.containsKey(p)
                            && !listedIds.contains(p)
                            && !forgotten.containsKey(p)) {
                        lost.add(new LostParent(s.id, p));
                    }
                }
                shards.put(
                        s.id,
                        new Tracked(
                                s.id, s.parents, StartPosition.TRIM_HORIZON, Status.WAITING, 0));
            } else if (initial.type == StartPosition.Type.LATEST) {
                // LATEST is resolved here, once: the open shards start at the first listing's time,
                // a position that a
                // restore, an expired iterator or a reassignment finds again (a new LATEST iterator
                // would skip
                // everything written in between)
                shards.put(
                        s.id,
                        s.closed
                                ? new Tracked(
                                        s.id,
                                        s.parents,
                                        StartPosition.LATEST,
                                        Status.FINISHED,
                                        nowMillis)
                                : new Tracked(
                                        s.id,
                                        List.of(),
                                        StartPosition.atTimestamp(nowMillis),
                                        Status.WAITING,
                                        0));
            } else {
                shards.put(s.id, new Tracked(s.id, s.parents, initial, Status.WAITING, 0));
            }
        }
        listedBefore = true;
        return lost;
    }

    /**
     * Adds shards found by a child-shard query (DescribeStream with a CHILD_SHARDS filter) before
     * the next full listing: they start at their beginning once their parents are finished. Does
     * not count as a listing.
     */
    public void discovered(Collection<ListedShard> children) {
        for (ListedShard s : children) {
            shards.putIfAbsent(
                    s.id,
                    new Tracked(s.id, s.parents, StartPosition.TRIM_HORIZON, Status.WAITING, 0));
        }
    }

    /**
     * Data was lost before {@code shardId}: its reader reports {@code description} as a gap when it
     * starts it.
     */
    public void markGap(String shardId, String description) {
        Tracked t = shards.get(shardId);
        if (t != null && t.status != Status.FINISHED) {
            t.gap = t.gap == null ? description : t.gap + "; " + description;
        }
    }

    /**
     * The shards that may start now, marked assigned: their parents are finished or unknown (gone).
     */
    public List<ShardSplit> takeReady() {
        List<ShardSplit> ready = new ArrayList<>();
        for (Tracked t : shards.values()) {
            if (t.status == Status.WAITING && parentsDone(t)) {
                t.status = Status.ASSIGNED;
                ready.add(new ShardSplit(t.id, t.start, false, -1L, t.gap));
            }
        }
        return ready;
    }

    private boolean parentsDone(Tracked t) {
        for (String p : t.parents) {
            Tracked parent = shards.get(p);
            if (parent != null && parent.status != Status.FINISHED) {
                return false;
            }
        }
        return true;
    }

    /**
     * A reader read the shard to its end. Unknown shards are recorded too (their listing may come
     * later).
     */
    public void finished(String shardId, long nowMillis) {
        Tracked t = shards.get(shardId);
        if (t == null) {
            shards.put(
                    shardId,
                    new Tracked(
                            shardId,
                            List.of(),
                            StartPosition.TRIM_HORIZON,
                            Status.FINISHED,
                            nowMillis));
        } else if (t.status != Status.FINISHED) {
            t.status = Status.FINISHED;
            t.finishedAt = nowMillis;
            t.gap = null;
        }
    }

    /**
     * A split came back (regional failover: it was assigned after the last completed checkpoint, so
     * the restored reader does not know it): it waits to be assigned again, from its start, even if
     * it was read to its end meanwhile: what was read of it since that checkpoint is rolled back
     * with the rest of the job.
     */
    public void returned(String shardId) {
        Tracked t = shards.get(shardId);
        if (t != null && t.status != Status.WAITING) {
            t.status = Status.WAITING;
            t.finishedAt = 0;
        }
    }

    /**
     * A finished shard is being read again (a restored reader holds it unfinished: its end was
     * reached after that reader's checkpoint), or may be (its reader failed and has not said yet
     * what it restored): it holds its children back again until it is reported finished. Returns
     * whether it was finished.
     */
    public boolean reopened(String shardId) {
        Tracked t = shards.get(shardId);
        if (t != null && t.status == Status.FINISHED) {
            t.status = Status.ASSIGNED;
            t.finishedAt = 0;
            return true;
        }
        return false;
    }

    /**
     * Forgets finished shards that the stream no longer lists and that finished longer than {@code
     * retention} ago (the stream's retention: they are trimmed). Returns how many were forgotten. A
     * child listed later whose parent was forgotten starts at once, which is right: its parent was
     * finished.
     */
    public int prune(Set<String> listedNow, long nowMillis, Duration retention) {
        int before = shards.size();
        shards.values()
                .removeIf(
                        t -> {
                            boolean gone =
                                    t.status == Status.FINISHED
                                            && !listedNow.contains(t.id)
                                            && nowMillis - t.finishedAt >= retention.toMillis();
                            if (gone) {
                                forgotten.put(t.id, nowMillis);
                            }
                            return gone;
                        });
        // a child is listed within minutes of its parent; after another retention no listing names
        // it any more
        forgotten.values().removeIf(at -> nowMillis - at >= retention.toMillis());
        return before - shards.size();
    }

    /** Whether the lineage knows the shard (listed, discovered or reported). */
    public boolean knows(String shardId) {
        return shards.containsKey(shardId);
    }

    /** The parents of a known shard (empty if unknown). */
    public List<String> parentsOf(String shardId) {
        Tracked t = shards.get(shardId);
        return t == null ? List.of() : t.parents;
    }

    public Status status(String shardId) {
        Tracked t = shards.get(shardId);
        return t == null ? null : t.status;
    }

    public int size() {
        return shards.size();
    }

    /** How many shards are in each status, for metrics. */
    public Map<Status, Integer> counts() {
        Map<Status, Integer> out = new LinkedHashMap<>();
        for (Status s : Status.values()) {
            out.put(s, 0);
        }
        shards.values().forEach(t -> out.merge(t.status, 1, Integer::sum));
        return out;
    }

    boolean listedBefore() {
        return listedBefore;
    }

    StartPosition initial() {
        return initial;
    }

    Collection<Tracked> tracked() {
        return Collections.unmodifiableCollection(shards.values());
    }

    Map<String, Long> forgotten() {
        return Collections.unmodifiableMap(forgotten);
    }

    static ShardLineage restore(
            StartPosition initial,
            boolean listedBefore,
            List<Tracked> tracked,
            Map<String, Long> forgotten) {
        ShardLineage l = new ShardLineage(initial);
        l.listedBefore = listedBefore;
        tracked.forEach(t -> l.shards.put(t.id, t));
        l.forgotten.putAll(forgotten);
        return l;
    }
}

package io.streamsync.aggregate;

import java.util.Objects;

/**
 * What the job publishes for one list: the live item count, the activity of the list's latest final
 * window (see {@link ListAggregator}) and a version. A Flink POJO.
 *
 * <p>{@link #version} strictly increases with every new state of the list (a change applied, a
 * window made final), and a given version always comes with the same state within a run: sinks
 * refuse anything not above what they hold (see {@link ListAggregator}). Across runs, {@code
 * version / Versions.SCALE} names the list's last change, so the count and {@link #updatedAt} are
 * the same; the window fields are not: whether a window is final when a change is applied depends
 * on the watermark, which a replay after a rollback meets in another order, so a replayed state can
 * carry an earlier final window above a version already published with a later one. The sinks
 * therefore guard the window fields on their own and never move them to an earlier window (issue
 * 28; {@code AggregateTablePublisher}, {@code SearchIndexPublisher}).
 */
public class ListAggregate implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public String listId;

    /** Live number of items in the list after every change up to {@link #version}. */
    public long taskCount;

    public long version;

    /**
     * Start of the list's latest final window (epoch ms, by the records' creation time), whose
     * activity this carries; Long.MIN_VALUE while the list has no final window yet (then the window
     * fields are not written).
     */
    public long windowStart;

    public long windowEnd;
    public long inserted;
    public long modified;

    /** Removals in the window, TTL expiries included. */
    public long removed;

    /** Of {@link #removed}, how many were TTL expiries. */
    public long expired;

    /**
     * Creation time (epoch ms) of the last change applied to the list; for a scanned item, the
     * event time the job had reached; 0 while the list has seen no time at all.
     */
    public long updatedAt;

    public ListAggregate() {}

    public ListAggregate(
            String listId,
            long taskCount,
            long version,
            long windowStart,
            long windowEnd,
            long inserted,
            long modified,
            long removed,
            long expired,
            long updatedAt) {
        this.listId = listId;
        this.taskCount = taskCount;
        this.version = version;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.inserted = inserted;
        this.modified = modified;
        this.removed = removed;
        this.expired = expired;
        this.updatedAt = updatedAt;
    }

    /** Whether a final window's activity is carried. */
    public boolean hasWindow() {
        return windowStart != Long.MIN_VALUE;
    }

    /** What this state overwrites when published: the list's row or document. */
    public String commitKey() {
        return listId;
    }

    /** How new this state is (its deterministic version). */
    public long commitVersion() {
        return version;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ListAggregate)) {
            return false;
        }
        ListAggregate a = (ListAggregate) o;
        return taskCount == a.taskCount
                && version == a.version
                && windowStart == a.windowStart
                && windowEnd == a.windowEnd
                && inserted == a.inserted
                && modified == a.modified
                && removed == a.removed
                && expired == a.expired
                && updatedAt == a.updatedAt
                && Objects.equals(listId, a.listId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(listId, version);
    }

    @Override
    public String toString() {
        return "ListAggregate{"
                + listId
                + " count="
                + taskCount
                + " v="
                + version
                + " window=["
                + windowStart
                + ","
                + windowEnd
                + ") +"
                + inserted
                + " ~"
                + modified
                + " -"
                + removed
                + " ttl="
                + expired
                + "}";
    }
}

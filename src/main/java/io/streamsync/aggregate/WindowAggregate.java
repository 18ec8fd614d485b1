package io.streamsync.aggregate;

import java.util.Objects;

/**
 * One list's activity in one tumbling window of creation time, published once when the window is
 * final (see {@link ListAggregator}): the windows history. A Flink POJO.
 */
public class WindowAggregate {
    public String listId;

    /** Window start, inclusive (epoch ms). */
    public long windowStart;

    /** Window end, exclusive (epoch ms). */
    public long windowEnd;

    public long inserted;
    public long modified;

    /** Removals in the window, TTL expiries included unless {@code aggregate.ttl.expiry=keep}. */
    public long removed;

    /** TTL expiries in the window (in every mode). */
    public long expired;

    /** Creation time (epoch ms) of the latest change in the window. */
    public long lastChangeTime;

    /**
     * The list's version when the window became final: the document's version in the search index.
     */
    public long version;

    public WindowAggregate() {}

    public WindowAggregate(
            String listId, long windowStart, long windowEnd, WindowCounts c, long version) {
        this.listId = listId;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.inserted = c.inserted;
        this.modified = c.modified;
        this.removed = c.removed;
        this.expired = c.expired;
        this.lastChangeTime = c.lastChangeTime;
        this.version = version;
    }

    /**
     * The figures that define the window (the version is not one of them: it depends on arrival
     * order).
     */
    public boolean sameActivity(WindowAggregate o) {
        return Objects.equals(listId, o.listId)
                && windowStart == o.windowStart
                && windowEnd == o.windowEnd
                && inserted == o.inserted
                && modified == o.modified
                && removed == o.removed
                && expired == o.expired;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowAggregate
                && sameActivity((WindowAggregate) o)
                && version == ((WindowAggregate) o).version
                && lastChangeTime == ((WindowAggregate) o).lastChangeTime;
    }

    @Override
    public int hashCode() {
        return Objects.hash(listId, windowStart);
    }

    @Override
    public String toString() {
        return "Window{"
                + listId
                + " ["
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
                + " v="
                + version
                + "}";
    }
}

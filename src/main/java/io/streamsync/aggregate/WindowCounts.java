package io.streamsync.aggregate;

/**
 * The activity of one list in one window that is not final yet: the changes counted so far. A Flink
 * POJO held in {@link AggregateState#openWindows}; fields may be added with defaults, never renamed
 * or retyped.
 */
public class WindowCounts {
    public long inserted;
    public long modified;

    /** Removals, TTL expiries included unless {@code aggregate.ttl.expiry=keep}. */
    public long removed;

    /** TTL expiries (in every mode). */
    public long expired;

    /** Creation time (epoch ms) of the latest change counted in the window. */
    public long lastChangeTime = Long.MIN_VALUE;

    public WindowCounts() {}
}

package io.streamsync.aggregate;

/**
 * What the aggregation remembers of a list's items: for a live item the mark of the last change
 * applied to it, for a removed one the mark of its removal (see {@link AggregateState#items} and
 * {@link AggregateState#tombstones}). The operator backs it with keyed map state, unit tests with
 * maps.
 */
interface ItemMarks {
    /** The live item's mark, or null when the item is not live. */
    String live(String itemKey) throws Exception;

    /** The removed item's mark, or null when there is none (never removed, or forgotten). */
    String removed(String itemKey) throws Exception;

    void putLive(String itemKey, String mark) throws Exception;

    void removeLive(String itemKey) throws Exception;

    void putRemoved(String itemKey, String mark) throws Exception;

    void removeRemoved(String itemKey) throws Exception;

    /** Every removed item's mark: a walk (in the operator, a RocksDB iterator over the list's). */
    Iterable<java.util.Map.Entry<String, String>> removedEntries() throws Exception;

    /** Forgets every removed item's mark. */
    void clearRemoved() throws Exception;
}

package io.streamsync.aggregate;

/**
 * One list's open windows and the identities of the changes counted in them (see {@link
 * AggregateState#openWindows} and {@link AggregateState#windowChanges}). The operator backs it with
 * keyed map state, unit tests with maps.
 */
interface WindowStore {
    /** The counts of the open window starting at {@code start}, or null. */
    WindowCounts get(long start) throws Exception;

    void put(long start, WindowCounts counts) throws Exception;

    void remove(long start) throws Exception;

    /** The starts of the open windows, in no particular order. */
    Iterable<Long> starts() throws Exception;

    boolean isEmpty() throws Exception;

    /** True when a change of this identity was counted in a window that is still open. */
    boolean counted(String identity) throws Exception;

    void rememberCounted(String identity, long windowStart) throws Exception;

    /**
     * Forgets the identities counted in the given windows (all of them when no window is open any
     * more).
     */
    void forgetCounted(java.util.Set<Long> windowStarts) throws Exception;
}

package io.streamsync.reconcile;

import java.util.HashMap;
import java.util.Map;

/**
 * One list as the source table holds it, as the report read it: each item's document id and image
 * digest (items the job's filter leaves out are not here), and when the read happened.
 */
final class ListTruth {
    /** Item document id (the job's {@code itemKey}) to the digest of its image. */
    final Map<String, String> items = new HashMap<>();

    /** Epoch ms of the first and the last page that returned items of this list. */
    long firstReadAt = Long.MAX_VALUE;

    long lastReadAt = Long.MIN_VALUE;

    void add(String itemKey, String digest, long readAt) {
        items.put(itemKey, digest);
        firstReadAt = Math.min(firstReadAt, readAt);
        lastReadAt = Math.max(lastReadAt, readAt);
    }

    int count() {
        return items.size();
    }

    /** Same items with the same images. */
    boolean sameState(ListTruth other) {
        return other != null && items.equals(other.items);
    }
}

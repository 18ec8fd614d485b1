package io.streamsync.change;

import java.io.Serializable;
import java.util.Objects;

/**
 * The source table's primary key: the partition-key attribute (the aggregation key, e.g. {@code
 * listId}) and the optional sort-key attribute (e.g. {@code taskId}).
 */
public final class KeySchema implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String partitionKey;
    private final String sortKey;

    public KeySchema(String partitionKey, String sortKey) {
        this.partitionKey = Objects.requireNonNull(partitionKey, "partitionKey");
        this.sortKey = sortKey == null || sortKey.isEmpty() ? null : sortKey;
    }

    public String partitionKey() {
        return partitionKey;
    }

    /** The sort-key attribute name, or null for a table with a simple primary key. */
    public String sortKey() {
        return sortKey;
    }

    @Override
    public String toString() {
        return sortKey == null ? partitionKey : partitionKey + " + " + sortKey;
    }
}

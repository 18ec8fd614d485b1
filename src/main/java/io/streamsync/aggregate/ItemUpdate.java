package io.streamsync.aggregate;

import java.util.Objects;

/**
 * A change to one item's search document, emitted only for changes the aggregation applied
 * (duplicates and outdated records never reach the index). A Flink POJO.
 */
public class ItemUpdate {
    /** Document id, derived from the item's primary key. */
    public String itemKey;

    public String listId;

    /** True: delete the document; false: index {@link #documentJson}. */
    public boolean delete;

    /** The item's new image as plain JSON; null for deletes. */
    public String documentJson;

    /**
     * The item's version after this change: increases with every change applied to this item, a
     * function of the item's own changes (see {@link Versions}); up to 0.2.0 it was the list's
     * version.
     */
    public long version;

    public ItemUpdate() {}

    public ItemUpdate(
            String itemKey, String listId, boolean delete, String documentJson, long version) {
        this.itemKey = itemKey;
        this.listId = listId;
        this.delete = delete;
        this.documentJson = documentJson;
        this.version = version;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ItemUpdate)) {
            return false;
        }
        ItemUpdate u = (ItemUpdate) o;
        return delete == u.delete
                && version == u.version
                && Objects.equals(itemKey, u.itemKey)
                && Objects.equals(listId, u.listId)
                && Objects.equals(documentJson, u.documentJson);
    }

    @Override
    public int hashCode() {
        return Objects.hash(itemKey, version);
    }

    @Override
    public String toString() {
        return (delete ? "DELETE " : "INDEX ") + itemKey + " v=" + version;
    }
}

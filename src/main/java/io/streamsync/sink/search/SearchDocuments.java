package io.streamsync.sink.search;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.aggregate.ItemUpdate;
import io.streamsync.aggregate.ListAggregate;
import java.time.Instant;

/**
 * Builds the search documents. Ids come from the data only (the list id; the item's primary key), so a
 * replayed write overwrites the same document instead of adding one.
 */
public final class SearchDocuments {
    private SearchDocuments() {}

    /**
     * One document per list; its id is the list id, escaped and hashed by the rule of item ids
     * ({@link io.streamsync.change.ItemKeys}): a list id over 512 bytes becomes {@code sha256:<hex>}.
     */
    public static SearchAction aggregate(String index, String listField, ListAggregate a) {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put(listField, a.listId);
        doc.put("taskCount", a.taskCount);
        doc.put("version", a.version);
        doc.put("windowStart", Instant.ofEpochMilli(a.windowStart).toString());
        doc.put("windowEnd", Instant.ofEpochMilli(a.windowEnd).toString());
        doc.put("inserted", a.inserted);
        doc.put("modified", a.modified);
        doc.put("removed", a.removed);
        doc.put("expired", a.expired);
        doc.put("updatedAt", Instant.ofEpochMilli(a.updatedAt).toString());
        return new SearchAction(index, io.streamsync.change.ItemKeys.itemKey(a.listId, null), doc.toString(), a.version);
    }

    /** One document per item, id derived from its primary key; its source is the item's new image. */
    public static SearchAction item(String index, ItemUpdate u) {
        return new SearchAction(index, u.itemKey, u.delete ? null : u.documentJson, u.version);
    }
}

package io.streamsync.sink.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.aggregate.ItemUpdate;
import io.streamsync.aggregate.ListAggregate;
import io.streamsync.aggregate.WindowAggregate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Builds the search documents. Ids come from the data only (the list id; the item's primary key),
 * so a replayed write overwrites the same document instead of adding one.
 */
public final class SearchDocuments {
    /** The fields of an aggregate document that carry the list's latest final window. */
    static final List<String> WINDOW_FIELDS =
            List.of("windowStart", "windowEnd", "inserted", "modified", "removed", "expired");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SearchDocuments() {}

    /**
     * The aggregate document {@code sourceJson} with the window fields of {@code stored} (the
     * document the index holds) when those show a later final window than its own, or it has none:
     * the window fields never go back (issue 28: a replay after a rollback can reach a newer state
     * before the window the first run had made final). Null when {@code sourceJson} stands as it
     * is.
     */
    static String keepingLaterWindow(String sourceJson, JsonNode stored) {
        long storedStart = windowStart(stored);
        if (storedStart == Long.MIN_VALUE) {
            return null;
        }
        ObjectNode doc;
        try {
            doc = (ObjectNode) MAPPER.readTree(sourceJson);
        } catch (java.io.IOException | ClassCastException e) {
            return null; // not a document this job wrote: the index decides
        }
        if (windowStart(doc) >= storedStart) {
            return null;
        }
        for (String field : WINDOW_FIELDS) {
            doc.remove(field);
            if (stored.has(field)) {
                doc.set(field, stored.get(field));
            }
        }
        return doc.toString();
    }

    /** A document's {@code windowStart} in epoch ms, Long.MIN_VALUE when it has none. */
    private static long windowStart(JsonNode doc) {
        JsonNode start = doc == null ? null : doc.get("windowStart");
        if (start == null || !start.isTextual()) {
            return Long.MIN_VALUE;
        }
        try {
            return Instant.parse(start.asText()).toEpochMilli();
        } catch (DateTimeParseException e) {
            return Long.MIN_VALUE;
        }
    }

    /**
     * One document per list; its id is the list id, escaped and hashed by the rule of item ids
     * ({@link io.streamsync.change.ItemKeys}): a list id over 512 bytes becomes {@code
     * sha256:<hex>}.
     */
    public static SearchAction aggregate(String index, String listField, ListAggregate a) {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put(listField, a.listId);
        doc.put("taskCount", a.taskCount);
        doc.put("version", a.version);
        if (a.hasWindow()) { // the list's latest final window; none before the first one is final
            putWindow(
                    doc, a.windowStart, a.windowEnd, a.inserted, a.modified, a.removed, a.expired);
        }
        doc.put("updatedAt", Instant.ofEpochMilli(a.updatedAt).toString());
        return new SearchAction(
                index,
                io.streamsync.change.ItemKeys.itemKey(a.listId, null),
                doc.toString(),
                a.version);
    }

    /**
     * One document per list and final window: the windows history. Its id is the list id and the
     * window start in epoch milliseconds joined like an item's keys ({@code listId|1704067200000},
     * escaped and hashed by the same rule), so a window published again overwrites its own
     * document.
     */
    public static SearchAction window(String index, String listField, WindowAggregate w) {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put(listField, w.listId);
        putWindow(doc, w.windowStart, w.windowEnd, w.inserted, w.modified, w.removed, w.expired);
        doc.put("lastChangeAt", Instant.ofEpochMilli(w.lastChangeTime).toString());
        return new SearchAction(
                index, windowId(w.listId, w.windowStart), doc.toString(), w.version);
    }

    private static void putWindow(
            ObjectNode doc,
            long start,
            long end,
            long inserted,
            long modified,
            long removed,
            long expired) {
        doc.put("windowStart", Instant.ofEpochMilli(start).toString());
        doc.put("windowEnd", Instant.ofEpochMilli(end).toString());
        doc.put("inserted", inserted);
        doc.put("modified", modified);
        doc.put("removed", removed);
        doc.put("expired", expired);
    }

    /** The id of a list's window document. */
    public static String windowId(String listId, long windowStart) {
        return io.streamsync.change.ItemKeys.itemKey(listId, Long.toString(windowStart));
    }

    /**
     * One document per item, id derived from its primary key; its source is the item's new image.
     */
    public static SearchAction item(String index, ItemUpdate u) {
        return new SearchAction(index, u.itemKey, u.delete ? null : u.documentJson, u.version);
    }
}

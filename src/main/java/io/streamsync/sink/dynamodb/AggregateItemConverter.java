package io.streamsync.sink.dynamodb;

import io.streamsync.aggregate.ListAggregate;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Turns a {@link ListAggregate} into the aggregate table's item (keyed by list id). Deterministic:
 * the same aggregate always gives the same item.
 */
public class AggregateItemConverter implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** The attributes of the list's latest final window (absent before the first one). */
    public static final java.util.List<String> WINDOW_FIELDS =
            java.util.List.of(
                    "windowStart", "windowEnd", "inserted", "modified", "removed", "expired");

    private final String keyAttribute;

    public AggregateItemConverter(String keyAttribute) {
        this.keyAttribute = keyAttribute;
    }

    /**
     * The item as stored: counts and times as numbers, plus an ISO-8601 copy of {@code updatedAt}.
     */
    public Map<String, AttributeValue> item(ListAggregate a) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put(keyAttribute, AttributeValue.fromS(a.listId));
        item.put("taskCount", n(a.taskCount));
        item.put("version", n(a.version));
        if (a.hasWindow()) { // the list's latest final window; none before the first one is final
            item.put("windowStart", n(a.windowStart));
            item.put("windowEnd", n(a.windowEnd));
            item.put("inserted", n(a.inserted));
            item.put("modified", n(a.modified));
            item.put("removed", n(a.removed));
            item.put("expired", n(a.expired));
        }
        item.put("updatedAt", n(a.updatedAt));
        item.put(
                "updatedAtIso", AttributeValue.fromS(Instant.ofEpochMilli(a.updatedAt).toString()));
        return item;
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}

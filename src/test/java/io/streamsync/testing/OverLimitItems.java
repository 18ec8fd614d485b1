package io.streamsync.testing;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Two table items of a list (key {@code listId}, {@code taskId}): {@code small}, and {@code big},
 * whose change record is over 1024 bytes ({@code source.max.record.bytes}'s least value) and under
 * 4096.
 */
public final class OverLimitItems {
    private OverLimitItems() {}

    public static Map<String, AttributeValue> small(String listId) {
        return Map.of(
                "listId", AttributeValue.fromS(listId),
                "taskId", AttributeValue.fromS("small"),
                "note", AttributeValue.fromS("x"));
    }

    public static Map<String, AttributeValue> big(String listId) {
        return Map.of(
                "listId", AttributeValue.fromS(listId),
                "taskId", AttributeValue.fromS("big"),
                "note", AttributeValue.fromS("y".repeat(2000)));
    }

    /** Both, small first. */
    public static List<Map<String, AttributeValue>> of(String listId) {
        return List.of(small(listId), big(listId));
    }
}

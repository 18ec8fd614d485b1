package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Compares the job's outputs (aggregate table, aggregate documents, item documents) with the truth
 * computed from a fresh scan of the source table. Each check returns null when equal, else a short
 * description of the first differences.
 */
public final class GroundTruth {
    private GroundTruth() {}

    /** Every list of the source table has its count; lists that are gone have 0 (or no row). */
    public static String compareCounts(
            String what, Map<String, Long> truth, Map<String, Long> actual) {
        List<String> diffs = new ArrayList<>();
        Set<String> lists = new TreeSet<>(truth.keySet());
        lists.addAll(actual.keySet());
        for (String list : lists) {
            long expected = truth.getOrDefault(list, 0L);
            Long got = actual.get(list);
            if (got == null ? expected != 0 : got != expected) {
                diffs.add(list + " expected " + expected + " got " + got);
            }
        }
        return diffs.isEmpty()
                ? null
                : what
                        + ": "
                        + diffs.size()
                        + " lists differ, e.g. "
                        + diffs.subList(0, Math.min(5, diffs.size()));
    }

    public static String compareItems(Map<String, JsonNode> truth, Map<String, JsonNode> actual) {
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : truth.entrySet()) {
            JsonNode doc = actual.get(e.getKey());
            if (doc == null) {
                diffs.add("missing " + e.getKey());
            } else if (!JsonCompare.same(e.getValue(), doc)) {
                diffs.add("differs " + e.getKey() + ": table " + e.getValue() + " index " + doc);
            }
        }
        for (String id : actual.keySet()) {
            if (!truth.containsKey(id)) {
                diffs.add("extra " + id);
            }
        }
        return diffs.isEmpty()
                ? null
                : "item index: "
                        + diffs.size()
                        + " differences (table "
                        + truth.size()
                        + ", index "
                        + actual.size()
                        + "), e.g. "
                        + diffs.subList(0, Math.min(3, diffs.size()));
    }

    /**
     * How many lists of the aggregate table equal the source table right now, out of how many
     * lists.
     */
    public static long[] agreeingLists(
            DynamoDbClient ddb, String sourceTable, String aggregateTable) {
        Map<String, Long> truth = TodoTables.countsByList(ddb, sourceTable);
        Map<String, Long> actual = TodoTables.aggregateCounts(ddb, aggregateTable);
        Set<String> lists = new TreeSet<>(truth.keySet());
        lists.addAll(actual.keySet());
        long equal =
                lists.stream()
                        .filter(
                                l ->
                                        truth.getOrDefault(l, 0L)
                                                        .equals(actual.getOrDefault(l, -1L))
                                                || truth.getOrDefault(l, 0L) == 0
                                                        && !actual.containsKey(l))
                        .count();
        return new long[] {equal, lists.size()};
    }

    /** All three outputs against one scan; null when all are exact. */
    public static String check(
            DynamoDbClient ddb,
            String sourceTable,
            String aggregateTable,
            SearchHttp search,
            String aggregateIndex,
            String itemIndex)
            throws Exception {
        List<Map<String, AttributeValue>> scanned = TodoTables.scan(ddb, sourceTable);
        Map<String, Long> truth = TodoTables.countsByList(scanned);
        String problem =
                compareCounts(
                        "aggregate table", truth, TodoTables.aggregateCounts(ddb, aggregateTable));
        if (problem != null || search == null) {
            return problem;
        }
        Map<String, Long> docCounts = new java.util.TreeMap<>();
        search.allDocuments(aggregateIndex)
                .forEach((id, doc) -> docCounts.put(id, doc.get("taskCount").asLong()));
        problem = compareCounts("aggregate documents", truth, docCounts);
        if (problem != null || itemIndex == null) {
            return problem;
        }
        return compareItems(TodoTables.itemsById(scanned), search.allDocuments(itemIndex));
    }
}

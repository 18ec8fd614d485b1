package io.streamsync.reconcile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares the table with the outputs, list by list; pure (no I/O), so that the rule is tested
 * alone.
 *
 * <p>Per list: the row's and the aggregate document's {@code taskCount} against the number of the
 * list's items in the table (a list with no item and no row, or no document, agrees: the job
 * publishes nothing for a list it never saw, and a list emptied keeps its row at 0); each table
 * item without a document is <em>missing</em>; each document without a table item is a
 * <em>phantom</em>; each document whose source differs from the table's image is <em>stale</em>.
 */
final class Comparison {
    private Comparison() {}

    /** Every list's difference (lists that agree are left out), ordered by list id. */
    static Map<String, ListDifference> compare(Map<String, ListTruth> table, Outputs outputs) {
        Map<String, List<String>> docsByList = new HashMap<>();
        if (outputs.items != null) {
            outputs.items.forEach(
                    (id, d) ->
                            docsByList.computeIfAbsent(d.listId, k -> new ArrayList<>()).add(id));
        }
        TreeSet<String> lists = new TreeSet<>(table.keySet());
        if (outputs.rows != null) {
            lists.addAll(outputs.rows.keySet());
        }
        if (outputs.documents != null) {
            lists.addAll(outputs.documents.keySet());
        }
        lists.addAll(docsByList.keySet());
        Map<String, ListDifference> out = new TreeMap<>();
        for (String list : lists) {
            ListDifference d =
                    compareList(
                            list,
                            table.get(list),
                            outputs,
                            docsByList.getOrDefault(list, Collections.emptyList()));
            if (d.any()) {
                out.put(list, d);
            }
        }
        return out;
    }

    /** Number of lists compared: those of the table and of every output. */
    static int listsChecked(Map<String, ListTruth> table, Outputs outputs) {
        TreeSet<String> lists = new TreeSet<>(table.keySet());
        if (outputs.rows != null) {
            lists.addAll(outputs.rows.keySet());
        }
        if (outputs.documents != null) {
            lists.addAll(outputs.documents.keySet());
        }
        if (outputs.items != null) {
            outputs.items.values().forEach(d -> lists.add(d.listId));
        }
        return lists.size();
    }

    /**
     * One list. {@code documentIds}: the ids of the item documents that name this list (the phantom
     * candidates); items of the table are looked up by id.
     */
    static ListDifference compareList(
            String list, ListTruth truth, Outputs outputs, List<String> documentIds) {
        long count = truth == null ? 0 : truth.count();
        Outputs.Aggregate row = outputs.rows == null ? null : outputs.rows.get(list);
        Outputs.Aggregate doc = outputs.documents == null ? null : outputs.documents.get(list);
        ListDifference d =
                new ListDifference(
                        list,
                        count,
                        row,
                        doc,
                        outputs.items == null ? -1 : documentIds.size(),
                        outputs.rows != null && differs(row, count),
                        outputs.documents != null && differs(doc, count));
        if (outputs.items != null) {
            if (truth != null) {
                for (Map.Entry<String, String> item : new TreeMap<>(truth.items).entrySet()) {
                    Outputs.ItemDocument found = outputs.items.get(item.getKey());
                    if (found == null) {
                        d.missing.add(item.getKey());
                    } else if (!found.digest.equals(item.getValue())) {
                        d.stale.add(item.getKey());
                    }
                }
            }
            for (String id : new TreeSet<>(documentIds)) {
                if (truth == null || !truth.items.containsKey(id)) {
                    d.phantom.add(id);
                }
            }
        }
        return d;
    }

    private static boolean differs(Outputs.Aggregate a, long count) {
        return a == null ? count != 0 : a.count != count;
    }
}

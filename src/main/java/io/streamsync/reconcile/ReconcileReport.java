package io.streamsync.reconcile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the report found: one result per list that differed at the first look (drift, or lag), and
 * the totals. Rendered as JSON lines: one per list, then the summary.
 */
public final class ReconcileReport {
    /** Item ids listed per kind in one line at most; the totals are always given. */
    static final int MAX_IDS = 100;

    /** One list that differed at the first look. */
    public static final class ListResult {
        final DriftRule.Verdict verdict;
        final String reason;
        final ListDifference first;

        /** As the second look saw it: for a drift, what is confirmed. */
        final ListDifference second;

        ListResult(
                DriftRule.Verdict verdict,
                String reason,
                ListDifference first,
                ListDifference second) {
            this.verdict = verdict;
            this.reason = reason;
            this.first = first;
            this.second = second;
        }

        public boolean drifted() {
            return verdict == DriftRule.Verdict.DRIFT;
        }

        public String listId() {
            return first.listId;
        }
    }

    public final int listsChecked;
    public final List<ListResult> results;
    public final long itemsScanned;
    public final long itemsUnreadable;
    public final long itemsFilteredOut;
    public final double readUnits;
    public final long startedAt;
    public final long tableReadAt;
    public final long secondLookAt;
    public final long finishedAt;
    public final long settleMs;

    ReconcileReport(
            int listsChecked,
            List<ListResult> results,
            long itemsScanned,
            long itemsUnreadable,
            long itemsFilteredOut,
            double readUnits,
            long startedAt,
            long tableReadAt,
            long secondLookAt,
            long finishedAt,
            long settleMs) {
        this.listsChecked = listsChecked;
        this.results = results;
        this.itemsScanned = itemsScanned;
        this.itemsUnreadable = itemsUnreadable;
        this.itemsFilteredOut = itemsFilteredOut;
        this.readUnits = readUnits;
        this.startedAt = startedAt;
        this.tableReadAt = tableReadAt;
        this.secondLookAt = secondLookAt;
        this.finishedAt = finishedAt;
        this.settleMs = settleMs;
    }

    public List<ListResult> drifted() {
        List<ListResult> out = new ArrayList<>();
        for (ListResult r : results) {
            if (r.drifted()) {
                out.add(r);
            }
        }
        return out;
    }

    public long listsDrifted() {
        return drifted().size();
    }

    public long listsUnconfirmed() {
        return results.size() - listsDrifted();
    }

    public long itemsMissing() {
        return drifted().stream().mapToLong(r -> r.second.missing.size()).sum();
    }

    public long itemsPhantom() {
        return drifted().stream().mapToLong(r -> r.second.phantom.size()).sum();
    }

    public long itemsStale() {
        return drifted().stream().mapToLong(r -> r.second.stale.size()).sum();
    }

    public long rowsDrifted() {
        return drifted().stream().filter(r -> r.second.rowDiffers).count();
    }

    public long documentsDrifted() {
        return drifted().stream().filter(r -> r.second.documentDiffers).count();
    }

    /** The JSON lines: one per list that differed at the first look, then the summary. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (ListResult r : results) {
            lines.add(line(r).toString());
        }
        lines.add(summary().toString());
        return lines;
    }

    static ObjectNode line(ListResult r) {
        ListDifference d = r.second;
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("list", d.listId);
        n.put("verdict", r.drifted() ? "drift" : "lag");
        n.put("reason", r.reason);
        n.put("tableCount", d.tableCount);
        if (d.row != null) {
            n.put("rowCount", d.row.count);
            n.put("rowVersion", d.row.version);
        } else {
            n.putNull("rowCount");
        }
        n.put("rowDiffers", d.rowDiffers);
        if (d.document != null) {
            n.put("documentCount", d.document.count);
            n.put("documentVersion", d.document.version);
        } else {
            n.putNull("documentCount");
        }
        n.put("documentDiffers", d.documentDiffers);
        if (d.indexedItems >= 0) {
            n.put("indexedItems", r.first.indexedItems);
        }
        ids(n, "missing", d.missing);
        ids(n, "phantom", d.phantom);
        ids(n, "stale", d.stale);
        return n;
    }

    private static void ids(ObjectNode n, String kind, List<String> ids) {
        n.put(kind + "Count", ids.size());
        ArrayNode a = n.putArray(kind);
        ids.stream().limit(MAX_IDS).forEach(a::add);
    }

    public ObjectNode summary() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("summary", true);
        n.put("listsChecked", listsChecked);
        n.put("listsDrifted", listsDrifted());
        n.put("listsUnconfirmed", listsUnconfirmed());
        n.put("itemsMissing", itemsMissing());
        n.put("itemsPhantom", itemsPhantom());
        n.put("itemsStale", itemsStale());
        n.put("rowsDrifted", rowsDrifted());
        n.put("documentsDrifted", documentsDrifted());
        n.put("itemsScanned", itemsScanned);
        n.put("itemsUnreadable", itemsUnreadable);
        n.put("itemsFilteredOut", itemsFilteredOut);
        n.put("readUnits", readUnits);
        n.put("settleMs", settleMs);
        n.put("startedAt", Instant.ofEpochMilli(startedAt).toString());
        n.put("tableReadAt", Instant.ofEpochMilli(tableReadAt).toString());
        n.put("secondLookAt", Instant.ofEpochMilli(secondLookAt).toString());
        n.put("finishedAt", Instant.ofEpochMilli(finishedAt).toString());
        ArrayNode drifted = n.putArray("drifted");
        drifted().stream().limit(MAX_IDS).forEach(r -> drifted.add(r.listId()));
        return n;
    }
}

package io.streamsync.reconcile;

import java.util.Map;
import java.util.Objects;

/**
 * Tells drift from lag (docs: reconciliation.md, "Drift or lag"). The first look reads the outputs
 * (at o1), then the table (at r1, after o1). A list that differs is looked at again, after at least
 * {@code settle} = window + checkpoint interval + margin since the end of the table read: its
 * outputs first (o2), then its items by a strongly consistent Query (r2). Its difference is
 * <b>drift</b> when
 *
 * <ol>
 *   <li>o2 &ge; r1 + settle,
 *   <li>the outputs did not move: the list's row and aggregate document have the versions they had
 *       at o1, and each differing item's document the version it had (or it is still absent),
 *   <li>the table did not move: the Query at r2 returns the same items with the same images as the
 *       scan at r1,
 *   <li>and the outputs still differ from the table.
 * </ol>
 *
 * Anything else is <b>lag</b> (reported as unconfirmed, never as drift): the list is changing, and
 * a later run decides.
 *
 * <p>Why (2) proves it, given that the job publishes every change within {@code settle} of its
 * creation (the precondition, which the margin is for): every change of the list created before r1
 * is published by o2. Nothing was published between o1 and o2 (2), so every change created before
 * r1 was published by o1, so none was created between o1 and r1 (a change cannot be published
 * before it exists). So the outputs at o1 and o2 show every change of the list before r1, and the
 * table did not change between o1 and r1: an output that differs from the table's state at r1 shows
 * a state the table never had after those changes. That is drift. (3) is not needed by this
 * argument; it guards against a read that DynamoDB served eventually consistent (an older state
 * than r1) and against a clock skew between this process and the creation times the job sees.
 */
final class DriftRule {
    private DriftRule() {}

    enum Verdict {
        DRIFT,
        LAG
    }

    /** The verdict, why, and the difference as the second look saw it. */
    static final class Judgement {
        final Verdict verdict;
        final String reason;
        final ListDifference difference;

        Judgement(Verdict verdict, String reason, ListDifference difference) {
            this.verdict = verdict;
            this.reason = reason;
            this.difference = difference;
        }
    }

    /**
     * @param first the list's difference at the first look
     * @param firstOutputs the outputs at the first look (o1)
     * @param t1 the list in the table at the first look (null: no item)
     * @param tableReadEnd when the first look's table read ended (r1, epoch ms)
     * @param secondOutputs the list's row and document, and the documents of {@code first.items()},
     *     at the second look (o2)
     * @param secondLookStart when the second look began reading the outputs (o2, epoch ms)
     * @param t2 the list in the table at the second look (r2, after o2; null: no item)
     * @param settleMs the settle time
     */
    static Judgement judge(
            ListDifference first,
            Outputs firstOutputs,
            ListTruth t1,
            long tableReadEnd,
            Outputs secondOutputs,
            long secondLookStart,
            ListTruth t2,
            long settleMs) {
        String list = first.listId;
        if (secondLookStart < tableReadEnd + settleMs) {
            return lag(first, "second look too early");
        }
        if (!Objects.equals(get(firstOutputs.rows, list), get(secondOutputs.rows, list))) {
            return lag(first, "the aggregate row moved");
        }
        if (!Objects.equals(
                get(firstOutputs.documents, list), get(secondOutputs.documents, list))) {
            return lag(first, "the aggregate document moved");
        }
        for (String id : first.items()) {
            if (!Objects.equals(get(firstOutputs.items, id), get(secondOutputs.items, id))) {
                return lag(first, "item document " + id + " moved");
            }
        }
        ListTruth empty = new ListTruth();
        if (!(t1 == null ? empty : t1).sameState(t2 == null ? empty : t2)) {
            return lag(first, "the list changed in the table");
        }
        ListDifference second = again(first, t1, secondOutputs);
        if (!second.any()) {
            return new Judgement(Verdict.LAG, "the difference is gone", second);
        }
        return new Judgement(Verdict.DRIFT, "confirmed", second);
    }

    /** The first look's difference, checked again against the second look's outputs. */
    static ListDifference again(ListDifference first, ListTruth t1, Outputs second) {
        long count = t1 == null ? 0 : t1.count();
        String list = first.listId;
        Outputs.Aggregate row = get(second.rows, list);
        Outputs.Aggregate doc = get(second.documents, list);
        ListDifference d =
                new ListDifference(
                        list,
                        count,
                        row,
                        doc,
                        first.indexedItems,
                        second.rows != null && (row == null ? count != 0 : row.count != count),
                        second.documents != null
                                && (doc == null ? count != 0 : doc.count != count));
        Map<String, Outputs.ItemDocument> items = second.items;
        if (items != null) {
            for (String id : first.missing) {
                if (!items.containsKey(id)) {
                    d.missing.add(id);
                }
            }
            for (String id : first.phantom) {
                if (items.containsKey(id)) {
                    d.phantom.add(id);
                }
            }
            for (String id : first.stale) {
                Outputs.ItemDocument doc2 = items.get(id);
                if (doc2 == null) {
                    d.missing.add(id);
                } else if (t1 != null && !doc2.digest.equals(t1.items.get(id))) {
                    d.stale.add(id);
                }
            }
        }
        return d;
    }

    private static <V> V get(Map<String, V> m, String key) {
        return m == null ? null : m.get(key);
    }

    private static Judgement lag(ListDifference first, String why) {
        return new Judgement(Verdict.LAG, why, first);
    }
}

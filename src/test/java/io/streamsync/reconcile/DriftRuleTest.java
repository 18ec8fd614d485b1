package io.streamsync.reconcile;

import static io.streamsync.reconcile.ComparisonTest.doc;
import static io.streamsync.reconcile.ComparisonTest.list;
import static io.streamsync.reconcile.ComparisonTest.outputs;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The drift-or-lag rule: a difference is drift only if, at a second look at least the settle time
 * after the table read, neither the outputs nor the table moved and the difference is still there.
 */
class DriftRuleTest {
    static final long SETTLE = 10_000;
    static final long TABLE_READ = 100_000;

    /** Table: a|1, a|2. First look: the row counts 1, a|2 has no document, a|1 is altered. */
    final ListTruth t1 = list("a|1", "{\"x\":1}", "a|2", "{\"x\":2}");

    Outputs firstLook() {
        Outputs o = outputs();
        o.rows.put("a", new Outputs.Aggregate(1, 5000));
        o.documents.put("a", new Outputs.Aggregate(2, 5000));
        doc(o, "a", "a|1", "{\"x\":100}", 4);
        return o;
    }

    ListDifference first(Outputs o1) {
        return Comparison.compare(Map.of("a", t1), o1).get("a");
    }

    DriftRule.Judgement judge(Outputs o1, Outputs o2, long secondLook, ListTruth t2) {
        return DriftRule.judge(first(o1), o1, t1, TABLE_READ, o2, secondLook, t2, SETTLE);
    }

    @Test
    void aDifferenceThatStaysWhileNothingMovesIsDrift() {
        Outputs o1 = firstLook();
        DriftRule.Judgement j =
                judge(
                        o1,
                        firstLook(),
                        TABLE_READ + SETTLE,
                        list("a|1", "{\"x\":1}", "a|2", "{\"x\":2}"));
        assertThat(j.verdict).isEqualTo(DriftRule.Verdict.DRIFT);
        assertThat(j.difference.rowDiffers).isTrue();
        assertThat(j.difference.documentDiffers).isFalse();
        assertThat(j.difference.missing).containsExactly("a|2");
        assertThat(j.difference.stale).containsExactly("a|1");
    }

    @Test
    void aSecondLookBeforeTheSettleTimeDecidesNothing() {
        Outputs o1 = firstLook();
        assertThat(judge(o1, firstLook(), TABLE_READ + SETTLE - 1, t1).verdict)
                .isEqualTo(DriftRule.Verdict.LAG);
    }

    @Test
    void aJobThatPublishesBetweenTheLooksIsLagging() {
        // the job had not published the second item yet: the row moves to 2 with a new version
        Outputs o1 = firstLook();
        Outputs o2 = firstLook();
        o2.rows.put("a", new Outputs.Aggregate(2, 6000));
        DriftRule.Judgement j = judge(o1, o2, TABLE_READ + SETTLE, t1);
        assertThat(j.verdict).isEqualTo(DriftRule.Verdict.LAG);
        assertThat(j.reason).contains("row moved");

        // even when the row still shows the old count, a moved document says the list is moving
        Outputs o3 = firstLook();
        o3.documents.put("a", new Outputs.Aggregate(2, 6000));
        assertThat(judge(o1, o3, TABLE_READ + SETTLE, t1).reason).contains("document moved");
    }

    @Test
    void anItemDocumentThatMovedOrAppearedIsLag() {
        Outputs o1 = firstLook();
        Outputs o2 = firstLook();
        doc(o2, "a", "a|2", "{\"x\":2}", 9); // the missing one was published
        assertThat(judge(o1, o2, TABLE_READ + SETTLE, t1).reason).contains("a|2 moved");
        Outputs o3 = firstLook();
        doc(o3, "a", "a|1", "{\"x\":100}", 5); // same source, another version: the job wrote it
        assertThat(judge(o1, o3, TABLE_READ + SETTLE, t1).verdict).isEqualTo(DriftRule.Verdict.LAG);
    }

    @Test
    void aListThatChangedInTheTableIsLag() {
        Outputs o1 = firstLook();
        DriftRule.Judgement j =
                judge(o1, firstLook(), TABLE_READ + SETTLE, list("a|1", "{\"x\":1}"));
        assertThat(j.verdict).isEqualTo(DriftRule.Verdict.LAG);
        assertThat(j.reason).contains("changed in the table");
        assertThat(judge(o1, firstLook(), TABLE_READ + SETTLE, null).verdict)
                .isEqualTo(DriftRule.Verdict.LAG);
    }

    @Test
    void aPhantomOfAListTheTableDoesNotHaveIsDriftWhenNothingMoves() {
        Outputs o1 = outputs();
        doc(o1, "z", "z|1", "{}", 3);
        ListDifference d = Comparison.compare(Map.of(), o1).get("z");
        Outputs o2 = outputs();
        doc(o2, "z", "z|1", "{}", 3);
        DriftRule.Judgement j =
                DriftRule.judge(d, o1, null, TABLE_READ, o2, TABLE_READ + SETTLE, null, SETTLE);
        assertThat(j.verdict).isEqualTo(DriftRule.Verdict.DRIFT);
        assertThat(j.difference.phantom).containsExactly("z|1");
        // deleted by the job meanwhile: gone, so lag
        DriftRule.Judgement gone =
                DriftRule.judge(
                        d, o1, null, TABLE_READ, outputs(), TABLE_READ + SETTLE, null, SETTLE);
        assertThat(gone.verdict).isEqualTo(DriftRule.Verdict.LAG);
    }

    @Test
    void theDefaultSettleIsAWindowACheckpointAndTheMargin() {
        assertThat(
                        ReconcileSettings.defaultSettle(
                                java.time.Duration.ofSeconds(10),
                                java.time.Duration.ofSeconds(60),
                                java.time.Duration.ofSeconds(30)))
                .hasSeconds(100);
    }
}

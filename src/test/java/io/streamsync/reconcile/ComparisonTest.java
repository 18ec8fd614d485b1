package io.streamsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComparisonTest {
    static ListTruth list(String... itemsAndImages) {
        ListTruth t = new ListTruth();
        for (int i = 0; i < itemsAndImages.length; i += 2) {
            t.add(itemsAndImages[i], ImageDigest.of(itemsAndImages[i + 1]), 1000);
        }
        return t;
    }

    static Outputs outputs() {
        return Outputs.empty(true, true, true);
    }

    static void doc(Outputs o, String list, String id, String json, long version) {
        o.items.put(id, new Outputs.ItemDocument(list, ImageDigest.of(json), version));
    }

    @Test
    void aListWhoseOutputsEqualTheTableHasNoDifference() {
        Map<String, ListTruth> table = Map.of("a", list("a|1", "{\"x\":1}", "a|2", "{\"x\":2.50}"));
        Outputs o = outputs();
        o.rows.put("a", new Outputs.Aggregate(2, 7000));
        o.documents.put("a", new Outputs.Aggregate(2, 7000));
        doc(o, "a", "a|1", "{\"x\":1}", 5);
        doc(o, "a", "a|2", "{\"x\":2.50}", 6);
        assertThat(Comparison.compare(table, o)).isEmpty();
        assertThat(Comparison.listsChecked(table, o)).isEqualTo(1);
    }

    @Test
    void eachKindOfDifferenceIsFoundAndNothingElse() {
        Map<String, ListTruth> table = new HashMap<>();
        table.put("a", list("a|1", "{\"x\":1}", "a|2", "{\"x\":2}", "a|3", "{\"x\":3}"));
        table.put("b", list("b|1", "{\"y\":1}"));
        Outputs o = outputs();
        o.rows.put("a", new Outputs.Aggregate(5, 9000)); // overwritten by hand
        o.documents.put("a", new Outputs.Aggregate(3, 9000));
        doc(o, "a", "a|1", "{\"x\":1}", 5);
        doc(o, "a", "a|2", "{\"x\":20}", 6); // altered
        // a|3 deleted
        doc(o, "a", "a|9", "{\"x\":9}", 7); // phantom
        o.rows.put("b", new Outputs.Aggregate(1, 100));
        o.documents.put("b", new Outputs.Aggregate(1, 100));
        doc(o, "b", "b|1", "{\"y\":1}", 1);
        // a list only in the outputs, with a phantom
        o.rows.put("c", new Outputs.Aggregate(1, 100));
        doc(o, "c", "c|1", "{}", 1);

        Map<String, ListDifference> d = Comparison.compare(table, o);
        assertThat(d).containsOnlyKeys("a", "c");
        ListDifference a = d.get("a");
        assertThat(a.tableCount).isEqualTo(3);
        assertThat(a.rowDiffers).isTrue();
        assertThat(a.documentDiffers).isFalse();
        assertThat(a.missing).containsExactly("a|3");
        assertThat(a.stale).containsExactly("a|2");
        assertThat(a.phantom).containsExactly("a|9");
        assertThat(a.indexedItems).isEqualTo(3);
        ListDifference c = d.get("c");
        assertThat(c.tableCount).isZero();
        assertThat(c.rowDiffers).isTrue();
        assertThat(c.documentDiffers).isFalse(); // no document for a list with no item: agrees
        assertThat(c.phantom).containsExactly("c|1");
        assertThat(Comparison.listsChecked(table, o)).isEqualTo(3);
    }

    @Test
    void aListTheOutputsDoNotKnowDiffersOnlyIfTheTableHasItems() {
        Map<String, ListTruth> table = Map.of("a", list("a|1", "{}"));
        Outputs o = outputs();
        ListDifference a = Comparison.compare(table, o).get("a");
        assertThat(a.rowDiffers).isTrue();
        assertThat(a.documentDiffers).isTrue();
        assertThat(a.missing).containsExactly("a|1");

        Outputs emptied = outputs();
        emptied.rows.put("e", new Outputs.Aggregate(0, 5000));
        emptied.documents.put("e", new Outputs.Aggregate(0, 5000));
        assertThat(Comparison.compare(Map.of(), emptied)).isEmpty();
    }

    @Test
    void outputsThatAreNotConfiguredAreNotCompared() {
        Map<String, ListTruth> table = Map.of("a", list("a|1", "{}"));
        Outputs rowsOnly = Outputs.empty(true, false, false);
        rowsOnly.rows.put("a", new Outputs.Aggregate(1, 10));
        assertThat(Comparison.compare(table, rowsOnly)).isEmpty();
    }

    @Test
    void imagesAreComparedExactlyWhateverTheAttributeOrder() {
        assertThat(ImageDigest.of("{\"a\":1,\"b\":[1,\"x\"]}"))
                .isEqualTo(ImageDigest.of("{\"b\":[1,\"x\"],\"a\":1}"));
        // numbers compare by value, exactly (a number's rendering is no drift; its value is)
        assertThat(ImageDigest.of("{\"a\":0.10}")).isEqualTo(ImageDigest.of("{\"a\":0.1}"));
        assertThat(ImageDigest.of("{\"a\":0.1}"))
                .isNotEqualTo(ImageDigest.of("{\"a\":0.10000001}"));
        assertThat(ImageDigest.of("{\"a\":12345678901234567890.123456789}"))
                .isNotEqualTo(ImageDigest.of("{\"a\":12345678901234567890.123456788}"));
        assertThat(ImageDigest.of("{\"a\":\"1\"}")).isNotEqualTo(ImageDigest.of("{\"a\":1}"));
        assertThat(List.of(ImageDigest.of("{}"))).doesNotContain(ImageDigest.of("{\"a\":null}"));
    }
}

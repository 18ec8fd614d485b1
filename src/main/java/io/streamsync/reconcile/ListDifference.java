package io.streamsync.reconcile;

import java.util.ArrayList;
import java.util.List;

/** How one list's outputs differ from the table. */
final class ListDifference {
    final String listId;
    final long tableCount;

    /** Null: no row (or no aggregate table configured, see {@link #rowDiffers}). */
    final Outputs.Aggregate row;

    final Outputs.Aggregate document;

    /** Item documents of this list in the item index; -1 without an item index. */
    final long indexedItems;

    final boolean rowDiffers;
    final boolean documentDiffers;
    final List<String> missing = new ArrayList<>();
    final List<String> phantom = new ArrayList<>();
    final List<String> stale = new ArrayList<>();

    ListDifference(
            String listId,
            long tableCount,
            Outputs.Aggregate row,
            Outputs.Aggregate document,
            long indexedItems,
            boolean rowDiffers,
            boolean documentDiffers) {
        this.listId = listId;
        this.tableCount = tableCount;
        this.row = row;
        this.document = document;
        this.indexedItems = indexedItems;
        this.rowDiffers = rowDiffers;
        this.documentDiffers = documentDiffers;
    }

    boolean any() {
        return rowDiffers
                || documentDiffers
                || !missing.isEmpty()
                || !phantom.isEmpty()
                || !stale.isEmpty();
    }

    /** The item ids this difference names. */
    List<String> items() {
        List<String> all = new ArrayList<>(missing);
        all.addAll(phantom);
        all.addAll(stale);
        return all;
    }

    @Override
    public String toString() {
        return listId
                + ": table="
                + tableCount
                + (rowDiffers ? " row=" + row : "")
                + (documentDiffers ? " document=" + document : "")
                + (missing.isEmpty() ? "" : " missing=" + missing)
                + (phantom.isEmpty() ? "" : " phantom=" + phantom)
                + (stale.isEmpty() ? "" : " stale=" + stale);
    }
}

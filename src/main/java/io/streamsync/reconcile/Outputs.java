package io.streamsync.reconcile;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/** What the outputs held when the report read them. */
final class Outputs {
    /** A list's row in the aggregate table, or its aggregate document. */
    static final class Aggregate {
        final long count;
        final long version;

        Aggregate(long count, long version) {
            this.count = count;
            this.version = version;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Aggregate
                    && ((Aggregate) o).count == count
                    && ((Aggregate) o).version == version;
        }

        @Override
        public int hashCode() {
            return Objects.hash(count, version);
        }

        @Override
        public String toString() {
            return "count=" + count + " v=" + version;
        }
    }

    /** An item document: its list, the digest of its source and its version. */
    static final class ItemDocument {
        final String listId;
        final String digest;
        final long version;

        ItemDocument(String listId, String digest, long version) {
            this.listId = listId;
            this.digest = digest;
            this.version = version;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof ItemDocument)) {
                return false;
            }
            ItemDocument d = (ItemDocument) o;
            return version == d.version
                    && Objects.equals(listId, d.listId)
                    && Objects.equals(digest, d.digest);
        }

        @Override
        public int hashCode() {
            return Objects.hash(listId, digest, version);
        }
    }

    /** By list id; null when the output is not configured. */
    final Map<String, Aggregate> rows;

    final Map<String, Aggregate> documents;

    /** By document id; null when there is no item index. */
    final Map<String, ItemDocument> items;

    Outputs(
            Map<String, Aggregate> rows,
            Map<String, Aggregate> documents,
            Map<String, ItemDocument> items) {
        this.rows = rows;
        this.documents = documents;
        this.items = items;
    }

    static Outputs empty(boolean rows, boolean documents, boolean items) {
        return new Outputs(
                rows ? new HashMap<>() : null,
                documents ? new HashMap<>() : null,
                items ? new HashMap<>() : null);
    }
}

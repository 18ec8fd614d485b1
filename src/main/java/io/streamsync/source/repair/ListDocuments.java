package io.streamsync.source.repair;

import java.io.IOException;
import java.io.Serializable;
import java.util.Map;

/**
 * The item documents of one list in the item index, with their versions: what the repair needs of
 * the index to delete phantoms and to write above a version edited by hand. The pipeline gives the
 * search implementation (a source does not know the sinks' clients); without an item index, none.
 */
public interface ListDocuments extends Serializable {
    /** Opens a reader (on the task). */
    Reader open() throws IOException;

    /** Reads the documents of lists. */
    interface Reader extends AutoCloseable {
        /** Document id (the item key) to version, for the documents of {@code listId}. */
        Map<String, Long> versions(String listId) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** No item index: no documents. */
    static ListDocuments none() {
        return () ->
                new Reader() {
                    @Override
                    public Map<String, Long> versions(String listId) {
                        return Map.of();
                    }

                    @Override
                    public void close() {}
                };
    }
}

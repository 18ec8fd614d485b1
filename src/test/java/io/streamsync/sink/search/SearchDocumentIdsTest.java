package io.streamsync.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.change.ItemKeys;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Document ids come from the data alone, and distinct keys must give distinct ids (issue 28 §9): a
 * key over 512 bytes is hashed to {@code sha256:<hex>}, so a readable key that literally reads so
 * must not give the same id, or two lists (or items) overwrite each other's document.
 */
class SearchDocumentIdsTest {
    private static ListAggregate agg(String list) {
        return new ListAggregate(list, 1, 1, -1, -1, 0, 0, 0, 0, 0);
    }

    @Test
    void aReadableIdThatReadsLikeAHashedOneDoesNotCollideWithIt() {
        String longList = "L".repeat(600);
        String hashed = SearchDocuments.aggregate("agg", "listId", agg(longList)).id;
        assertThat(hashed).startsWith("sha256:").hasSize(7 + 64);
        // another list whose id is, literally, that text
        String forged = SearchDocuments.aggregate("agg", "listId", agg(hashed)).id;
        assertThat(forged).as("the document id of a list named '%s'", hashed).isNotEqualTo(hashed);
        // item ids (partition|sort) and window ids follow the same rule
        String hashedItem = ItemKeys.itemKey("p".repeat(300), "s".repeat(300));
        assertThat(ItemKeys.itemKey(hashedItem, null)).isNotEqualTo(hashedItem);
        assertThat(SearchDocuments.windowId(hashed.substring(0, 20), 0)).isNotEqualTo(hashed);
        // every other readable id is as before: its key, escaped
        assertThat(ItemKeys.itemKey("list-1", "task|2")).isEqualTo("list-1|task\\|2");
        assertThat(ItemKeys.itemKey("sha256", "x")).isEqualTo("sha256|x");
        assertThat(forged.getBytes(StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(ItemKeys.MAX_ID_BYTES);
    }
}

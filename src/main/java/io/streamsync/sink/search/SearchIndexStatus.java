package io.streamsync.sink.search;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.sink.commit.CaughtUp;
import io.streamsync.sink.commit.StatusPublisher;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * The status document of the aggregate index (id {@link CaughtUp#STATUS_ID}): {@code updatedAt},
 * every change created before it is in the search index (aggregate, item and window documents);
 * {@code version} and the document's own {@code _version} are the same time in epoch ms. Only
 * fields the index's strict mapping has (also in an index an older release created). Written with
 * {@code version_type=external} and the caught-up time as its version, so the search engine itself
 * refuses an older one (a 409, counted in {@code searchVersionConflicts}).
 */
public final class SearchIndexStatus implements StatusPublisher {
    private final SearchIndexPublisher publisher;
    private final String index;

    SearchIndexStatus(SearchIndexPublisher publisher, String index) {
        this.publisher = publisher;
        this.index = index;
    }

    /** The document for {@code caughtUp}. */
    public static SearchAction document(String index, long caughtUp, long checkpointId) {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        // only fields the aggregate index maps already (its mapping is strict, also in indices an
        // older release created): the caught-up time as the date and as the version
        doc.put("updatedAt", Instant.ofEpochMilli(caughtUp).toString());
        doc.put("version", caughtUp);
        return new SearchAction(index, CaughtUp.STATUS_ID, doc.toString(), caughtUp);
    }

    @Override
    public void publish(long caughtUp, long checkpointId) throws IOException, InterruptedException {
        publisher.publish(List.of(document(index, caughtUp, checkpointId)));
    }

    @Override
    public void close() throws IOException {
        publisher.close();
    }
}

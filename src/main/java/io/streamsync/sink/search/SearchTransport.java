package io.streamsync.sink.search;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The HTTP calls the job makes to a search cluster, over one engine's own low-level REST client:
 * the engine-specific part of the search sink, nothing else. The requests (bulk bodies, index
 * creation, mappings) are built once, in {@link SearchIndexPublisher} and {@link IndexSetup}, for
 * both engines.
 */
public interface SearchTransport extends Closeable {
    /** NDJSON, for {@code _bulk}. */
    String NDJSON = "application/x-ndjson";

    String JSON = "application/json";

    /**
     * Sends one request. Completes with the answer whatever its HTTP status (the caller decides
     * what a status means); completes exceptionally only when no answer came (connection refused,
     * timeout).
     */
    CompletableFuture<SearchResponse> send(
            String method, String path, String body, String contentType);

    /** {@link #send} and wait. */
    default SearchResponse call(String method, String path, String jsonBody) throws IOException {
        try {
            return send(method, path, jsonBody, JSON).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException
                    ? (IOException) e.getCause()
                    : new IOException(e.getCause());
        }
    }
}

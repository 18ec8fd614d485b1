package io.streamsync.sink.search;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.http.HttpEntity;
import org.apache.http.util.EntityUtils;

/** One answer of the search cluster: HTTP status and body text (empty for HEAD). */
public final class SearchResponse {
    public final int status;
    public final String body;

    public SearchResponse(int status, String body) {
        this.status = status;
        this.body = body == null ? "" : body;
    }

    /**
     * Completes {@code answer} with the status and the entity's text (both engines' clients use
     * Apache HttpCore).
     */
    static void complete(CompletableFuture<SearchResponse> answer, int status, HttpEntity entity) {
        try {
            answer.complete(
                    new SearchResponse(
                            status,
                            entity == null
                                    ? ""
                                    : EntityUtils.toString(entity, StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            answer.completeExceptionally(e);
        }
    }

    public boolean ok() {
        return status >= 200 && status < 300;
    }

    @Override
    public String toString() {
        return status + " " + (body.length() > 2000 ? body.substring(0, 2000) + "..." : body);
    }
}

package io.streamsync.sink.search;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.http.entity.ContentType;
import org.apache.http.nio.entity.NStringEntity;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.ResponseListener;
import org.elasticsearch.client.RestClient;

/**
 * {@link SearchTransport} over Elasticsearch's low-level REST client (7.10.2: no product check).
 */
final class ElasticsearchTransport implements SearchTransport {
    private final RestClient client;

    ElasticsearchTransport(RestClient client) {
        this.client = client;
    }

    @Override
    public CompletableFuture<SearchResponse> send(
            String method, String path, String body, String contentType) {
        Request request = new Request(method, path);
        if (body != null) {
            request.setEntity(
                    new NStringEntity(
                            body, ContentType.create(contentType, StandardCharsets.UTF_8)));
        }
        CompletableFuture<SearchResponse> answer = new CompletableFuture<>();
        client.performRequestAsync(
                request,
                new ResponseListener() {
                    @Override
                    public void onSuccess(Response response) {
                        SearchResponse.complete(
                                answer,
                                response.getStatusLine().getStatusCode(),
                                response.getEntity());
                    }

                    @Override
                    public void onFailure(Exception e) {
                        if (e
                                instanceof
                                ResponseException) { // an answer with an error status: the caller's
                            // to judge
                            Response r = ((ResponseException) e).getResponse();
                            SearchResponse.complete(
                                    answer, r.getStatusLine().getStatusCode(), r.getEntity());
                        } else {
                            answer.completeExceptionally(e);
                        }
                    }
                });
        return answer;
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}

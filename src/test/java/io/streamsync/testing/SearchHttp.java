package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.change.ChangeRecordParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small REST client for reading an Elasticsearch/OpenSearch node in tests and the local run. */
public final class SearchHttp {
    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper mapper = ChangeRecordParser.newMapper();

    public SearchHttp(URI base) {
        this.base = base;
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    public JsonNode post(String path, String json) throws IOException, InterruptedException {
        return send(
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public JsonNode put(String path, String json) throws IOException, InterruptedException {
        return send(
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public JsonNode delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
    }

    private JsonNode send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        b.timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IOException("HTTP " + r.statusCode() + " from " + r.uri() + ": " + r.body());
        }
        return mapper.readTree(r.body());
    }

    public void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                String status = get("/_cluster/health").path("status").asText();
                if (status.equals("green") || status.equals("yellow")) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new IOException("search node at " + base + " not healthy within " + timeout, last);
    }

    public boolean indexExists(String index) throws InterruptedException {
        try {
            HttpResponse<String> r =
                    http.send(
                            HttpRequest.newBuilder(base.resolve("/" + index))
                                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Every document of the index by id ({@code _source}), after a refresh; empty when there is no
     * index.
     */
    public Map<String, JsonNode> allDocuments(String index)
            throws IOException, InterruptedException {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (!indexExists(index)) {
            return out;
        }
        post("/" + index + "/_refresh", "{}");
        JsonNode page =
                post("/" + index + "/_search?scroll=1m", "{\"size\":1000,\"sort\":[\"_doc\"]}");
        String scrollId = page.get("_scroll_id").asText();
        try {
            while (true) {
                JsonNode hits = page.path("hits").path("hits");
                if (hits.size() == 0) {
                    break;
                }
                for (JsonNode hit : hits) {
                    if (io.streamsync.sink.commit.CaughtUp.isStatus(hit.get("_id").asText())) {
                        continue; // the job's status document is no list
                    }
                    out.put(hit.get("_id").asText(), hit.get("_source"));
                }
                page =
                        post(
                                "/_search/scroll",
                                "{\"scroll\":\"1m\",\"scroll_id\":\"" + scrollId + "\"}");
                scrollId = page.get("_scroll_id").asText();
            }
        } finally {
            // free the scroll context at once: pollers call this many times a second
            send(
                    HttpRequest.newBuilder(base.resolve("/_search/scroll"))
                            .header("Content-Type", "application/json")
                            .method(
                                    "DELETE",
                                    HttpRequest.BodyPublishers.ofString(
                                            "{\"scroll_id\":\"" + scrollId + "\"}")));
        }
        return out;
    }
}

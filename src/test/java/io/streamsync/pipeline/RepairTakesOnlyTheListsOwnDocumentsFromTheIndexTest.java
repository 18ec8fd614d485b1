package io.streamsync.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.streamsync.config.JobConfig;
import io.streamsync.sink.search.SearchClientSettings;
import io.streamsync.source.repair.ListDocuments;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A repair deletes, as phantoms, the documents the index holds for a list that the table does not:
 * so the list's documents must be exactly the list's. The match query also hits other lists (a text
 * mapping lowercases and ignores token order: Quiet-1 and quiet-1, "a b" and "b a"); those hits
 * must be left out, or the repair would delete other lists' documents. Served over real HTTP by a
 * loopback server answering as Elasticsearch does.
 */
class RepairTakesOnlyTheListsOwnDocumentsFromTheIndexTest {
    @Test
    void hitsOfOtherListsThatTheMatchQueryFindsAreNotTheListsDocuments() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/",
                x -> {
                    calls.add(x.getRequestMethod() + " " + x.getRequestURI());
                    String body;
                    if (x.getRequestURI().getPath().equals("/items/_search")) {
                        body =
                                "{\"_scroll_id\":\"s1\",\"hits\":{\"hits\":["
                                        + "{\"_id\":\"own\",\"_version\":7,\"_source\":{\"listId\":\"Quiet-1\"}},"
                                        + "{\"_id\":\"lower\",\"_version\":3,\"_source\":{\"listId\":\"quiet-1\"}},"
                                        + "{\"_id\":\"swapped\",\"_version\":4,\"_source\":{\"listId\":\"1 Quiet\"}}"
                                        + "]}}";
                    } else {
                        body = "{\"_scroll_id\":\"s1\",\"hits\":{\"hits\":[]},\"succeeded\":true}";
                    }
                    byte[] b = body.getBytes(StandardCharsets.UTF_8);
                    x.getResponseHeaders().add("Content-Type", "application/json");
                    x.sendResponseHeaders(200, b.length);
                    x.getResponseBody().write(b);
                    x.close();
                });
        server.start();
        try {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("table.partition.key", "listId");
            p.put("table.sort.key", "taskId");
            p.put("sink.search.hosts", "http://127.0.0.1:" + server.getAddress().getPort());
            ListDocuments documents =
                    new SearchListDocuments(
                            SearchClientSettings.from(JobConfig.from(p)), "items", "listId");
            try (ListDocuments.Reader r = documents.open()) {
                assertThat(r.versions("Quiet-1"))
                        .as("the documents of list Quiet-1, with their versions")
                        .containsExactly(Map.entry("own", 7L));
            }
            assertThat(calls).anyMatch(c -> c.startsWith("POST /items/_search"));
        } finally {
            server.stop(0);
        }
    }
}

package io.streamsync.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.sink.rejections.RejectionLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the search publisher reads the cluster's answers. The cluster is a scripted transport here,
 * answering as Elasticsearch and OpenSearch document it; the integration tests run the publisher
 * against real nodes.
 */
class SearchIndexPublisherTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir Path dir;

    /** Records every bulk body and answers with what {@code answer} makes of its action lines. */
    private static final class ScriptedCluster implements SearchTransport {
        final List<String> bodies = new ArrayList<>();
        final List<String> paths = new ArrayList<>();
        final Function<List<JsonNode>, SearchResponse> answer;

        ScriptedCluster(Function<List<JsonNode>, SearchResponse> answer) {
            this.answer = answer;
        }

        @Override
        public CompletableFuture<SearchResponse> send(
                String method, String path, String body, String contentType) {
            bodies.add(body);
            paths.add(path);
            List<JsonNode> actions = new ArrayList<>();
            for (String line : body.split("\n")) {
                try {
                    JsonNode n = MAPPER.readTree(line);
                    if (n.has("index") || n.has("delete")) {
                        actions.add(n);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return CompletableFuture.completedFuture(answer.apply(actions));
        }

        @Override
        public void close() {}
    }

    private static SearchResponse items(
            List<JsonNode> actions, Function<JsonNode, ObjectNode> item) {
        ObjectNode r = MAPPER.createObjectNode();
        r.put("took", 1);
        ArrayNode items = r.putArray("items");
        boolean errors = false;
        for (JsonNode a : actions) {
            ObjectNode result = item.apply(a);
            errors |= result.path("status").asInt() >= 300;
            items.addObject().set(a.fieldNames().next(), result);
        }
        r.put("errors", errors);
        return new SearchResponse(200, r.toString());
    }

    private static ObjectNode status(int status, String result) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("status", status);
        if (result != null) {
            n.put("result", result);
        }
        return n;
    }

    private static ObjectNode error(int status, String type, String reason) {
        ObjectNode n = status(status, null);
        n.putObject("error").put("type", type).put("reason", reason);
        return n;
    }

    private SearchIndexPublisher publisher(ScriptedCluster cluster, int maxActions, long maxBytes) {
        return new SearchIndexPublisher(
                cluster,
                new RejectionLog(dir.toString(), "search", 0),
                maxActions,
                maxBytes,
                2,
                Duration.ofSeconds(5),
                new UnregisteredMetricsGroup());
    }

    private List<JsonNode> rejections() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            List<JsonNode> out = new ArrayList<>();
            for (Path f : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                for (String line : Files.readAllLines(f)) {
                    out.add(MAPPER.readTree(line));
                }
            }
            return out;
        }
    }

    @Test
    void anIndexActionAnsweredIndexNotFoundIsARejectionNotASuccess() throws Exception {
        ScriptedCluster cluster =
                new ScriptedCluster(
                        actions ->
                                items(
                                        actions,
                                        a ->
                                                a.has("index")
                                                        ? error(
                                                                404,
                                                                "index_not_found_exception",
                                                                "no such index [todo-list-task]")
                                                        : status(404, "not_found")));
        try (SearchIndexPublisher p = publisher(cluster, 1000, 1 << 20)) {
            p.publish(
                    List.of(
                            new SearchAction("todo-list-task", "a|1", "{\"x\":1}", 5),
                            new SearchAction("todo-list-task", "a|2", null, 6)));
        }
        List<JsonNode> rejected = rejections();
        assertThat(rejected).extracting(r -> r.get("id").asText()).containsExactly("a|1");
        assertThat(rejected.get(0).get("reason").asText())
                .startsWith("404 index_not_found_exception");
    }

    @Test
    void aDeleteOfADocumentThatIsAlreadyGoneIsDone() throws Exception {
        ScriptedCluster cluster =
                new ScriptedCluster(actions -> items(actions, a -> status(404, "not_found")));
        try (SearchIndexPublisher p = publisher(cluster, 1000, 1 << 20)) {
            p.publish(List.of(new SearchAction("i", "a|2", null, 6)));
        }
        assertThat(rejections()).isEmpty();
        assertThat(cluster.bodies).hasSize(1);
    }

    @Test
    void requestsStayUnderTheByteCapAndADocumentTooLargeForAnyRequestIsRejected() throws Exception {
        ScriptedCluster cluster =
                new ScriptedCluster(actions -> items(actions, a -> status(201, "created")));
        String doc = "{\"text\":\"" + "x".repeat(1500) + "\"}";
        String huge = "{\"text\":\"" + "y".repeat(5000) + "\"}";
        List<SearchAction> actions = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            actions.add(new SearchAction("i", "d" + i, doc, i + 1));
        }
        actions.add(new SearchAction("i", "huge", huge, 99));
        try (SearchIndexPublisher p = publisher(cluster, 1000, 4096)) {
            p.publish(actions);
        }
        assertThat(cluster.bodies)
                .allSatisfy(
                        b ->
                                assertThat(
                                                b.getBytes(java.nio.charset.StandardCharsets.UTF_8)
                                                        .length)
                                        .isLessThanOrEqualTo(4096));
        assertThat(cluster.bodies).hasSize(4); // 2 + 2 + 2 + 1 documents of ~1.6 KB
        assertThat(String.join("", cluster.bodies)).doesNotContain("huge");
        List<JsonNode> rejected = rejections();
        assertThat(rejected).extracting(r -> r.get("id").asText()).containsExactly("huge");
        assertThat(rejected.get(0).get("reason").asText()).contains("sink.search.bulk.max.bytes");
    }

    @Test
    void aRequestAnswered413IsSplitUntilItFitsAndALoneDocumentStill413IsRejected()
            throws Exception {
        // the cluster takes bodies of at most two documents, and never the one named "big"
        ScriptedCluster cluster =
                new ScriptedCluster(
                        actions ->
                                actions.size() > 2
                                                || actions.stream()
                                                        .anyMatch(
                                                                a ->
                                                                        a.findValue("_id")
                                                                                .asText()
                                                                                .equals("big"))
                                        ? new SearchResponse(413, "Request Entity Too Large")
                                        : items(actions, a -> status(201, "created")));
        List<SearchAction> actions = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            actions.add(new SearchAction("i", "d" + i, "{\"n\":" + i + "}", i + 1));
        }
        actions.add(new SearchAction("i", "big", "{\"n\":7}", 7));
        try (SearchIndexPublisher p = publisher(cluster, 1000, 1 << 20)) {
            p.publish(actions);
        }
        List<String> accepted = new ArrayList<>();
        for (String body : cluster.bodies) {
            List<String> ids =
                    Stream.of(body.split("\n"))
                            .filter(l -> l.startsWith("{\"index\""))
                            .map(l -> l.replaceAll(".*\"_id\":\"([^\"]+)\".*", "$1"))
                            .collect(Collectors.toList());
            if (ids.size() <= 2 && !ids.contains("big")) {
                accepted.addAll(ids);
            }
        }
        assertThat(accepted).containsExactlyInAnyOrder("d0", "d1", "d2", "d3", "d4", "d5");
        assertThat(rejections()).extracting(r -> r.get("id").asText()).containsExactly("big");
    }

    @Test
    void throttledItemsAreRetriedAndVersionConflictsAreAlreadyNewer() throws Exception {
        int[] calls = {0};
        ScriptedCluster cluster =
                new ScriptedCluster(
                        actions -> {
                            calls[0]++;
                            return items(
                                    actions,
                                    a ->
                                            a.findValue("_id").asText().equals("t") && calls[0] == 1
                                                    ? error(
                                                            429,
                                                            "es_rejected_execution_exception",
                                                            "queue full")
                                                    : a.findValue("_id").asText().equals("old")
                                                            ? error(
                                                                    409,
                                                                    "version_conflict_engine_exception",
                                                                    "newer")
                                                            : status(200, "updated"));
                        });
        try (SearchIndexPublisher p = publisher(cluster, 1000, 1 << 20)) {
            p.publish(
                    List.of(
                            new SearchAction("i", "t", "{}", 1),
                            new SearchAction("i", "old", "{}", 1)));
        }
        assertThat(calls[0]).isEqualTo(2);
        assertThat(cluster.bodies.get(1))
                .contains("\"_id\":\"t\"")
                .doesNotContain("\"_id\":\"old\"");
        assertThat(rejections()).isEmpty();
    }

    /**
     * Issue 31 §3: each request targets one index in its path and names no index in its lines, so
     * that a grant on {@code <domain>/<index>/_bulk} (and {@code
     * rest.action.multi.allow_explicit_index=false}) confines the job to its own indices.
     */
    @Test
    void eachBulkRequestTargetsOneIndexByItsPathAndItsLinesNameNoIndex() throws Exception {
        ScriptedCluster cluster =
                new ScriptedCluster(actions -> items(actions, a -> status(201, "created")));
        try (SearchIndexPublisher p = publisher(cluster, 1000, 1 << 20)) {
            p.publish(
                    List.of(
                            new SearchAction("todo-task-count", "a", "{\"n\":1}", 1),
                            new SearchAction("todo-list-task", "a|1", "{\"x\":1}", 1),
                            new SearchAction("todo-task-count", "b", "{\"n\":2}", 2),
                            new SearchAction("todo-list-task", "a|2", null, 3)));
        }
        assertThat(cluster.paths)
                .containsExactlyInAnyOrder("/todo-task-count/_bulk", "/todo-list-task/_bulk");
        for (int i = 0; i < cluster.paths.size(); i++) {
            String body = cluster.bodies.get(i);
            assertThat(body).doesNotContain("_index");
            String index = cluster.paths.get(i).split("/")[1];
            List<String> ids =
                    Stream.of(body.split("\n"))
                            .filter(l -> l.startsWith("{\"index\"") || l.startsWith("{\"delete\""))
                            .map(l -> l.replaceAll(".*\"_id\":\"([^\"]+)\".*", "$1"))
                            .collect(Collectors.toList());
            assertThat(ids)
                    .as("documents sent to %s", index)
                    .containsExactlyElementsOf(
                            index.equals("todo-task-count")
                                    ? List.of("a", "b")
                                    : List.of("a|1", "a|2"));
        }
        assertThat(SearchIndexPublisher.pathSegment("tasks+2026.01")).isEqualTo("tasks%2B2026.01");
    }
}

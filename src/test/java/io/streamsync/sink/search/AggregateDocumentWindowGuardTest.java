package io.streamsync.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.aggregate.ListAggregate;
import io.streamsync.sink.rejections.RejectionLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 28: the aggregate documents' window fields never go back. After a rollback, a replay can
 * reach a newer state of a list before the window the first run had made final (its watermark meets
 * the changes in another order), so a document newer by its version can carry an earlier final
 * window, or none. The publisher reads the stored documents first and such a document keeps the
 * stored window fields; the external version still decides. The cluster here keeps documents and
 * answers {@code _mget} and {@code _bulk} (external versions) as Elasticsearch does; {@code
 * AggregateDocumentWindowsITCase} runs the same against real nodes.
 */
class AggregateDocumentWindowGuardTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String INDEX = "counts";

    @TempDir Path dir;

    /** Counters a test can read back. */
    private static final class Metrics extends UnregisteredMetricsGroup {
        final Map<String, Counter> counters = new HashMap<>();

        @Override
        public Counter counter(String name) {
            return counters.computeIfAbsent(name, n -> super.counter(n));
        }

        long count(String name) {
            Counter c = counters.get(name);
            return c == null ? 0 : c.getCount();
        }
    }

    /** Documents by id with their external versions; answers _mget and _bulk. */
    static final class Cluster implements SearchTransport {
        final Map<String, Long> versions = new HashMap<>();
        final Map<String, ObjectNode> sources = new HashMap<>();
        final List<String> paths = new ArrayList<>();

        @Override
        public synchronized CompletableFuture<SearchResponse> send(
                String method, String path, String body, String contentType) {
            paths.add(path);
            try {
                if (path.contains("/_mget")) {
                    assertThat(contentType).isEqualTo(JSON);
                    ObjectNode r = MAPPER.createObjectNode();
                    ArrayNode docs = r.putArray("docs");
                    for (JsonNode id : MAPPER.readTree(body).path("ids")) {
                        ObjectNode d = docs.addObject();
                        d.put("_index", INDEX);
                        d.put("_id", id.asText());
                        Long v = versions.get(id.asText());
                        d.put("found", v != null);
                        if (v != null) {
                            d.put("_version", v);
                            d.set("_source", sources.get(id.asText()));
                        }
                    }
                    return CompletableFuture.completedFuture(new SearchResponse(200, r.toString()));
                }
                ObjectNode r = MAPPER.createObjectNode();
                ArrayNode items = r.putArray("items");
                String[] lines = body.split("\n");
                for (int i = 0; i < lines.length; i++) {
                    JsonNode a = MAPPER.readTree(lines[i]).get("index");
                    assertThat(a.path("version_type").asText()).isEqualTo("external");
                    String id = a.get("_id").asText();
                    long v = a.get("version").asLong();
                    ObjectNode source = (ObjectNode) MAPPER.readTree(lines[++i]);
                    ObjectNode item = items.addObject().putObject("index");
                    Long stored = versions.get(id);
                    if (stored != null && stored >= v) {
                        item.put("status", 409);
                        item.putObject("error").put("type", "version_conflict_engine_exception");
                    } else {
                        versions.put(id, v);
                        sources.put(id, source);
                        item.put("status", stored == null ? 201 : 200);
                    }
                }
                return CompletableFuture.completedFuture(new SearchResponse(200, r.toString()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {}
    }

    static ListAggregate state(long count, long version, long windowStart, long inserted) {
        return new ListAggregate(
                "l1",
                count,
                version,
                windowStart,
                windowStart == Long.MIN_VALUE ? Long.MIN_VALUE : windowStart + 1_000,
                inserted,
                0,
                0,
                0,
                1_700_000_000_000L + version);
    }

    private SearchIndexPublisher publisher(Cluster c, Metrics m) {
        return new SearchIndexPublisher(
                c,
                new RejectionLog(dir.toString(), "search-index-sink", 0),
                100,
                1 << 20,
                1,
                Duration.ofSeconds(5),
                m,
                INDEX);
    }

    private static void publish(SearchIndexPublisher p, ListAggregate a) throws Exception {
        p.publish(List.of(SearchDocuments.aggregate(INDEX, "listId", a)));
    }

    @Test
    void aNewerStateWithAnEarlierFinalWindowKeepsTheDocumentsWindowFields() throws Exception {
        Cluster c = new Cluster();
        Metrics m = new Metrics();
        String id = io.streamsync.change.ItemKeys.itemKey("l1", null);
        try (SearchIndexPublisher p = publisher(c, m)) {
            publish(p, state(5, 50, 40_000, 3));
            publish(p, state(9, 60, 33_000, 1)); // the replay: an earlier window
            JsonNode doc = c.sources.get(id);
            assertThat(c.versions.get(id)).isEqualTo(60);
            assertThat(doc.path("taskCount").asLong()).isEqualTo(9);
            assertThat(doc.path("version").asLong()).isEqualTo(60);
            assertThat(doc.path("updatedAt").asText()).isEqualTo("2023-11-14T22:13:20.060Z");
            assertThat(doc.path("windowStart").asText()).isEqualTo("1970-01-01T00:00:40Z");
            assertThat(doc.path("windowEnd").asText()).isEqualTo("1970-01-01T00:00:41Z");
            assertThat(doc.path("inserted").asLong()).isEqualTo(3);

            publish(p, state(8, 70, Long.MIN_VALUE, 0)); // no final window at all
            doc = c.sources.get(id);
            assertThat(doc.path("taskCount").asLong()).isEqualTo(8);
            assertThat(doc.path("windowStart").asText()).isEqualTo("1970-01-01T00:00:40Z");
            assertThat(doc.path("inserted").asLong()).isEqualTo(3);

            publish(p, state(1, 65, 90_000, 7)); // an older version: refused whatever its window
            assertThat(c.versions.get(id)).isEqualTo(70);
            assertThat(c.sources.get(id).path("windowStart").asText())
                    .isEqualTo("1970-01-01T00:00:40Z");

            publish(p, state(8, 72, 50_000, 2)); // a later window replaces
            doc = c.sources.get(id);
            assertThat(doc.path("windowStart").asText()).isEqualTo("1970-01-01T00:00:50Z");
            assertThat(doc.path("inserted").asLong()).isEqualTo(2);
            assertThat(m.count("searchWindowFieldsKept")).isEqualTo(2);
            assertThat(m.count("searchVersionConflicts")).isEqualTo(1);
            assertThat(m.count("searchDocumentsWritten")).isEqualTo(4);
        }
    }

    @Test
    void onlyTheAggregateIndexIsReadFirst() throws Exception {
        Cluster c = new Cluster();
        try (SearchIndexPublisher p = publisher(c, new Metrics())) {
            p.publish(List.of(new SearchAction("items", "l1|t1", "{\"listId\":\"l1\"}", 3)));
            assertThat(c.paths).containsExactly("/items/_bulk");
            publish(p, state(1, 10, 0, 1));
            assertThat(c.paths)
                    .containsExactly(
                            "/items/_bulk",
                            "/counts/_mget?realtime=true&_source_includes=windowStart,windowEnd,"
                                    + "inserted,modified,removed,expired",
                            "/counts/_bulk");
        }
    }

    @Test
    void theStoredWindowFieldsAreKeptOnlyWhenTheyShowALaterWindow() throws Exception {
        JsonNode stored =
                MAPPER.readTree(
                        "{\"windowStart\":\"2026-12-05T16:16:40Z\",\"windowEnd\":\"2026-12-05T16:16:41Z\","
                                + "\"inserted\":4,\"modified\":1,\"removed\":0,\"expired\":0}");
        String earlier =
                "{\"listId\":\"l\",\"taskCount\":2,\"version\":7,\"windowStart\":\"2026-12-05T16:16:33Z\","
                        + "\"windowEnd\":\"2026-12-05T16:16:34Z\",\"inserted\":1,\"modified\":0,"
                        + "\"removed\":0,\"expired\":0,\"updatedAt\":\"2026-12-05T16:16:45Z\"}";
        JsonNode kept = MAPPER.readTree(SearchDocuments.keepingLaterWindow(earlier, stored));
        assertThat(kept.path("windowStart").asText()).isEqualTo("2026-12-05T16:16:40Z");
        assertThat(kept.path("inserted").asLong()).isEqualTo(4);
        assertThat(kept.path("modified").asLong()).isEqualTo(1);
        assertThat(kept.path("taskCount").asLong()).isEqualTo(2);
        assertThat(kept.path("updatedAt").asText()).isEqualTo("2026-12-05T16:16:45Z");

        String none = "{\"listId\":\"l\",\"taskCount\":2,\"version\":7}";
        assertThat(
                        MAPPER.readTree(SearchDocuments.keepingLaterWindow(none, stored))
                                .path("windowStart")
                                .asText())
                .isEqualTo("2026-12-05T16:16:40Z");
        // a millisecond fraction orders by time, not by text
        String later = earlier.replace("16:16:33Z", "16:16:40.500Z");
        assertThat(SearchDocuments.keepingLaterWindow(later, stored)).isNull();
        String same = earlier.replace("16:16:33Z", "16:16:40Z");
        assertThat(SearchDocuments.keepingLaterWindow(same, stored)).isNull();
        assertThat(SearchDocuments.keepingLaterWindow(earlier, MAPPER.readTree("{}"))).isNull();
    }
}

package io.streamsync.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.sink.rejections.RejectionLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search sink's version condition, in the fast unit tests of the mutation check (issue 32,
 * testing page "Mutation check"): every action carries the document's version with {@code
 * version_type=external}, and a 409 answer is "already this version or newer", counted and not
 * retried. The cluster here keeps documents (and the versions of deleted ones) and answers as
 * Elasticsearch's external versioning does; an action without a version or with another version
 * type fails the test. Kills the survivors of the first run: the {@code version} and {@code
 * version_type} fields (and {@code _id}) dropped from the action line, the written and conflict
 * counters' calls removed. The integration tests run the same publisher against real nodes.
 */
class SearchVersionConditionTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

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

    /** Documents by id: their version, and whether they are deleted (the version kept). */
    private static final class VersionedCluster implements SearchTransport {
        final Map<String, Long> versions = new HashMap<>();
        final Map<String, String> sources = new HashMap<>();

        @Override
        public synchronized CompletableFuture<SearchResponse> send(
                String method, String path, String body, String contentType) {
            ObjectNode r = MAPPER.createObjectNode();
            ArrayNode items = r.putArray("items");
            String[] lines = body.split("\n");
            boolean errors = false;
            for (int i = 0; i < lines.length; i++) {
                JsonNode line;
                try {
                    line = MAPPER.readTree(lines[i]);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                String op = line.fieldNames().next();
                JsonNode a = line.get(op);
                assertThat(a.path("version_type").asText()).as(lines[i]).isEqualTo("external");
                assertThat(a.path("version").isIntegralNumber()).as(lines[i]).isTrue();
                assertThat(a.path("_id").isTextual()).as(lines[i]).isTrue();
                String id = a.get("_id").asText();
                long v = a.get("version").asLong();
                String source = op.equals("index") ? lines[++i] : null;
                Long stored = versions.get(id);
                ObjectNode item = items.addObject().putObject(op);
                if (stored != null && stored >= v) {
                    item.put("status", 409);
                    item.putObject("error").put("type", "version_conflict_engine_exception");
                    errors = true;
                } else if (op.equals("delete")) {
                    boolean found = sources.remove(id) != null;
                    versions.put(id, v);
                    item.put("status", found ? 200 : 404)
                            .put("result", found ? "deleted" : "not_found");
                } else {
                    versions.put(id, v);
                    sources.put(id, source);
                    item.put("status", stored == null ? 201 : 200);
                }
            }
            r.put("errors", errors);
            return CompletableFuture.completedFuture(new SearchResponse(200, r.toString()));
        }

        @Override
        public void close() {}
    }

    @Test
    void everyActionCarriesItsVersionAsAnExternalVersion() {
        SearchIndexPublisher p =
                new SearchIndexPublisher(
                        new VersionedCluster(),
                        new RejectionLog(dir.toString(), "search", 0),
                        100,
                        1 << 20,
                        1,
                        Duration.ofSeconds(5),
                        new Metrics());
        assertThat(p.lines(new SearchAction("i", "a|1", "{\"x\":1}", 7)))
                .isEqualTo(
                        "{\"index\":{\"_id\":\"a|1\",\"version\":7,\"version_type\":\"external\"}}\n"
                                + "{\"x\":1}\n");
        assertThat(p.lines(new SearchAction("i", "a|1", null, 8)))
                .isEqualTo(
                        "{\"delete\":{\"_id\":\"a|1\",\"version\":8,\"version_type\":\"external\"}}\n");
    }

    @Test
    void anOlderOrEqualVersionNeverReplacesADocumentAndIsCountedAsAConflict() throws Exception {
        VersionedCluster cluster = new VersionedCluster();
        Metrics m = new Metrics();
        try (SearchIndexPublisher p =
                new SearchIndexPublisher(
                        cluster,
                        new RejectionLog(dir.toString(), "search", 0),
                        100,
                        1 << 20,
                        1,
                        Duration.ofSeconds(5),
                        m)) {
            p.publish(List.of(new SearchAction("i", "a", "{\"n\":5}", 5)));
            p.publish(List.of(new SearchAction("i", "a", "{\"n\":3}", 3))); // older: refused
            p.publish(List.of(new SearchAction("i", "a", "{\"n\":55}", 5))); // equal: refused
            assertThat(cluster.sources.get("a")).isEqualTo("{\"n\":5}");
            assertThat(m.count("searchDocumentsWritten")).isEqualTo(1);
            assertThat(m.count("searchVersionConflicts")).isEqualTo(2);

            p.publish(List.of(new SearchAction("i", "a", null, 6))); // a newer delete
            p.publish(List.of(new SearchAction("i", "a", "{\"n\":4}", 4))); // older than it
            p.publish(List.of(new SearchAction("i", "b", null, 1))); // a delete of nothing
            assertThat(cluster.sources).isEmpty();
            assertThat(m.count("searchDocumentsWritten")).isEqualTo(3);
            assertThat(m.count("searchVersionConflicts")).isEqualTo(3);
            assertThat(m.count("searchWritesRetried")).isZero();
            assertThat(m.count("searchDocumentsRejected")).isZero();
        }
    }
}

package io.streamsync.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.aggregate.ListAggregate;
import io.streamsync.change.ItemKeys;
import io.streamsync.config.JobConfig;
import io.streamsync.sink.rejections.RejectionLog;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.SearchNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 28 on real nodes (Elasticsearch 7.10.2 and OpenSearch 2.13), in the aggregate index the job
 * creates: a newer aggregate document with an earlier final window, or none (a replay after a
 * rollback), keeps the stored window fields; the external version still refuses an older one; a
 * later window replaces. Checks the {@code _mget} the publisher reads with, its {@code
 * _source_includes} and the stored {@code _version} it compares.
 */
class AggregateDocumentWindowsITCase {
    @TempDir Path dir;

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

    @Test
    void onElasticsearch() throws Exception {
        try (SearchNode node = SearchNode.start()) {
            windowFieldsNeverGoBack(node);
        }
    }

    @Test
    void onOpenSearch() throws Exception {
        try (SearchNode node = SearchNode.startOpenSearch()) {
            windowFieldsNeverGoBack(node);
        }
    }

    private void windowFieldsNeverGoBack(SearchNode node) throws Exception {
        JobConfig c =
                JobConfig.from(
                        Map.of(
                                "sink.search.hosts", node.uri().toString(),
                                "sink.search.item.index", "guard-items",
                                "sink.search.aggregate.index", "guard-counts",
                                "sink.search.windows.index", ""));
        IndexSetup.ensureIndices(c);
        SearchHttp http = new SearchHttp(node.uri());
        String id = ItemKeys.itemKey("l1", null);
        Metrics m = new Metrics();
        try (SearchIndexPublisher p =
                new SearchIndexPublisher(
                        SearchClientSettings.from(c).newTransport(),
                        new RejectionLog(dir.toString(), "search-index-sink", 0),
                        100,
                        1 << 20,
                        1,
                        Duration.ofSeconds(30),
                        m,
                        "guard-counts")) {
            publish(p, AggregateDocumentWindowGuardTest.state(5, 50, 40_000, 3));
            publish(p, AggregateDocumentWindowGuardTest.state(9, 60, 33_000, 1));
            JsonNode doc = http.get("/guard-counts/_doc/" + id);
            assertThat(doc.path("_version").asLong()).isEqualTo(60);
            assertThat(doc.path("_source").path("taskCount").asLong()).isEqualTo(9);
            assertThat(doc.path("_source").path("windowStart").asText())
                    .isEqualTo("1970-01-01T00:00:40Z");
            assertThat(doc.path("_source").path("inserted").asLong()).isEqualTo(3);

            publish(p, AggregateDocumentWindowGuardTest.state(8, 70, Long.MIN_VALUE, 0));
            doc = http.get("/guard-counts/_doc/" + id);
            assertThat(doc.path("_version").asLong()).isEqualTo(70);
            assertThat(doc.path("_source").path("taskCount").asLong()).isEqualTo(8);
            assertThat(doc.path("_source").path("windowStart").asText())
                    .isEqualTo("1970-01-01T00:00:40Z");

            publish(p, AggregateDocumentWindowGuardTest.state(1, 65, 90_000, 7));
            doc = http.get("/guard-counts/_doc/" + id);
            assertThat(doc.path("_version").asLong()).isEqualTo(70);

            publish(p, AggregateDocumentWindowGuardTest.state(8, 72, 50_000, 2));
            doc = http.get("/guard-counts/_doc/" + id);
            assertThat(doc.path("_version").asLong()).isEqualTo(72);
            assertThat(doc.path("_source").path("windowStart").asText())
                    .isEqualTo("1970-01-01T00:00:50Z");
            assertThat(doc.path("_source").path("inserted").asLong()).isEqualTo(2);
        }
        assertThat(m.count("searchWindowFieldsKept")).isEqualTo(2);
        assertThat(m.count("searchVersionConflicts")).isEqualTo(1);
        assertThat(dir.resolve("search-index-sink").toFile().exists())
                .as("no rejections")
                .isFalse();
    }

    private static void publish(SearchIndexPublisher p, ListAggregate a) throws Exception {
        p.publish(List.of(SearchDocuments.aggregate("guard-counts", "listId", a)));
    }
}

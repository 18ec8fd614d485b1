package io.streamsync.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.config.JobConfig;
import io.streamsync.sink.rejections.RejectionLog;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.SearchNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real Elasticsearch 7.10.2 node: the item index the job creates maps no item field
 * dynamically (issue 31 §6), so 1,500 distinct user-chosen attribute names (over the 1,000-field
 * limit) are all stored and returned whole, none refused; the keys stay searchable. And the
 * publisher's per-index bulk requests (issue 31 §3) are accepted by the engine for two indices at
 * once.
 */
class ItemMappingITCase {
    @TempDir Path dir;

    @Test
    void itemsWithMoreDistinctFieldsThanTheLimitAreAllStoredAndTheirKeysSearchable()
            throws Exception {
        try (SearchNode node = SearchNode.start()) {
            JobConfig c =
                    JobConfig.from(
                            Map.of(
                                    "sink.search.hosts",
                                    node.uri().toString(),
                                    "sink.search.item.index",
                                    "mapping-items",
                                    "sink.search.aggregate.index",
                                    "mapping-counts",
                                    "sink.search.windows.index",
                                    ""));
            IndexSetup.ensureIndices(c);
            SearchHttp http = new SearchHttp(node.uri());
            List<SearchAction> actions = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                StringBuilder doc =
                        new StringBuilder(
                                "{\"listId\":\"list-" + (i % 3) + "\",\"taskId\":\"t" + i + "\"");
                for (int f = 0; f < 5; f++) {
                    doc.append(",\"attr_")
                            .append(i)
                            .append('_')
                            .append(f)
                            .append("\":")
                            .append(i * 10 + f);
                }
                actions.add(
                        new SearchAction(
                                "mapping-items",
                                "list-" + (i % 3) + "|t" + i,
                                doc.append('}').toString(),
                                1));
            }
            actions.add(
                    new SearchAction(
                            "mapping-counts",
                            "list-0",
                            "{\"listId\":\"list-0\",\"taskCount\":100,\"version\":1,"
                                    + "\"updatedAt\":\"2026-01-01T00:00:00Z\"}",
                            1));
            try (SearchIndexPublisher p =
                    new SearchIndexPublisher(
                            SearchClientSettings.from(c).newTransport(),
                            new RejectionLog(dir.toString(), "search-index-sink", 0),
                            100,
                            1 << 20,
                            2,
                            Duration.ofSeconds(30),
                            new UnregisteredMetricsGroup())) {
                p.publish(actions);
            }
            http.post("/mapping-items,mapping-counts/_refresh", "{}");
            assertThat(http.allDocuments("mapping-items"))
                    .as("every item stored, none refused")
                    .hasSize(300);
            assertThat(http.allDocuments("mapping-counts")).hasSize(1);
            assertThat(dir.resolve("search-index-sink").toFile().exists())
                    .as("no rejections")
                    .isFalse();

            JsonNode mapping =
                    http.get("/mapping-items/_mapping").path("mapping-items").path("mappings");
            assertThat(mapping.path("dynamic").asText()).isEqualTo("false");
            List<String> fields = new ArrayList<>();
            mapping.path("properties").fieldNames().forEachRemaining(fields::add);
            assertThat(fields).containsExactlyInAnyOrder("listId", "taskId");

            JsonNode one = http.get("/mapping-items/_doc/list-1%7Ct7");
            assertThat(one.path("_source").path("attr_7_3").asLong())
                    .as("an unmapped field stays in _source")
                    .isEqualTo(73);
            JsonNode hits =
                    http.post(
                            "/mapping-items/_search",
                            "{\"size\":0,\"track_total_hits\":true,"
                                    + "\"query\":{\"term\":{\"listId\":\"list-1\"}}}");
            assertThat(hits.path("hits").path("total").path("value").asLong())
                    .as("the keys are searchable")
                    .isEqualTo(100);
            JsonNode unmapped =
                    http.post(
                            "/mapping-items/_search",
                            "{\"size\":0,\"track_total_hits\":true,"
                                    + "\"query\":{\"term\":{\"attr_7_3\":73}}}");
            assertThat(unmapped.path("hits").path("total").path("value").asLong())
                    .as("an unmapped field is not indexed")
                    .isZero();
        }
    }
}

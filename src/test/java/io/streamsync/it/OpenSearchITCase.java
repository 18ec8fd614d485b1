package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.config.ConfigException;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The job with {@code sink.search.engine=opensearch} against a real OpenSearch 2.13 node (own JVM)
 * and moto: the workload and ground-truth comparison of the Elasticsearch tests, with the indices
 * behind write aliases and the item mapping from conf/item-index.json; and a start refused, with
 * the conflict listed, when an existing index maps a field the job writes with another type.
 */
class OpenSearchITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension
    static final LocalServicesExtension SERVICES = LocalServicesExtension.withOpenSearch();

    @Test
    void aggregatesAndItemIndexEqualTheSourceTableOnOpenSearchBehindWriteAliases(@TempDir Path dir)
            throws Exception {
        Map<String, String> props = SERVICES.services().testJobProperties("os", dir);
        assertThat(props.get("sink.search.engine")).isEqualTo("opensearch");
        props.put("sink.search.write.alias", "true");
        props.put(
                "sink.search.item.mapping.file",
                Path.of("conf/item-index.json").toAbsolutePath().toString());
        TodoTables.createSourceTable(SERVICES.ddb(), "osTasks", StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), "osCounts");
        JobConfig c = JobConfig.from(props);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(
                env,
                c,
                RecordSources.fromConfig(c, Startup.prepare(c)),
                PipelineSinks.fromConfig(c));
        JobClient job = env.executeAsync("opensearch");
        try {
            long start = System.nanoTime();
            new TaskWorkload(SERVICES.ddb(), "osTasks", 50, 21L).run(2000);
            Poll.until(
                    Duration.ofSeconds(180),
                    () ->
                            GroundTruth.check(
                                    SERVICES.ddb(),
                                    "osTasks",
                                    "osCounts",
                                    SERVICES.search(),
                                    "os-counts",
                                    "os-tasks"));
            System.out.printf(
                    "[opensearch] outputs exact %.1f s after the traffic began%n",
                    (System.nanoTime() - start) / 1e9);
        } finally {
            job.cancel().get();
        }
        for (String alias : new String[] {"os-counts", "os-tasks"}) {
            JsonNode aliases = SERVICES.search().get("/_alias/" + alias);
            assertThat(
                            aliases.path(alias + "-000001")
                                    .path("aliases")
                                    .path(alias)
                                    .path("is_write_index")
                                    .asBoolean())
                    .as("%s is a write alias of %s-000001: %s", alias, alias, aliases)
                    .isTrue();
        }
        JsonNode mapping = SERVICES.search().get("/os-tasks/_mapping");
        assertThat(mapping.at("/os-tasks-000001/mappings/properties/taskId/type").asText())
                .isEqualTo("keyword");
        // item fields are not mapped dynamically (issue 31 §6): estimateHours is only in _source
        assertThat(mapping.at("/os-tasks-000001/mappings/dynamic").asText()).isEqualTo("false");
        assertThat(mapping.at("/os-tasks-000001/mappings/properties/estimateHours").isMissingNode())
                .isTrue();
    }

    @Test
    void anExistingItemIndexThatForgetsDeletionsTooSoonStopsTheStartSayingWhatToSet(
            @TempDir Path dir) throws Exception {
        SERVICES.search().put("/gc-tasks", "{\"settings\":{\"index.gc_deletes\":\"60s\"}}");
        Map<String, String> props = SERVICES.services().testJobProperties("gc", dir);
        TodoTables.createSourceTable(SERVICES.ddb(), "gcTasks", StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), "gcCounts");
        assertThatThrownBy(() -> Startup.prepare(JobConfig.from(props)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "index 'gc-tasks' has index.gc_deletes=60s (config key 'sink.search.item.index')")
                .hasMessageContaining(
                        "PUT /gc-tasks/_settings {\"index.gc_deletes\":\"3600000ms\"}");
        SERVICES.search().put("/gc-tasks/_settings", "{\"index.gc_deletes\":\"3600000ms\"}");
        Startup.prepare(JobConfig.from(props)); // as the message says: the start goes on
    }

    @Test
    void anExistingIndexWithAConflictingMappingStopsTheStart(@TempDir Path dir) throws Exception {
        SERVICES.search()
                .put(
                        "/conflict-counts",
                        "{\"mappings\":{\"properties\":{\"listId\":{\"type\":\"keyword\"},"
                                + "\"taskCount\":{\"type\":\"text\"},\"updatedAt\":{\"type\":\"long\"}}}}");
        Map<String, String> props = SERVICES.services().testJobProperties("conflict", dir);
        TodoTables.createSourceTable(
                SERVICES.ddb(), "conflictTasks", StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), "conflictCounts");
        assertThatThrownBy(() -> Startup.prepare(JobConfig.from(props)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "index 'conflict-counts' (config key 'sink.search.aggregate.index') has a mapping the job cannot write to")
                .hasMessageContaining(
                        "index 'conflict-counts' maps 'taskCount' as text; the job needs long")
                .hasMessageContaining("maps 'updatedAt' as long; the job needs date");
    }
}

package io.streamsync.sink.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Index bodies and the mapping-conflict report (the cluster side is in the integration tests). */
class IndexSetupTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void theConfItemIndexFileIsTheBuiltInDefault() {
        JobConfig builtIn = JobConfig.from(Map.of());
        JobConfig fromConf =
                JobConfig.from(
                        Map.of(
                                "sink.search.item.mapping.file",
                                Path.of("conf/item-index.json").toString()));
        assertThat(IndexSetup.itemIndexBody(fromConf)).isEqualTo(IndexSetup.itemIndexBody(builtIn));
        assertThat(
                        IndexSetup.itemIndexBody(builtIn)
                                .at("/mappings/properties/taskId/type")
                                .asText())
                .isEqualTo("keyword");
        assertThat(IndexSetup.itemIndexBody(builtIn).at("/settings/index.gc_deletes").asText())
                .isEqualTo(IndexSetup.GC_DELETES);
    }

    @Test
    void aMappingFileAddsFieldsButCannotRetypeTheKeys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("items.json");
        Files.writeString(file, "{\"mappings\":{\"properties\":{\"title\":{\"type\":\"text\"}}}}");
        JobConfig c = JobConfig.from(Map.of("sink.search.item.mapping.file", file.toString()));
        assertThat(IndexSetup.itemIndexBody(c).at("/mappings/properties/title/type").asText())
                .isEqualTo("text");
        assertThat(IndexSetup.itemIndexBody(c).at("/mappings/properties/listId/type").asText())
                .isEqualTo("keyword");
        assertThat(IndexSetup.itemIndexBody(c).at("/settings/index.gc_deletes").asText())
                .isEqualTo("1h");

        Files.writeString(file, "{\"mappings\":{\"properties\":{\"listId\":{\"type\":\"text\"}}}}");
        assertThatThrownBy(() -> IndexSetup.itemIndexBody(c))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("key attribute 'listId' must be mapped as keyword");
        Files.writeString(file, "[1,2]");
        assertThatThrownBy(() -> IndexSetup.itemIndexBody(c))
                .hasMessageContaining("must be a JSON object with a \"mappings\"");
        Files.writeString(file, "{oops");
        assertThatThrownBy(() -> IndexSetup.itemIndexBody(c))
                .hasMessageContaining("is not valid JSON");
    }

    /**
     * Issue 31 §6: user-chosen attribute names must not fill the index's field limit (1,000), after
     * which every document with a new field would be refused and dead-lettered with its personal
     * data. Item fields stay in {@code _source}; only the keys, and the fields a mapping file
     * declares, are indexed.
     */
    @Test
    void theItemIndexMapsNoFieldDynamicallyUnlessAMappingFileAsksForIt(@TempDir Path dir)
            throws Exception {
        assertThat(
                        IndexSetup.itemIndexBody(JobConfig.from(Map.of()))
                                .at("/mappings/dynamic")
                                .asText())
                .as("built-in item mapping")
                .isEqualTo("false");
        assertThat(
                        IndexSetup.itemIndexBody(JobConfig.from(Map.of()))
                                .at("/mappings/properties")
                                .size())
                .as("only the two key attributes are mapped")
                .isEqualTo(2);
        // a file of an earlier release (dynamic templates, no "dynamic"): non-dynamic as well
        Path file = dir.resolve("items.json");
        Files.writeString(
                file,
                "{\"mappings\":{\"dynamic_templates\":[{\"d\":{\"match_mapping_type\":\"long\","
                        + "\"mapping\":{\"type\":\"double\"}}}],\"properties\":{\"title\":{\"type\":\"text\"}}}}");
        JobConfig c = JobConfig.from(Map.of("sink.search.item.mapping.file", file.toString()));
        assertThat(IndexSetup.itemIndexBody(c).at("/mappings/dynamic").asText()).isEqualTo("false");
        assertThat(IndexSetup.itemIndexBody(c).at("/mappings/properties/title/type").asText())
                .as("a chosen field")
                .isEqualTo("text");
        // the explicit opt-in
        Files.writeString(file, "{\"mappings\":{\"dynamic\":true}}");
        assertThat(IndexSetup.itemIndexBody(c).at("/mappings/dynamic").asText()).isEqualTo("true");
    }

    @Test
    void conflictingMappingsAreListedWithTheIndexBehindTheName() throws Exception {
        String existing =
                "{\"todo-task-count-000001\":{\"mappings\":{\"dynamic\":\"strict\",\"properties\":{"
                        + "\"listId\":{\"type\":\"keyword\"},\"taskCount\":{\"type\":\"text\"},\"version\":{\"type\":\"long\"}}}}}";
        assertThatThrownBy(
                        () ->
                                IndexSetup.checkMapping(
                                        "todo-task-count",
                                        ConfigKey.SINK_SEARCH_AGGREGATE_INDEX,
                                        IndexSetup.aggregateIndexBody("listId").get("mappings"),
                                        mapper.readTree(existing)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "index 'todo-task-count' (config key 'sink.search.aggregate.index')")
                .hasMessageContaining(
                        "index 'todo-task-count-000001' maps 'taskCount' as text; the job needs long")
                .hasMessageContaining("has no field 'windowStart' and its mapping is strict");
        // the job's own mapping, and a dynamic index without the fields yet, are fine
        String own = "{\"x\":" + IndexSetup.aggregateIndexBody("listId") + "}";
        IndexSetup.checkMapping(
                "x",
                ConfigKey.SINK_SEARCH_AGGREGATE_INDEX,
                IndexSetup.aggregateIndexBody("listId").get("mappings"),
                mapper.readTree(own));
        IndexSetup.checkMapping(
                "x",
                ConfigKey.SINK_SEARCH_AGGREGATE_INDEX,
                IndexSetup.aggregateIndexBody("listId").get("mappings"),
                mapper.readTree("{\"x\":{\"mappings\":{}}}"));
    }
}

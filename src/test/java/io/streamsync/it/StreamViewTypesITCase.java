package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.Locale;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The workload once per stream view type on moto: counts are exact with all four; the item index
 * (which needs new images) is exact with NEW_IMAGE and NEW_AND_OLD_IMAGES and refused at start-up,
 * naming the view type, with KEYS_ONLY and OLD_IMAGE, where the job then runs with counts only.
 */
class StreamViewTypesITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    @ParameterizedTest
    @EnumSource(
            value = StreamViewType.class,
            names = {"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"})
    void countsAreExactWithEveryViewTypeAndItemsWhereTheStreamHasNewImages(
            StreamViewType view, @TempDir Path dir) throws Exception {
        String name = "view" + view.name().replace("_", "").toLowerCase(Locale.ROOT);
        Map<String, String> props = SERVICES.services().testJobProperties(name, dir);
        TodoTables.createSourceTable(SERVICES.ddb(), name + "Tasks", view);
        TodoTables.createAggregateTable(SERVICES.ddb(), name + "Counts");
        boolean newImages =
                view == StreamViewType.NEW_IMAGE || view == StreamViewType.NEW_AND_OLD_IMAGES;
        if (!newImages) {
            assertThatThrownBy(() -> Startup.prepare(JobConfig.from(props)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("has view type " + view + ", which carries no new image");
            assertThat(SERVICES.search().indexExists(name + "-counts"))
                    .as("a refused start creates nothing")
                    .isFalse();
            props.put("sink.search.item.index", "");
        }
        JobConfig c = JobConfig.from(props);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(
                env,
                c,
                RecordSources.fromConfig(c, Startup.prepare(c)),
                PipelineSinks.fromConfig(c));
        JobClient job = env.executeAsync(name);
        try {
            new TaskWorkload(SERVICES.ddb(), name + "Tasks", 20, view.ordinal()).run(600);
            Poll.until(
                    Duration.ofSeconds(120),
                    () ->
                            GroundTruth.check(
                                    SERVICES.ddb(),
                                    name + "Tasks",
                                    name + "Counts",
                                    SERVICES.search(),
                                    name + "-counts",
                                    newImages ? name + "-tasks" : null));
        } finally {
            job.cancel().get();
        }
        assertThat(SERVICES.search().indexExists(name + "-tasks")).isEqualTo(newImages);
    }
}

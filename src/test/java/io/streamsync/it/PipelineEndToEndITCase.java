package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The whole job on a MiniCluster against a real moto server (DynamoDB with its stream) and a real
 * Elasticsearch node: random traffic, then the aggregate table, the aggregate documents and the
 * item index must equal what a scan of the source table says.
 */
class PipelineEndToEndITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    @Test
    void aggregatesAndIndexEqualTheSourceTableAfterRandomTraffic() throws Exception {
        TodoTables.createSourceTable(SERVICES.ddb(), "e2eTasks", StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(SERVICES.ddb(), "e2eCounts");
        Map<String, String> props = SERVICES.services().jobProperties();
        props.put("source.table.name", "e2eTasks");
        props.put("sink.dynamodb.table", "e2eCounts");
        props.put("sink.search.aggregate.index", "e2e-counts");
        props.put("sink.search.item.index", "e2e-tasks");
        props.put("aggregate.window.ms", "1000");
        props.put("checkpoint.interval.ms", "2000");
        props.put("job.parallelism", "2");
        JobConfig config = JobConfig.from(props);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, config);
        StreamSyncPipeline.define(
                env,
                config,
                RecordSources.changeStream(config, Startup.prepare(config)),
                PipelineSinks.fromConfig(config));
        JobClient job = env.executeAsync("e2e");
        try {
            TaskWorkload workload = new TaskWorkload(SERVICES.ddb(), "e2eTasks", 50, 42L);
            workload.run(2000);
            assertThat(TodoTables.countsByList(SERVICES.ddb(), "e2eTasks")).hasSizeGreaterThan(40);

            SearchHttp search = SERVICES.search();
            Poll.until(
                    Duration.ofSeconds(120),
                    () ->
                            GroundTruth.check(
                                    SERVICES.ddb(),
                                    "e2eTasks",
                                    "e2eCounts",
                                    search,
                                    "e2e-counts",
                                    "e2e-tasks"));
            assertThat(SERVICES.search().allDocuments("e2e-tasks"))
                    .hasSize(TodoTables.scan(SERVICES.ddb(), "e2eTasks").size());
        } finally {
            job.cancel().get();
        }
    }
}

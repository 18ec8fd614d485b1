package io.streamsync.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.JobConfig;
import io.streamsync.source.RawRecord;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * The repair source is in the job exactly when {@code repair.request} is set: one subtask, uid
 * {@code repair-requests}, feeding the aggregation.
 */
class RepairPipelineTest {
    private static StreamGraph graph(Map<String, String> p) {
        JobConfig c = JobConfig.from(p);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(
                env,
                c,
                e ->
                        e.fromData(Types.POJO(RawRecord.class), new RawRecord("{}", "s", "1", 0))
                                .uid(OperatorIds.SOURCE.uid())
                                .name(OperatorIds.SOURCE.displayName()),
                PipelineSinks.fromConfig(c));
        return env.getStreamGraph();
    }

    private static List<StreamNode> repairSources(StreamGraph g) {
        return g.getStreamNodes().stream()
                .filter(n -> OperatorIds.REPAIR_SOURCE.uid().equals(n.getTransformationUID()))
                .collect(Collectors.toList());
    }

    @Test
    void aRequestAddsTheRepairSourceBeforeTheAggregation() {
        StreamGraph g =
                graph(
                        Map.of(
                                "deadletter.path", "file:///tmp/streamsync-test-dl",
                                "repair.request", "r-1=a,b"));
        List<StreamNode> repair = repairSources(g);
        assertThat(repair).hasSize(1);
        assertThat(repair.get(0).getParallelism()).isEqualTo(1);
        StreamNode aggregation =
                g.getStreamNodes().stream()
                        .filter(n -> OperatorIds.AGGREGATE.uid().equals(n.getTransformationUID()))
                        .findFirst()
                        .orElseThrow();
        assertThat(
                        repair.get(0).getOutEdges().stream()
                                .map(e -> e.getTargetId())
                                .collect(Collectors.toList()))
                .containsExactly(aggregation.getId());
    }

    @Test
    void withoutARequestTheGraphIsUnchanged() {
        assertThat(repairSources(graph(Map.of("deadletter.path", "file:///tmp/dl")))).isEmpty();
    }
}

package io.streamsync.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.aggregate.ItemUpdate;
import io.streamsync.aggregate.ListAggregate;
import io.streamsync.aggregate.ListMeta;
import io.streamsync.change.ChangeEvent;
import io.streamsync.config.JobConfig;
import io.streamsync.deadletter.DeadLetter;
import io.streamsync.sink.search.SearchAction;
import io.streamsync.source.RawRecord;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * The job graph as production builds it: every operator has its uid, and nothing goes through Kryo.
 */
class PipelineGraphTest {
    private static final JobConfig CONFIG =
            JobConfig.from(Map.of("deadletter.path", "file:///tmp/streamsync-test-dl"));

    private static StreamExecutionEnvironment productionGraph() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, CONFIG);
        RecordSourceForGraph source = new RecordSourceForGraph();
        StreamSyncPipeline.define(env, CONFIG, source, PipelineSinks.fromConfig(CONFIG));
        return env;
    }

    @Test
    void everyOperatorHasAnExplicitUidFromOperatorIds() {
        StreamGraph graph = productionGraph().getStreamGraph();
        Set<String> known =
                Arrays.stream(OperatorIds.values())
                        .map(OperatorIds::uid)
                        .collect(Collectors.toSet());
        // every operator of the default (DynamoDB Streams, no bootstrap) graph is there; the other
        // sources
        // are alternatives that the default graph does not contain
        Set<OperatorIds> alternatives =
                Set.of(
                        OperatorIds.KINESIS_SOURCE,
                        OperatorIds.BOOTSTRAP_SCAN,
                        OperatorIds.REPAIR_SOURCE, // only with repair.request: RepairPipelineTest
                        OperatorIds.LEGACY_SOURCE,
                        OperatorIds.LEGACY_KINESIS_SOURCE);
        Set<String> uids =
                graph.getStreamNodes().stream()
                        .map(StreamNode::getTransformationUID)
                        .collect(Collectors.toSet());
        for (OperatorIds id : OperatorIds.values()) {
            if (!alternatives.contains(id)) {
                assertThat(uids)
                        .as("operator %s in the graph", id)
                        .anyMatch(
                                u ->
                                        u.equals(id.uid())
                                                || u.startsWith(id.uid() + ": ")
                                                || u.endsWith(": " + id.uid()));
            }
        }
        for (StreamNode node : graph.getStreamNodes()) {
            String uid = node.getTransformationUID();
            assertThat(uid).as("uid of %s", node.getOperatorName()).isNotNull();
            // sink writers and committers derive their uids from the sink's ("Sink Committer:
            // <uid>")
            assertThat(known)
                    .as("uid %s of %s", uid, node.getOperatorName())
                    .anyMatch(
                            k ->
                                    uid.equals(k)
                                            || uid.startsWith(k + ": ")
                                            || uid.endsWith(": " + k));
        }
    }

    @Test
    void theBootstrapScanIsAStatefulSourceWithItsOwnUidAndANewIdIsANewOperator() {
        for (String id : new String[] {"1", "2024-rescan"}) {
            JobConfig c = JobConfig.from(Map.of("bootstrap.mode", "scan", "bootstrap.scan.id", id));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            StreamSyncPipeline.configureEnvironment(env, c);
            StreamSyncPipeline.define(
                    env,
                    c,
                    io.streamsync.pipeline.RecordSources.union(
                            new RecordSourceForGraph(), RecordSources.bootstrapScan(c)),
                    PipelineSinks.fromConfig(c));
            Set<String> uids =
                    env.getStreamGraph().getStreamNodes().stream()
                            .map(StreamNode::getTransformationUID)
                            .collect(Collectors.toSet());
            String expected =
                    id.equals("1") ? "bootstrap-table-scan" : "bootstrap-table-scan-" + id;
            assertThat(uids)
                    .contains(expected, OperatorIds.SOURCE.uid(), OperatorIds.AGGREGATE.uid());
        }
        assertThat(JobConfig.from(Map.of()).bootstrapMode).isEqualTo(JobConfig.BootstrapMode.NONE);
    }

    @Test
    void theKinesisSourceHasItsOwnUidAndIsTheOnlySource() {
        JobConfig c =
                JobConfig.from(
                        Map.of(
                                "source.type",
                                "kinesis",
                                "source.kinesis.stream",
                                "todo-changes",
                                "aws.region",
                                "eu-west-1"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(
                env,
                c,
                io.streamsync.pipeline.RecordSources.fromConfig(c, null),
                PipelineSinks.fromConfig(c));
        Set<String> uids =
                env.getStreamGraph().getStreamNodes().stream()
                        .map(StreamNode::getTransformationUID)
                        .collect(Collectors.toSet());
        assertThat(uids)
                .contains(
                        OperatorIds.KINESIS_SOURCE.uid(),
                        OperatorIds.PARSE.uid(),
                        OperatorIds.AGGREGATE.uid())
                .doesNotContain(OperatorIds.SOURCE.uid());
    }

    @Test
    void anOperatorWithoutUidFailsTheGraph() {
        StreamExecutionEnvironment env = productionGraph();
        env.fromData(1, 2, 3)
                .uid("numbers")
                .map(x -> x + 1)
                .returns(Types.INT)
                .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>())
                .uid("discard");
        assertThatThrownBy(env::getStreamGraph)
                .hasMessageContaining("no UID or hash has been assigned to operator Map");
    }

    @Test
    void fromAPropertiesFileCheckpointingStateBackendAndRestartsAreConfiguredThroughOptions() {
        for (String backend : new String[] {"hashmap", "rocksdb"}) {
            java.util.Map<String, String> p =
                    new java.util.HashMap<>(
                            Map.of(
                                    "checkpoint.interval.ms",
                                    "7000",
                                    "checkpoint.timeout.ms",
                                    "90000",
                                    "state.backend",
                                    backend,
                                    "checkpoint.dir",
                                    "file:///tmp/streamsync-cp",
                                    "restart.attempts",
                                    "9"));
            JobConfig c = JobConfig.from(p);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            StreamSyncPipeline.configureEnvironment(env, c);
            StreamSyncPipeline.define(
                    env, c, new RecordSourceForGraph(), PipelineSinks.fromConfig(c));
            org.apache.flink.streaming.api.graph.StreamGraph graph = env.getStreamGraph();
            assertThat(graph.getCheckpointConfig().getCheckpointInterval()).isEqualTo(7000);
            assertThat(graph.getCheckpointConfig().getCheckpointingConsistencyMode())
                    .isEqualTo(org.apache.flink.core.execution.CheckpointingMode.EXACTLY_ONCE);
            assertThat(graph.getCheckpointConfig().getCheckpointTimeout()).isEqualTo(90000);
            assertThat(graph.getCheckpointConfig().getMinPauseBetweenCheckpoints()).isEqualTo(1000);
            org.apache.flink.configuration.Configuration job = graph.getJobConfiguration();
            assertThat(job.get(org.apache.flink.configuration.StateBackendOptions.STATE_BACKEND))
                    .isEqualTo(backend);
            assertThat(
                            job.get(
                                    org.apache.flink.configuration.CheckpointingOptions
                                            .CHECKPOINTS_DIRECTORY))
                    .isEqualTo("file:///tmp/streamsync-cp");
            assertThat(
                            job.get(
                                    org.apache.flink.configuration.RestartStrategyOptions
                                            .RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS))
                    .isEqualTo(9);
        }
    }

    /**
     * On Managed Service for Apache Flink the job's environment is Flink's client context
     * environment with {@code execution.program-config.enabled=false} and the service's allowed
     * keys as the only exceptions: the job as {@code StreamSyncJob} builds it from the application
     * properties must pass that guard. The executor here refuses to run anything, so getting as far
     * as the executor means the guard let the job through.
     */
    @Test
    void onManagedFlinkTheJobSetsOnlyKeysTheServiceAllows() {
        JobConfig c =
                JobConfig.fromManagedFlink(
                        Map.of(
                                "source.table.name",
                                "todoListTask",
                                "sink.dynamodb.table",
                                "todoTaskCount",
                                "sink.search.hosts",
                                "https://search.example.com:443",
                                "deadletter.path",
                                "file:///tmp/streamsync-graph-test/dead-letters"),
                        "eu-west-1");
        org.apache.flink.configuration.Configuration cluster =
                new org.apache.flink.configuration.Configuration();
        cluster.set(org.apache.flink.configuration.DeploymentOptions.PROGRAM_CONFIG_ENABLED, false);
        cluster.set(
                org.apache.flink.configuration.DeploymentOptions.PROGRAM_CONFIG_WILDCARDS,
                io.streamsync.testing.FlinkProcessCluster.MSF_ALLOWED_KEYS);
        cluster.set(org.apache.flink.configuration.DeploymentOptions.TARGET, "nowhere");
        org.apache.flink.core.execution.PipelineExecutorServiceLoader noExecutor =
                new org.apache.flink.core.execution.PipelineExecutorServiceLoader() {
                    @Override
                    public org.apache.flink.core.execution.PipelineExecutorFactory
                            getExecutorFactory(
                                    org.apache.flink.configuration.Configuration configuration) {
                        throw new IllegalStateException("reached the executor");
                    }

                    @Override
                    public java.util.stream.Stream<String> getExecutorNames() {
                        return java.util.stream.Stream.empty();
                    }
                };
        StreamExecutionEnvironment env =
                new org.apache.flink.client.program.StreamContextEnvironment(
                        noExecutor,
                        cluster,
                        new org.apache.flink.configuration.Configuration(cluster),
                        getClass().getClassLoader(),
                        true,
                        true,
                        false,
                        io.streamsync.testing.FlinkProcessCluster.MSF_ALLOWED_KEYS);
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(env, c, new RecordSourceForGraph(), PipelineSinks.fromConfig(c));
        assertThatThrownBy(() -> env.executeAsync("streamsync"))
                .hasMessageContaining("reached the executor");
        assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    }

    @Test
    void dataTypesAreFlinkPojosNeverKryo() {
        ExecutionConfig config = productionGraph().getConfig();
        assertThat(config.getSerializerConfig().hasGenericTypesDisabled())
                .as("the job refuses generic (Kryo) types")
                .isTrue();
        for (Class<?> type :
                new Class<?>[] {
                    RawRecord.class,
                    ChangeEvent.class,
                    ListAggregate.class,
                    ItemUpdate.class,
                    ListMeta.class,
                    SearchAction.class,
                    DeadLetter.class
                }) {
            TypeInformation<?> info = TypeInformation.of(type);
            assertThat(info).as("%s", type.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
            TypeSerializer<?> serializer = info.createSerializer(config.getSerializerConfig());
            assertThat(serializer).isNotInstanceOf(KryoSerializer.class);
        }
    }

    /** A source that is never run: the graph only needs its shape and uid. */
    private static final class RecordSourceForGraph implements io.streamsync.source.RecordSource {
        @Override
        public org.apache.flink.streaming.api.datastream.DataStream<RawRecord> create(
                StreamExecutionEnvironment env) {
            return env.fromData(Types.POJO(RawRecord.class), new RawRecord("{}", "s", "1", 0))
                    .uid(OperatorIds.SOURCE.uid())
                    .name(OperatorIds.SOURCE.displayName());
        }
    }
}

package io.streamsync.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.JobConfig;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * Issue 31 §4, the attacking test: a job built with static AWS keys is serialized as Flink ships it
 * (the job graph with its serialized user code, which lands in the blob storage; and the stream
 * graph, which Flink 2 can submit itself), and the bytes are searched for the secret. Every part
 * that once captured the whole configuration is in the graph: the DynamoDB Streams source ({@code
 * StreamEndpoint}), the bootstrap scan ({@code TableScanSource}), the search sink with SigV4
 * ({@code SearchClientSettings}) and the aggregate table's publisher factory.
 */
class JobGraphSecretsTest {
    private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRET4242";
    private static final String TABLE = "graph-aggregates-4242";

    private static JobConfig config() {
        Map<String, String> p = new HashMap<>();
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", "AKIAGRAPHTEST");
        p.put("aws.credentials.secret.access.key", SECRET);
        p.put("bootstrap.mode", "scan");
        p.put("sink.dynamodb.table", TABLE);
        p.put("sink.search.hosts", "https://search.example.com:443");
        p.put("sink.search.auth", "sigv4");
        p.put("deadletter.path", "file:///tmp/streamsync-graph-dl");
        return JobConfig.from(p);
    }

    private static StreamGraph streamGraph(JobConfig c) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, c);
        String arn =
                "arn:aws:dynamodb:us-east-1:123456789012:table/todoListTask/stream/2026-01-01T00:00:00.000";
        StreamSyncPipeline.define(
                env, c, RecordSources.fromConfig(c, arn), PipelineSinks.fromConfig(c));
        return env.getStreamGraph();
    }

    private static String latin1(byte[] bytes) {
        return new String(
                bytes, StandardCharsets.ISO_8859_1); // one char per byte: a search for ASCII text
    }

    @Test
    void theSerializedJobGraphHoldsNoSecretAccessKey() throws Exception {
        JobConfig c = config();
        JobGraph jobGraph = streamGraph(c).getJobGraph();
        String bytes = latin1(InstantiationUtil.serializeObject(jobGraph));
        // the search sees the configuration the operators carry: the table name is there
        assertThat(bytes).as("control: the user code is in the bytes").contains(TABLE);
        assertThat(bytes).as("the serialized job graph").doesNotContain(SECRET);
    }

    @Test
    void theSerializedStreamGraphHoldsNoSecretAccessKey() throws Exception {
        StreamGraph graph = streamGraph(config());
        graph.serializeUserDefinedInstances();
        String bytes = latin1(InstantiationUtil.serializeObject(graph));
        assertThat(bytes).as("control: the user code is in the bytes").contains(TABLE);
        assertThat(bytes).as("the serialized stream graph").doesNotContain(SECRET);
    }
}

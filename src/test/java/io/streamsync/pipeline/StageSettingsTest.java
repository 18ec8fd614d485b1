package io.streamsync.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.JobConfig;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * Issue 29 §4: each operator and sink carries its own settings, not the whole configuration. The
 * job is built with every stage on (scan, both sinks with SigV4, static AWS keys, a filter), each
 * sink and the whole stream graph are serialized as Flink ships them, and the bytes are searched
 * for the configuration's class and for the secret access key.
 */
class StageSettingsTest {
    private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSTAGES4242";
    private static final String TABLE = "stage-aggregates-4242";

    /**
     * A serialized JobConfig object: its class descriptor (the name not followed by '$', which
     * would be one of its small nested enums, such as the credentials provider) or a field declared
     * with its type.
     */
    private static final Pattern CONFIG_OBJECT =
            Pattern.compile(
                    Pattern.quote(JobConfig.class.getName())
                            + "(?![$\\w])|"
                            + Pattern.quote(
                                    "L" + JobConfig.class.getName().replace('.', '/') + ";"));

    private static JobConfig config() {
        Map<String, String> p = new HashMap<>();
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", "AKIASTAGETEST");
        p.put("aws.credentials.secret.access.key", SECRET);
        p.put("bootstrap.mode", "scan");
        p.put("sink.dynamodb.table", TABLE);
        p.put("sink.search.hosts", "https://search.example.com:443");
        p.put("sink.search.auth", "sigv4");
        p.put("filter.patterns", "{\"eventName\":[\"INSERT\",\"MODIFY\"]}");
        p.put("deadletter.path", "file:///tmp/streamsync-stage-dl");
        return JobConfig.from(p);
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1); // one char per byte
    }

    private static String configObjects(String bytes) {
        java.util.regex.Matcher m = CONFIG_OBJECT.matcher(bytes);
        StringBuilder found = new StringBuilder();
        while (m.find()) {
            found.append(m.group()).append(" at ").append(m.start()).append("; ");
        }
        return found.toString();
    }

    @Test
    void theConfigurationsObjectIsFoundInTheBytesOfAnythingThatHoldsIt() throws Exception {
        // control of the search below: a holder of the whole configuration is caught, a holder of
        // one of its enums is not
        String holder = latin1(InstantiationUtil.serializeObject(new Object[] {config()}));
        assertThat(configObjects(holder)).isNotEmpty();
        String enumOnly =
                latin1(
                        InstantiationUtil.serializeObject(
                                new Object[] {JobConfig.SearchEngine.OPENSEARCH}));
        assertThat(configObjects(enumOnly)).isEmpty();
    }

    @Test
    void theAggregateSinkCarriesItsOwnSettingsWithoutTheSecretAccessKey() throws Exception {
        Sink<?> sink = PipelineSinks.fromConfig(config()).aggregateTable;
        String bytes = latin1(InstantiationUtil.serializeObject(sink));
        assertThat(bytes).as("control: the sink's settings are in the bytes").contains(TABLE);
        assertThat(bytes).as("the serialized aggregate sink").doesNotContain(SECRET);
        assertThat(configObjects(bytes)).as("JobConfig in the serialized aggregate sink").isEmpty();
    }

    @Test
    void theSearchSinkCarriesItsOwnSettingsNotTheWholeConfiguration() throws Exception {
        Sink<?> sink = PipelineSinks.fromConfig(config()).searchIndex;
        String bytes = latin1(InstantiationUtil.serializeObject(sink));
        assertThat(bytes)
                .as("control: the sink's settings are in the bytes")
                .contains("search.example.com");
        assertThat(bytes).as("the serialized search sink").doesNotContain(SECRET);
        assertThat(configObjects(bytes)).as("JobConfig in the serialized search sink").isEmpty();
        assertThat(bytes)
                .as("the serialized search sink (the aggregate table is not its setting)")
                .doesNotContain(TABLE);
    }

    @Test
    void noOperatorOfTheJobCarriesTheWholeConfiguration() throws Exception {
        JobConfig c = config();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, c);
        String arn =
                "arn:aws:dynamodb:us-east-1:123456789012:table/todoListTask/stream/2026-01-01T00:00:00.000";
        StreamSyncPipeline.define(
                env, c, RecordSources.fromConfig(c, arn), PipelineSinks.fromConfig(c));
        StreamGraph graph = env.getStreamGraph();
        graph.serializeUserDefinedInstances();
        String bytes = latin1(InstantiationUtil.serializeObject(graph));
        assertThat(bytes).as("control: the user code is in the bytes").contains(TABLE);
        assertThat(configObjects(bytes)).as("JobConfig in the serialized stream graph").isEmpty();
        assertThat(bytes).as("the serialized stream graph").doesNotContain(SECRET);
    }
}

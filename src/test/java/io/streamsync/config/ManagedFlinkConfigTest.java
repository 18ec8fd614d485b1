package io.streamsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The application properties on Managed Service for Apache Flink: a key that the service would
 * refuse or ignore is a start-up error naming the key and where to set it instead; the same keys
 * stay valid in a properties file.
 */
class ManagedFlinkConfigTest {
    private static Map<String, String> deployment() {
        Map<String, String> p = new HashMap<>();
        p.put("source.table.name", "todoListTask");
        p.put("sink.dynamodb.table", "todoTaskCount");
        p.put("sink.search.hosts", "https://search.example.com:443");
        p.put("deadletter.path", "s3://dead-letters/streamsync");
        return p;
    }

    @Test
    void aDeploymentWithoutServiceSettingsStartsAndIsMarkedAsManaged() {
        JobConfig c = JobConfig.fromManagedFlink(deployment(), "eu-west-1");
        assertThat(c.managedFlink).isTrue();
        assertThat(JobConfig.from(deployment()).managedFlink).isFalse();
    }

    @Test
    void checkpointingIsRefusedNamingTheCheckpointConfiguration() {
        Map<String, String> p = deployment();
        p.put("checkpoint.interval.ms", "60000");
        assertThatThrownBy(() -> JobConfig.fromManagedFlink(p, "eu-west-1"))
                .hasMessageContaining(
                        "config key 'checkpoint.interval.ms' cannot be set on Managed Service for Apache Flink")
                .hasMessageContaining("FlinkApplicationConfiguration.CheckpointConfiguration");
        assertThat(JobConfig.from(p).checkpointInterval.toMillis())
                .as("in a properties file")
                .isEqualTo(60000);
    }

    @Test
    void everyKeyTheServiceSetsItselfIsRefusedWithWhereToSetItInstead() {
        for (String key :
                new String[] {
                    "job.parallelism",
                    "checkpoint.interval.ms",
                    "checkpoint.timeout.ms",
                    "checkpoint.dir",
                    "state.backend",
                    "restart.attempts",
                    "restart.delay.ms"
                }) {
            Map<String, String> p = deployment();
            p.put(
                    key,
                    key.equals("checkpoint.dir")
                            ? "s3://bucket/cp"
                            : key.equals("state.backend") ? "rocksdb" : "1000");
            assertThatThrownBy(() -> JobConfig.fromManagedFlink(p, "eu-west-1"))
                    .as(key)
                    .hasMessageContaining(
                            "config key '"
                                    + key
                                    + "' cannot be set on Managed Service for Apache Flink")
                    .hasMessageMatching(
                            "(?s).*(Configuration|AWS Support case|keeps checkpoints).*");
        }
    }

    @Test
    void staticCredentialsAndAPasswordFromTheEnvironmentAreRefused() {
        Map<String, String> p = deployment();
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", "AKIA");
        p.put("aws.credentials.secret.access.key", "secret");
        p.put("sink.search.auth", "basic");
        p.put("sink.search.username", "writer");
        p.put("sink.search.password.env", "SEARCH_PASSWORD");
        assertThatThrownBy(() -> JobConfig.fromManagedFlink(p, "eu-west-1"))
                .hasMessageContaining(
                        "'aws.credentials.provider' cannot be BASIC on Managed Service for Apache Flink")
                .hasMessageContaining("IAM role")
                .hasMessageContaining("'aws.credentials.secret.access.key' cannot be set")
                .hasMessageContaining("'sink.search.password.env' cannot be set")
                .hasMessageContaining("sink.search.password.secret");
    }

    /**
     * Issue 31 §2: dead letters hold table data; on MSF they go to the locked-down bucket, never to
     * CloudWatch Logs.
     */
    @Test
    void withoutADeadLetterPathTheJobRefusesToStartOnManagedFlink() {
        Map<String, String> p = deployment();
        p.remove("deadletter.path");
        assertThatThrownBy(() -> JobConfig.fromManagedFlink(p, "eu-west-1"))
                .hasMessageContaining(
                        "config key 'deadletter.path' must be set on Managed Service for Apache Flink")
                .hasMessageContaining("CloudWatch Logs");
        assertThat(JobConfig.from(p).deadLetterPath).as("a local run may log them").isNull();
    }
}

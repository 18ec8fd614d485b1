package io.streamsync.sink.search.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.config.ConfigException;
import io.streamsync.config.JobConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where the basic-auth password comes from: an environment variable or a Secrets Manager secret.
 */
class SearchPasswordTest {
    private static final JobConfig FROM_SECRET =
            JobConfig.from(
                    Map.of(
                            "sink.search.auth",
                            "basic",
                            "sink.search.username",
                            "u",
                            "sink.search.password.secret",
                            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:search-AbCdEf"));

    @Test
    void aSecretIsPlainTextOrJsonWithAPasswordField() {
        assertThat(SearchPassword.resolve(FROM_SECRET, n -> null, id -> "s3cr3t {not json"))
                .isEqualTo("s3cr3t {not json");
        assertThat(
                        SearchPassword.resolve(
                                FROM_SECRET,
                                n -> null,
                                id -> "{\"username\":\"u\",\"password\":\"p{w}\"}"))
                .isEqualTo("p{w}");
        assertThatThrownBy(
                        () ->
                                SearchPassword.resolve(
                                        FROM_SECRET, n -> null, id -> "{\"user\":\"u\"}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("without a 'password' field")
                .hasMessageContaining("sink.search.password.secret");
        assertThatThrownBy(
                        () ->
                                SearchPassword.resolve(
                                        FROM_SECRET,
                                        n -> null,
                                        id -> {
                                            throw software.amazon.awssdk.services.secretsmanager
                                                    .model.ResourceNotFoundException.builder()
                                                    .message(
                                                            "Secrets Manager can't find the specified secret.")
                                                    .build();
                                        }))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read secret 'arn:aws:secretsmanager");
    }

    @Test
    void anEnvironmentVariableWinsWhenConfiguredAndMustBeSet() {
        JobConfig c =
                JobConfig.from(
                        Map.of(
                                "sink.search.auth",
                                "basic",
                                "sink.search.username",
                                "u",
                                "sink.search.password.env",
                                "SEARCH_PASSWORD"));
        assertThat(
                        SearchPassword.resolve(
                                c, n -> n.equals("SEARCH_PASSWORD") ? "pw" : null, id -> "unused"))
                .isEqualTo("pw");
        assertThatThrownBy(() -> SearchPassword.resolve(c, n -> "", id -> "unused"))
                .hasMessageContaining("is not set or empty");
    }
}

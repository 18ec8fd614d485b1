package io.streamsync.sink.search.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.aws.AwsSettings;
import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The basic-auth password of the search cluster, from an environment variable or an AWS Secrets
 * Manager secret (plain text, or a JSON object with a {@code password} field). Never logged, never
 * part of the configuration or of the job graph: resolved where a client is built (start-up checks,
 * each sink writer).
 */
public final class SearchPassword {
    private SearchPassword() {}

    public static String resolve(JobConfig c) {
        return resolve(c.searchPasswordEnv, c.searchPasswordSecret, AwsSettings.of(c));
    }

    /**
     * The password from the environment variable {@code passwordEnv}, else from the Secrets Manager
     * secret {@code passwordSecret} (read with {@code aws}).
     */
    public static String resolve(String passwordEnv, String passwordSecret, AwsSettings aws) {
        return resolve(
                passwordEnv,
                passwordSecret,
                System::getenv,
                secretId -> {
                    try (SecretsManagerClient sm =
                            SecretsManagerClient.builder()
                                    .region(Region.of(aws.region))
                                    .credentialsProvider(aws.credentials())
                                    .build()) {
                        return sm.getSecretValue(b -> b.secretId(secretId)).secretString();
                    }
                });
    }

    /** With the environment and the secret lookup passed in (tests). */
    static String resolve(
            JobConfig c, Function<String, String> env, Function<String, String> secrets) {
        return resolve(c.searchPasswordEnv, c.searchPasswordSecret, env, secrets);
    }

    private static String resolve(
            String passwordEnv,
            String passwordSecret,
            Function<String, String> env,
            Function<String, String> secrets) {
        if (passwordEnv != null) {
            String v = env.apply(passwordEnv);
            if (v == null || v.isEmpty()) {
                throw new ConfigException(
                        "environment variable '"
                                + passwordEnv
                                + "' (config key '"
                                + ConfigKey.SINK_SEARCH_PASSWORD_ENV.key()
                                + "') is not set or empty");
            }
            return v;
        }
        String secret;
        try {
            secret = secrets.apply(passwordSecret);
        } catch (SdkException e) {
            throw new ConfigException(
                    "cannot read secret '"
                            + passwordSecret
                            + "' (config key '"
                            + ConfigKey.SINK_SEARCH_PASSWORD_SECRET.key()
                            + "') from AWS Secrets Manager: "
                            + e.getMessage(),
                    e);
        }
        if (secret == null || secret.isEmpty()) {
            throw new ConfigException(
                    "secret '"
                            + passwordSecret
                            + "' (config key '"
                            + ConfigKey.SINK_SEARCH_PASSWORD_SECRET.key()
                            + "') has no SecretString");
        }
        if (secret.trim().startsWith("{")) {
            try {
                JsonNode json = new ObjectMapper().readTree(secret);
                if (json.hasNonNull("password")) {
                    return json.get("password").asText();
                }
            } catch (java.io.IOException e) {
                // not JSON after all: the whole text is the password
                return secret;
            }
            throw new ConfigException(
                    "secret '"
                            + passwordSecret
                            + "' (config key '"
                            + ConfigKey.SINK_SEARCH_PASSWORD_SECRET.key()
                            + "') is a JSON object without a 'password' field");
        }
        return secret;
    }
}

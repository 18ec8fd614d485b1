package io.streamsync.aws;

import io.streamsync.config.JobConfig;
import io.streamsync.config.Secret;
import java.io.Serializable;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClientBuilder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClientBuilder;

/**
 * The job's AWS settings (region, endpoints, credentials), narrowed from the {@link JobConfig} so
 * that what runs on the task managers carries these and nothing else; turns them into SDK v2
 * clients and credentials. Serializable without its secret: a static secret access key is a {@link
 * Secret}, transient, found again where the client is built.
 */
public final class AwsSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String region;

    /** DynamoDB endpoint override, or null on AWS. */
    public final URI dynamoDbEndpoint;

    /**
     * DynamoDB Streams endpoint override ({@code aws.streams.endpoint}, else {@code aws.endpoint}),
     * or null on AWS.
     */
    public final URI streamsEndpoint;

    private final JobConfig.CredentialsProvider provider;
    private final String accessKeyId;
    private final Secret secretAccessKey;

    private AwsSettings(JobConfig c) {
        this.region = c.awsRegion;
        this.dynamoDbEndpoint = c.awsEndpoint;
        this.streamsEndpoint = c.awsStreamsEndpoint;
        this.provider = c.credentialsProvider;
        this.accessKeyId = c.accessKeyId;
        this.secretAccessKey = c.secretAccessKey;
    }

    public static AwsSettings of(JobConfig c) {
        return new AwsSettings(c);
    }

    /**
     * The credentials: the static keys with BASIC, else the SDK's default chain (the role on AWS).
     */
    public AwsCredentialsProvider credentials() {
        return provider == JobConfig.CredentialsProvider.BASIC
                ? StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(accessKeyId, secretAccessKey.value()))
                : DefaultCredentialsProvider.builder().build();
    }

    /**
     * The asynchronous DynamoDB client of the aggregate-table writer (SDK retries throttling with
     * backoff).
     */
    public DynamoDbAsyncClient dynamoDbAsync() {
        DynamoDbAsyncClientBuilder b =
                DynamoDbAsyncClient.builder()
                        .region(Region.of(region))
                        .credentialsProvider(credentials());
        if (dynamoDbEndpoint != null) {
            b.endpointOverride(dynamoDbEndpoint);
        }
        return b.build();
    }

    /** A synchronous DynamoDB client with the SDK's default retries (the scan's enumerator). */
    public DynamoDbClient dynamoDb() {
        return dynamoDb((software.amazon.awssdk.retries.api.RetryStrategy) null);
    }

    /**
     * A synchronous DynamoDB client with the given retry strategy (null: the SDK's default): the
     * scan's readers.
     */
    public DynamoDbClient dynamoDb(software.amazon.awssdk.retries.api.RetryStrategy retries) {
        DynamoDbClientBuilder b =
                DynamoDbClient.builder()
                        .region(Region.of(region))
                        .credentialsProvider(credentials());
        if (retries != null) {
            b.overrideConfiguration(o -> o.retryStrategy(retries));
        }
        if (dynamoDbEndpoint != null) {
            b.endpointOverride(dynamoDbEndpoint);
        }
        return b.build();
    }

    /** A synchronous DynamoDB client, with the SDK's default retries (the start-up checks). */
    public static DynamoDbClient dynamoDb(JobConfig c) {
        return of(c).dynamoDb();
    }

    /**
     * A synchronous DynamoDB Streams client (start-up checks of a configured stream ARN), on {@code
     * aws.streams.endpoint}.
     */
    public static DynamoDbStreamsClient dynamoDbStreams(JobConfig c) {
        DynamoDbStreamsClientBuilder b =
                DynamoDbStreamsClient.builder()
                        .region(Region.of(c.awsRegion))
                        .credentialsProvider(of(c).credentials());
        if (c.awsStreamsEndpoint != null) {
            b.endpointOverride(c.awsStreamsEndpoint);
        }
        return b.build();
    }

    @Override
    public String toString() {
        return "aws "
                + region
                + (dynamoDbEndpoint != null ? " " + dynamoDbEndpoint : "")
                + " credentials="
                + provider.name().toLowerCase(java.util.Locale.ROOT);
    }
}

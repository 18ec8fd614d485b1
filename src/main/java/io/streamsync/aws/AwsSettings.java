package io.streamsync.aws;

import io.streamsync.config.JobConfig;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * Turns the job's AWS settings into SDK v2 clients and credentials.
 */
public final class AwsSettings {
    private AwsSettings() {}

    public static AwsCredentialsProvider credentials(JobConfig c) {
        return c.credentialsProvider == JobConfig.CredentialsProvider.BASIC
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(c.accessKeyId, c.secretAccessKey))
                : DefaultCredentialsProvider.builder().build();
    }

    /** The asynchronous DynamoDB client of the aggregate-table writer (SDK retries throttling with backoff). */
    public static software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient dynamoDbAsync(JobConfig c) {
        software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClientBuilder b =
                software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient.builder()
                        .region(Region.of(c.awsRegion))
                        .credentialsProvider(credentials(c));
        if (c.awsEndpoint != null) {
            b.endpointOverride(c.awsEndpoint);
        }
        return b.build();
    }

    /** A synchronous DynamoDB client, with the SDK's default retries (start-up checks, the scan's enumerator). */
    public static DynamoDbClient dynamoDb(JobConfig c) {
        return dynamoDb(c, null);
    }

    /** A synchronous DynamoDB Streams client (start-up checks of a configured stream ARN). */
    public static software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient dynamoDbStreams(JobConfig c) {
        software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClientBuilder b =
                software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient.builder()
                        .region(Region.of(c.awsRegion))
                        .credentialsProvider(credentials(c));
        if (c.awsEndpoint != null) {
            b.endpointOverride(c.awsEndpoint);
        }
        return b.build();
    }

    /** A synchronous DynamoDB client with the given retry strategy (null: the SDK's default). */
    public static DynamoDbClient dynamoDb(JobConfig c, software.amazon.awssdk.retries.api.RetryStrategy retries) {
        DynamoDbClientBuilder b = DynamoDbClient.builder()
                .region(Region.of(c.awsRegion))
                .credentialsProvider(credentials(c));
        if (retries != null) {
            b.overrideConfiguration(o -> o.retryStrategy(retries));
        }
        if (c.awsEndpoint != null) {
            b.endpointOverride(c.awsEndpoint);
        }
        return b.build();
    }
}

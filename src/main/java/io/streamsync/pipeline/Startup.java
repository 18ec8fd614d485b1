package io.streamsync.pipeline;

import io.streamsync.aws.AwsSettings;
import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import io.streamsync.sink.search.IndexSetup;
import io.streamsync.source.StreamArnResolver;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * What the job checks and prepares before it builds its graph, so that a wrong table name, a missing
 * stream or an unreachable endpoint fails the start with a clear message instead of a restart loop.
 */
public final class Startup {
    private Startup() {}

    /**
     * Checks the aggregate table and the source (stream exists, its view type carries what the configured
     * features need), then creates missing indices, and returns the DynamoDB stream ARN to read (null for
     * Kinesis). Everything that can refuse the start runs before anything is created.
     */
    public static String prepare(JobConfig c) {
        if (c.dynamoSinkEnabled) {
            checkAggregateTable(c);
        }
        String streamArn = null;
        if (c.isKinesis()) {
            io.streamsync.source.KinesisStreamCheck.check(c); // Kinesis records carry both images
        } else {
            streamArn = StreamArnResolver.resolve(c);
        }
        if (c.searchSinkEnabled) {
            IndexSetup.ensureIndices(c);
        }
        return streamArn;
    }

    private static void checkAggregateTable(JobConfig c) {
        try (DynamoDbClient ddb = AwsSettings.dynamoDb(c)) {
            ddb.describeTable(b -> b.tableName(c.aggregateTable));
        } catch (ResourceNotFoundException e) {
            throw new ConfigException("aggregate table '" + c.aggregateTable + "' (config key '"
                    + ConfigKey.SINK_DYNAMODB_TABLE.key() + "') does not exist in region " + c.awsRegion
                    + "; create it with partition key '" + c.aggregateTableKey + "' (type S)", e);
        } catch (SdkClientException e) {
            throw new ConfigException("cannot reach DynamoDB" + (c.awsEndpoint == null ? "" : " at " + c.awsEndpoint
                    + " (config key '" + ConfigKey.AWS_ENDPOINT.key() + "')") + ": " + e.getMessage(), e);
        }
    }
}

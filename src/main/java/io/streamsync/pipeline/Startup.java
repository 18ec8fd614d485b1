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
 * What the job checks and prepares before it builds its graph, so that a wrong table name, a
 * missing stream or an unreachable endpoint fails the start with a clear message instead of a
 * restart loop.
 */
public final class Startup {
    private Startup() {}

    /**
     * Checks the aggregate table and the source (stream exists, its view type carries what the
     * configured features need), then creates missing indices, and returns the DynamoDB stream ARN
     * to read (null for Kinesis). Everything that can refuse the start runs before anything is
     * created.
     */
    public static String prepare(JobConfig c) {
        io.streamsync.filter.EventFilter.fromConfig(c); // an invalid filter refuses the start first
        if (c.dynamoSinkEnabled) {
            checkAggregateTable(c);
        }
        String streamArn = null;
        if (c.isKinesis()) {
            io.streamsync.source.stream.KinesisStreamCheck.check(
                    c); // Kinesis records carry both images
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
            software.amazon.awssdk.services.dynamodb.model.TableDescription t =
                    ddb.describeTable(b -> b.tableName(c.aggregateTable)).table();
            checkAggregateKeySchema(c, t);
        } catch (ResourceNotFoundException e) {
            throw new ConfigException(
                    "aggregate table '"
                            + c.aggregateTable
                            + "' (config key '"
                            + ConfigKey.SINK_DYNAMODB_TABLE.key()
                            + "') does not exist in region "
                            + c.awsRegion
                            + "; create it with partition key '"
                            + c.aggregateTableKey
                            + "' (type S)",
                    e);
        } catch (SdkClientException e) {
            throw new ConfigException(
                    "cannot reach DynamoDB"
                            + (c.awsEndpoint == null
                                    ? ""
                                    : " at "
                                            + c.awsEndpoint
                                            + " (config key '"
                                            + ConfigKey.AWS_ENDPOINT.key()
                                            + "')")
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * The sink writes rows keyed by one string attribute: any other key schema makes DynamoDB
     * refuse every row with a ValidationException, so it is refused here, naming both, instead of
     * in a restart loop.
     */
    private static void checkAggregateKeySchema(
            JobConfig c, software.amazon.awssdk.services.dynamodb.model.TableDescription t) {
        StringBuilder found = new StringBuilder();
        boolean ok = t.keySchema().size() == 1;
        for (software.amazon.awssdk.services.dynamodb.model.KeySchemaElement k : t.keySchema()) {
            found.append(found.length() == 0 ? "" : ", ")
                    .append(k.attributeName())
                    .append(' ')
                    .append(k.keyTypeAsString());
            ok &=
                    k.attributeName().equals(c.aggregateTableKey)
                            && k.keyType()
                                    == software.amazon.awssdk.services.dynamodb.model.KeyType.HASH;
        }
        for (software.amazon.awssdk.services.dynamodb.model.AttributeDefinition a :
                t.attributeDefinitions()) {
            if (a.attributeName().equals(c.aggregateTableKey)) {
                found.append(" (")
                        .append(a.attributeName())
                        .append(": ")
                        .append(a.attributeTypeAsString())
                        .append(')');
                ok &=
                        a.attributeType()
                                == software.amazon.awssdk.services.dynamodb.model
                                        .ScalarAttributeType.S;
            }
        }
        if (!ok) {
            throw new ConfigException(
                    "aggregate table '"
                            + c.aggregateTable
                            + "' (config key '"
                            + ConfigKey.SINK_DYNAMODB_TABLE.key()
                            + "') must have exactly one key, the partition key '"
                            + c.aggregateTableKey
                            + "' (config key '"
                            + ConfigKey.SINK_DYNAMODB_KEY.key()
                            + "') of type S; it has "
                            + found);
        }
    }
}

package io.streamsync.source;

import io.streamsync.aws.AwsSettings;
import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import io.streamsync.filter.EventFilter;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * Finds the stream to read at start-up: the configured ARN, or the source table's LatestStreamArn.
 * Fails with a message naming the config key when the table does not exist, has no stream, or the
 * endpoint cannot be reached. Either way the stream's view type is checked against what the
 * configuration needs.
 */
public final class StreamArnResolver {
    private StreamArnResolver() {}

    public static String resolve(JobConfig c) {
        if (c.sourceStreamArn != null) {
            checkView(
                    c,
                    describeConfiguredStream(c),
                    "the stream "
                            + c.sourceStreamArn
                            + " (config key '"
                            + ConfigKey.SOURCE_STREAM_ARN.key()
                            + "')");
            return c.sourceStreamArn;
        }
        try (DynamoDbClient ddb = AwsSettings.dynamoDb(c)) {
            DescribeTableResponse r = ddb.describeTable(b -> b.tableName(c.sourceTableName));
            TableDescription t = r.table();
            if (t.latestStreamArn() == null
                    || t.streamSpecification() == null
                    || !Boolean.TRUE.equals(t.streamSpecification().streamEnabled())) {
                throw new ConfigException(
                        "table '"
                                + c.sourceTableName
                                + "' (config key '"
                                + ConfigKey.SOURCE_TABLE_NAME.key()
                                + "') has no DynamoDB stream enabled; enable one with view type "
                                + StreamViewType.NEW_AND_OLD_IMAGES
                                + " or set '"
                                + ConfigKey.SOURCE_STREAM_ARN.key()
                                + "'");
            }
            checkKeySchema(c, t);
            checkView(
                    c,
                    t.streamSpecification().streamViewType(),
                    "the stream of table '" + c.sourceTableName + "'");
            return t.latestStreamArn();
        } catch (ResourceNotFoundException e) {
            throw new ConfigException(
                    "table '"
                            + c.sourceTableName
                            + "' (config key '"
                            + ConfigKey.SOURCE_TABLE_NAME.key()
                            + "') does not exist in region "
                            + c.awsRegion
                            + where(c),
                    e);
        } catch (SdkClientException e) {
            throw new ConfigException(
                    "cannot reach DynamoDB"
                            + where(c)
                            + " to look up the stream of table '"
                            + c.sourceTableName
                            + "': "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * The configured key schema must be the table's: with a wrong {@code table.partition.key} every
     * record would be a dead letter while the job looks healthy.
     */
    static void checkKeySchema(JobConfig c, TableDescription t) {
        String hash = null;
        String range = null;
        for (software.amazon.awssdk.services.dynamodb.model.KeySchemaElement k : t.keySchema()) {
            if (k.keyType() == software.amazon.awssdk.services.dynamodb.model.KeyType.HASH) {
                hash = k.attributeName();
            } else if (k.keyType()
                    == software.amazon.awssdk.services.dynamodb.model.KeyType.RANGE) {
                range = k.attributeName();
            }
        }
        String configuredRange = c.keySchema.sortKey();
        if (!java.util.Objects.equals(hash, c.keySchema.partitionKey())
                || !java.util.Objects.equals(range, configuredRange)) {
            throw new ConfigException(
                    "table '"
                            + t.tableName()
                            + "' has partition key '"
                            + hash
                            + "'"
                            + (range == null ? " and no sort key" : " and sort key '" + range + "'")
                            + ", but the configuration says '"
                            + c.keySchema.partitionKey()
                            + "' (config key '"
                            + ConfigKey.TABLE_PARTITION_KEY.key()
                            + "') and "
                            + (configuredRange == null
                                    ? "no sort key"
                                    : "'" + configuredRange + "'")
                            + " (config key '"
                            + ConfigKey.TABLE_SORT_KEY.key()
                            + "'"
                            + (range == null ? "; 'none' or empty for no sort key" : "")
                            + ")");
        }
    }

    /** The view type of the configured stream ARN (DescribeStream). */
    private static StreamViewType describeConfiguredStream(JobConfig c) {
        try (software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient streams =
                AwsSettings.dynamoDbStreams(c)) {
            return streams.describeStream(b -> b.streamArn(c.sourceStreamArn).limit(1))
                    .streamDescription()
                    .streamViewType();
        } catch (ResourceNotFoundException e) {
            throw new ConfigException(
                    "the stream "
                            + c.sourceStreamArn
                            + " (config key '"
                            + ConfigKey.SOURCE_STREAM_ARN.key()
                            + "') does not exist in region "
                            + c.awsRegion
                            + where(c),
                    e);
        } catch (SdkClientException e) {
            throw new ConfigException(
                    "cannot reach DynamoDB Streams"
                            + where(c)
                            + " to describe the stream "
                            + c.sourceStreamArn
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * Item documents and image filters need images the stream's view type may not carry: refused at
     * start-up.
     */
    static void checkView(JobConfig c, StreamViewType view, String stream) {
        if (c.searchSinkEnabled
                && c.itemIndex != null
                && (view == StreamViewType.KEYS_ONLY || view == StreamViewType.OLD_IMAGE)) {
            throw new ConfigException(
                    "config key '"
                            + ConfigKey.SINK_SEARCH_ITEM_INDEX.key()
                            + "' asks for item documents, but "
                            + stream
                            + " has view type "
                            + view
                            + ", which carries no new image; enable a stream with "
                            + StreamViewType.NEW_IMAGE
                            + " or "
                            + StreamViewType.NEW_AND_OLD_IMAGES
                            + ", or set '"
                            + ConfigKey.SINK_SEARCH_ITEM_INDEX.key()
                            + "' empty");
        }
        checkFilterImages(c, view, stream);
    }

    /** A filter on an image the stream does not carry would never match: refused at start-up. */
    static void checkFilterImages(JobConfig c, StreamViewType view, String stream) {
        EventFilter filter = EventFilter.fromConfig(c);
        if (filter == null || view == StreamViewType.NEW_AND_OLD_IMAGES) {
            return;
        }
        java.util.Set<String> paths = filter.referencedPaths();
        if (paths.contains("dynamodb.NewImage") && view != StreamViewType.NEW_IMAGE) {
            throw new ConfigException(
                    "config key '"
                            + ConfigKey.FILTER_PATTERNS.key()
                            + "' filters on dynamodb.NewImage, but "
                            + stream
                            + " has view type "
                            + view
                            + ", which carries no new image");
        }
        if (paths.contains("dynamodb.OldImage") && view != StreamViewType.OLD_IMAGE) {
            throw new ConfigException(
                    "config key '"
                            + ConfigKey.FILTER_PATTERNS.key()
                            + "' filters on dynamodb.OldImage, but "
                            + stream
                            + " has view type "
                            + view
                            + ", which carries no old image");
        }
    }

    private static String where(JobConfig c) {
        return c.awsEndpoint == null
                ? ""
                : " at " + c.awsEndpoint + " (config key '" + ConfigKey.AWS_ENDPOINT.key() + "')";
    }
}

package io.streamsync.source.stream;

import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;

/**
 * Start-up check of the Kinesis source: the stream exists and the endpoint answers (one
 * ListShards), so that a wrong name fails the start instead of a restart loop.
 */
public final class KinesisStreamCheck {
    private KinesisStreamCheck() {}

    public static void check(JobConfig c) {
        StreamEndpoint endpoint = StreamEndpoint.kinesis(c);
        try (ShardStream stream = endpoint.open(1)) {
            if (stream.listShards().isEmpty()) {
                throw new ConfigException(
                        "Kinesis stream '"
                                + c.kinesisStream
                                + "' (config key '"
                                + ConfigKey.SOURCE_KINESIS_STREAM.key()
                                + "') lists no shards");
            }
        } catch (StreamApiException e) {
            if (e.kind == StreamApiException.Kind.NOT_FOUND) {
                throw new ConfigException(
                        "Kinesis stream '"
                                + c.kinesisStream
                                + "' (config key '"
                                + ConfigKey.SOURCE_KINESIS_STREAM.key()
                                + "') does not exist in region "
                                + c.awsRegion,
                        e);
            }
            throw new ConfigException(
                    "cannot list the shards of Kinesis stream '"
                            + c.kinesisStream
                            + "'"
                            + (c.kinesisEndpoint == null
                                    ? ""
                                    : " at "
                                            + c.kinesisEndpoint
                                            + " (config key '"
                                            + ConfigKey.SOURCE_KINESIS_ENDPOINT.key()
                                            + "')")
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }
}

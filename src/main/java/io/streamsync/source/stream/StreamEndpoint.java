package io.streamsync.source.stream;

import io.streamsync.aws.AwsSettings;
import io.streamsync.config.JobConfig;
import java.io.Serializable;
import java.net.URI;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;

/**
 * Which change stream to read and how to reach it; opens a {@link ShardStream} wherever the source runs
 * (it travels with the job graph, so it holds settings, not clients).
 */
public final class StreamEndpoint implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Service {
        DYNAMODB_STREAMS,
        KINESIS
    }

    public final Service service;
    /** The DynamoDB stream ARN, or the Kinesis stream name or ARN. */
    public final String stream;
    private final JobConfig config;

    private StreamEndpoint(Service service, String stream, JobConfig config) {
        this.service = service;
        this.stream = stream;
        this.config = config;
    }

    public static StreamEndpoint dynamoDbStreams(JobConfig c, String streamArn) {
        return new StreamEndpoint(Service.DYNAMODB_STREAMS, streamArn, c);
    }

    public static StreamEndpoint kinesis(JobConfig c) {
        return new StreamEndpoint(Service.KINESIS, c.kinesisStream, c);
    }

    /** The endpoint configured for the service, or the service's public endpoint in the job's region. */
    public URI uri() {
        URI override = service == Service.KINESIS ? config.kinesisEndpoint : config.awsEndpoint;
        if (override != null) {
            return override;
        }
        RegionMetadata region = Region.of(config.awsRegion).metadata();
        String suffix = region == null ? "amazonaws.com" : region.partition().dnsSuffix();
        String host = service == Service.KINESIS ? "kinesis." : "streams.dynamodb.";
        return URI.create("https://" + host + config.awsRegion + "." + suffix);
    }

    /** A client for the stream, with up to {@code maxConnections} connections. */
    public ShardStream open(int maxConnections) {
        if (service == Service.KINESIS) {
            return new KinesisApi(new AwsJsonClient(uri(), "Kinesis_20131202", "application/x-amz-json-1.1", "kinesis",
                    config.awsRegion, AwsSettings.credentials(config), maxConnections), stream);
        }
        return new DynamoDbStreamsApi(new AwsJsonClient(uri(), "DynamoDBStreams_20120810", "application/x-amz-json-1.0",
                "dynamodb", config.awsRegion, AwsSettings.credentials(config), maxConnections), stream);
    }

    @Override
    public String toString() {
        return (service == Service.KINESIS ? "Kinesis stream " : "DynamoDB stream ") + stream;
    }
}

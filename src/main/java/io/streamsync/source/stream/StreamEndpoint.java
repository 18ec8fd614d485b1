package io.streamsync.source.stream;

import io.streamsync.aws.AwsSettings;
import io.streamsync.config.JobConfig;
import java.io.Serializable;
import java.net.URI;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;

/**
 * Which change stream to read and how to reach it; opens a {@link ShardStream} wherever the source
 * runs (it travels with the job graph, so it holds settings, not clients, and only the AWS ones: no
 * secret, see {@link AwsSettings}).
 */
public final class StreamEndpoint implements Serializable {
    private static final long serialVersionUID = 2L;

    public enum Service {
        DYNAMODB_STREAMS,
        KINESIS
    }

    public final Service service;

    /** The DynamoDB stream ARN, or the Kinesis stream name or ARN. */
    public final String stream;

    private final AwsSettings aws;

    /**
     * The endpoint override of the service (Kinesis: source.kinesis.endpoint; Streams:
     * aws.streams.endpoint, else aws.endpoint), or null.
     */
    private final URI override;

    private StreamEndpoint(Service service, String stream, JobConfig config) {
        this.service = service;
        this.stream = stream;
        this.aws = AwsSettings.of(config);
        this.override =
                service == Service.KINESIS ? config.kinesisEndpoint : config.awsStreamsEndpoint;
    }

    public static StreamEndpoint dynamoDbStreams(JobConfig c, String streamArn) {
        return new StreamEndpoint(Service.DYNAMODB_STREAMS, streamArn, c);
    }

    public static StreamEndpoint kinesis(JobConfig c) {
        return new StreamEndpoint(Service.KINESIS, c.kinesisStream, c);
    }

    /**
     * The endpoint configured for the service, or the service's public endpoint in the job's
     * region.
     */
    public URI uri() {
        if (override != null) {
            return override;
        }
        RegionMetadata region = Region.of(aws.region).metadata();
        String suffix = region == null ? "amazonaws.com" : region.partition().dnsSuffix();
        String host = service == Service.KINESIS ? "kinesis." : "streams.dynamodb.";
        return URI.create("https://" + host + aws.region + "." + suffix);
    }

    /** A client for the stream, with up to {@code maxConnections} connections. */
    public ShardStream open(int maxConnections) {
        if (service == Service.KINESIS) {
            return new KinesisApi(
                    new AwsJsonClient(
                            uri(),
                            "Kinesis_20131202",
                            "application/x-amz-json-1.1",
                            "kinesis",
                            aws.region,
                            aws.credentials(),
                            maxConnections),
                    stream);
        }
        return new DynamoDbStreamsApi(
                new AwsJsonClient(
                        uri(),
                        "DynamoDBStreams_20120810",
                        "application/x-amz-json-1.0",
                        "dynamodb",
                        aws.region,
                        aws.credentials(),
                        maxConnections),
                stream);
    }

    @Override
    public String toString() {
        return (service == Service.KINESIS ? "Kinesis stream " : "DynamoDB stream ") + stream;
    }
}

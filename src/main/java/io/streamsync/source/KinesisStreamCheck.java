package io.streamsync.source;

import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import org.apache.flink.kinesis.shaded.com.amazonaws.SdkClientException;
import org.apache.flink.kinesis.shaded.com.amazonaws.auth.AWSCredentialsProvider;
import org.apache.flink.kinesis.shaded.com.amazonaws.auth.AWSStaticCredentialsProvider;
import org.apache.flink.kinesis.shaded.com.amazonaws.auth.BasicAWSCredentials;
import org.apache.flink.kinesis.shaded.com.amazonaws.auth.DefaultAWSCredentialsProviderChain;
import org.apache.flink.kinesis.shaded.com.amazonaws.client.builder.AwsClientBuilder;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.AmazonKinesis;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.AmazonKinesisClientBuilder;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.DescribeStreamRequest;
import org.apache.flink.kinesis.shaded.com.amazonaws.services.kinesis.model.ResourceNotFoundException;

/**
 * Start-up check of the Kinesis source: the stream exists and the endpoint answers (with the Kinesis client
 * the connector bundles), so that a wrong name fails the start instead of a restart loop.
 */
public final class KinesisStreamCheck {
    private KinesisStreamCheck() {}

    /** A Kinesis client with the job's settings (also used by tests to produce records). */
    public static AmazonKinesis client(JobConfig c) {
        AWSCredentialsProvider credentials = c.credentialsProvider == JobConfig.CredentialsProvider.BASIC
                ? new AWSStaticCredentialsProvider(new BasicAWSCredentials(c.accessKeyId, c.secretAccessKey))
                : DefaultAWSCredentialsProviderChain.getInstance();
        AmazonKinesisClientBuilder b = AmazonKinesisClientBuilder.standard().withCredentials(credentials);
        if (c.kinesisEndpoint != null) {
            b.withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(c.kinesisEndpoint.toString(), c.awsRegion));
        } else {
            b.withRegion(c.awsRegion);
        }
        return b.build();
    }

    public static void check(JobConfig c) {
        AmazonKinesis kinesis = client(c);
        try {
            String status = kinesis.describeStream(new DescribeStreamRequest().withStreamName(c.kinesisStream).withLimit(1))
                    .getStreamDescription().getStreamStatus();
            if ("DELETING".equals(status)) {
                throw new ConfigException("Kinesis stream '" + c.kinesisStream + "' (config key '"
                        + ConfigKey.SOURCE_KINESIS_STREAM.key() + "') is being deleted");
            }
        } catch (ResourceNotFoundException e) {
            throw new ConfigException("Kinesis stream '" + c.kinesisStream + "' (config key '" + ConfigKey.SOURCE_KINESIS_STREAM.key()
                    + "') does not exist in region " + c.awsRegion, e);
        } catch (SdkClientException e) {
            throw new ConfigException("cannot reach Kinesis" + (c.kinesisEndpoint == null ? "" : " at " + c.kinesisEndpoint
                    + " (config key '" + ConfigKey.SOURCE_KINESIS_ENDPOINT.key() + "')") + ": " + e.getMessage(), e);
        } finally {
            kinesis.shutdown();
        }
    }
}

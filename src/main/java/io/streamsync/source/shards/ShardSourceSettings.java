package io.streamsync.source.shards;

import io.streamsync.config.JobConfig;
import io.streamsync.source.stream.StartPosition;
import io.streamsync.source.stream.StreamEndpoint;
import java.io.Serializable;
import java.time.Duration;

/** What the change-stream source is configured with (it travels with the job graph). */
public final class ShardSourceSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public final StreamEndpoint endpoint;

    /** Where a job without state starts (see {@link ShardLineage}). */
    public final StartPosition initial;

    public final Duration discoveryInterval;

    /**
     * Least pause between two GetRecords calls on one shard (DynamoDB Streams allows 5 per second).
     */
    public final Duration pollInterval;

    public final int maxRecordsPerCall;

    /**
     * {@code source.on.trimmed.data=continue}: go on from TRIM_HORIZON after a gap (default: fail).
     */
    public final boolean continueOnTrimmedData;

    /** How long one shard may fail (throttled, unreachable) before the job fails over. */
    public final Duration retryTimeout;

    /** A shard's watermark trails its latest event time by this. */
    public final Duration watermarkOutOfOrderness;

    /** A shard at the head of its stream moves its event time on to now minus this. */
    public final Duration watermarkHeadDelay;

    public ShardSourceSettings(
            StreamEndpoint endpoint,
            StartPosition initial,
            Duration discoveryInterval,
            Duration pollInterval,
            int maxRecordsPerCall,
            boolean continueOnTrimmedData,
            Duration retryTimeout,
            Duration watermarkOutOfOrderness,
            Duration watermarkHeadDelay) {
        this.watermarkOutOfOrderness = watermarkOutOfOrderness;
        this.watermarkHeadDelay = watermarkHeadDelay;
        this.endpoint = endpoint;
        this.initial = initial;
        this.discoveryInterval = discoveryInterval;
        this.pollInterval = pollInterval;
        this.maxRecordsPerCall = maxRecordsPerCall;
        this.continueOnTrimmedData = continueOnTrimmedData;
        this.retryTimeout = retryTimeout;
    }

    public static ShardSourceSettings fromConfig(JobConfig c, StreamEndpoint endpoint) {
        StartPosition initial;
        switch (c.initialPosition) {
            case LATEST:
                initial = StartPosition.LATEST;
                break;
            case AT_TIMESTAMP:
                initial = StartPosition.atTimestamp(c.initialTimestamp.toEpochMilli());
                break;
            default:
                initial = StartPosition.TRIM_HORIZON;
        }
        return new ShardSourceSettings(
                endpoint,
                initial,
                c.shardDiscoveryInterval,
                c.pollInterval,
                c.maxRecordsPerCall,
                c.continueOnTrimmedData,
                c.sourceRetryTimeout,
                c.watermarkOutOfOrderness,
                c.watermarkHeadDelay);
    }
}

package io.streamsync.source.shards;

import io.streamsync.config.JobConfig;
import io.streamsync.source.stream.StartPosition;
import io.streamsync.source.stream.StreamEndpoint;
import java.time.Duration;
import java.util.Map;

/**
 * The shard source settings of a test: what the test gives, and the configuration's defaults for
 * the rest (the watermark's out-of-orderness and head delay), instead of a test-only constructor in
 * the main code whose defaults could drift from the configuration's.
 */
final class TestShardSettings {
    private static final JobConfig DEFAULTS = JobConfig.from(Map.of());

    private TestShardSettings() {}

    static ShardSourceSettings of(
            StreamEndpoint endpoint,
            StartPosition initial,
            Duration discoveryInterval,
            Duration pollInterval,
            int maxRecordsPerCall,
            boolean continueOnTrimmedData,
            Duration retryTimeout) {
        return new ShardSourceSettings(
                endpoint,
                initial,
                discoveryInterval,
                pollInterval,
                maxRecordsPerCall,
                continueOnTrimmedData,
                retryTimeout,
                DEFAULTS.watermarkOutOfOrderness,
                DEFAULTS.watermarkHeadDelay);
    }
}

package io.streamsync.aggregate;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.OperatorIds;
import java.time.Duration;
import java.util.Map;

/**
 * Builds the {@link ListAggregator} of a test. Every setting a test does not give is the
 * configuration's default (read from {@link JobConfig} with no keys set), so a test cannot drift
 * from what the job runs with; the stage its dead letters name is the pipeline's uid.
 */
final class TestAggregators {
    private Duration window;
    private Duration lateness;
    private Duration tombstones;
    private Duration emptyList;
    private boolean itemUpdates;
    private boolean ttlExpiryRemoves;
    private int deadLetterMaxBytes;

    private TestAggregators() {
        AggregationSettings defaults =
                AggregationSettings.fromConfig(
                        JobConfig.from(Map.of()), false, OperatorIds.AGGREGATE.uid());
        window = defaults.windowSize;
        lateness = defaults.allowedLateness;
        tombstones = defaults.tombstoneRetention;
        emptyList = defaults.emptyListRetention;
        itemUpdates = defaults.emitItemUpdates;
        ttlExpiryRemoves = defaults.ttlExpiryRemoves;
        deadLetterMaxBytes = defaults.deadLetterMaxBytes;
    }

    /** The configuration's defaults. */
    static TestAggregators defaults() {
        return new TestAggregators();
    }

    /** The defaults with this window size and these retentions, as most harness tests use. */
    static TestAggregators with(
            long windowMs, long tombstonesMs, long emptyListMs, boolean itemUpdates) {
        return defaults()
                .window(windowMs)
                .tombstones(tombstonesMs)
                .emptyList(emptyListMs)
                .itemUpdates(itemUpdates);
    }

    TestAggregators window(long ms) {
        window = Duration.ofMillis(ms);
        return this;
    }

    TestAggregators lateness(long ms) {
        lateness = Duration.ofMillis(ms);
        return this;
    }

    TestAggregators tombstones(long ms) {
        tombstones = Duration.ofMillis(ms);
        return this;
    }

    TestAggregators emptyList(long ms) {
        emptyList = Duration.ofMillis(ms);
        return this;
    }

    TestAggregators itemUpdates(boolean on) {
        itemUpdates = on;
        return this;
    }

    TestAggregators ttlExpiryRemoves(boolean removes) {
        ttlExpiryRemoves = removes;
        return this;
    }

    TestAggregators deadLetterMaxBytes(int bytes) {
        deadLetterMaxBytes = bytes;
        return this;
    }

    AggregationSettings settings() {
        return new AggregationSettings(
                window,
                lateness,
                tombstones,
                emptyList,
                itemUpdates,
                ttlExpiryRemoves,
                deadLetterMaxBytes,
                OperatorIds.AGGREGATE.uid());
    }

    ListAggregator build() {
        return new ListAggregator(settings());
    }
}

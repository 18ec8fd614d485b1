package io.streamsync.source.shards;

import io.streamsync.metrics.CloudWatchMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;

/**
 * The source's metrics, per source subtask (in CloudWatch's group) and per shard ({@code shardId}
 * group): records read, GetRecords calls, throttles, expired iterators, finished shards,
 * trimmed-data gaps, unconfirmed shard ends (an answer without a next iterator from a shard the
 * listing shows open), and millisBehindLatest (Kinesis: as the service reports it; DynamoDB
 * Streams: 0 only when the head rule of {@link ShardSplitReader} holds, else now minus the last
 * record's ApproximateCreationDateTime). A shard's group is closed (its metrics unregistered) when
 * the shard is done.
 */
final class ShardReaderMetrics {
    final Counter recordsRead;
    final Counter getRecordsCalls;
    final Counter throttles;
    final Counter expiredIterators;
    final Counter shardsFinished;
    final Counter trimmedDataGaps;
    final Counter retries;

    /** Answers without a next iterator from a shard the listing did not show closed (retried). */
    final Counter unconfirmedShardEnds;

    private final MetricGroup perShard;
    private final Map<String, AtomicLong> behind = new ConcurrentHashMap<>();

    /** Each shard's metric group, closed when the shard is done. */
    final Map<String, MetricGroup> shardGroups = new ConcurrentHashMap<>();

    /**
     * Per-source metrics in {@link CloudWatchMetrics}' group (with gauges of the latency
     * histogram's median and 99th percentile), per-shard gauges and the histogram itself in the
     * operator's group.
     */
    ShardReaderMetrics(MetricGroup operatorGroup, Histogram writeToReadLatency) {
        this.perShard = operatorGroup;
        MetricGroup group = CloudWatchMetrics.of(operatorGroup);
        recordsRead = group.counter("recordsRead", new ThreadSafeSimpleCounter());
        getRecordsCalls = group.counter("getRecordsCalls", new ThreadSafeSimpleCounter());
        throttles = group.counter("throttles", new ThreadSafeSimpleCounter());
        expiredIterators = group.counter("expiredIterators", new ThreadSafeSimpleCounter());
        shardsFinished = group.counter("shardsFinished", new ThreadSafeSimpleCounter());
        trimmedDataGaps = group.counter("trimmedDataGaps", new ThreadSafeSimpleCounter());
        retries = group.counter("retries", new ThreadSafeSimpleCounter());
        unconfirmedShardEnds = group.counter("unconfirmedShardEnds", new ThreadSafeSimpleCounter());
        group.gauge(
                "millisBehindLatest",
                () -> behind.values().stream().mapToLong(AtomicLong::get).max().orElse(0L));
        group.gauge("shards", behind::size);
        if (writeToReadLatency != null) {
            group.gauge(
                    "writeToReadLatencyP50Ms",
                    () -> (long) writeToReadLatency.getStatistics().getQuantile(0.5));
            group.gauge(
                    "writeToReadLatencyP99Ms",
                    () -> (long) writeToReadLatency.getStatistics().getQuantile(0.99));
        }
    }

    /** Starts tracking a shard (its gauge is registered once per shard and subtask). */
    void shardAdded(String shardId) {
        behind.computeIfAbsent(
                shardId,
                id -> {
                    AtomicLong value = new AtomicLong(0);
                    MetricGroup group = perShard.addGroup("shardId", id);
                    group.gauge("millisBehindLatest", value::get);
                    shardGroups.put(id, group);
                    return value;
                });
    }

    /** The shard is done here (finished, or its reader closes): its metrics are unregistered. */
    void shardRemoved(String shardId) {
        behind.remove(shardId);
        MetricGroup group = shardGroups.remove(shardId);
        if (group instanceof org.apache.flink.runtime.metrics.groups.AbstractMetricGroup) {
            // Flink's metric groups have no public removal; closing the group unregisters its
            // metrics (a group
            // added again under the same name later replaces the closed one)
            ((org.apache.flink.runtime.metrics.groups.AbstractMetricGroup<?>) group).close();
        }
    }

    void behind(String shardId, long millis) {
        AtomicLong v = behind.get(shardId);
        if (v != null) {
            v.set(Math.max(0, millis));
        }
    }
}

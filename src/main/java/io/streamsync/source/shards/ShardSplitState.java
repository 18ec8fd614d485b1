package io.streamsync.source.shards;

import io.streamsync.source.stream.StartPosition;

/** Where a reader stands in one shard: its start, moved on by every record emitted downstream. */
final class ShardSplitState {
    final String shardId;
    StartPosition position;
    long lastRecordMillis;

    /**
     * The gap to report before the shard's records, until it is emitted (kept in checkpoints until
     * then).
     */
    String gap;

    /**
     * Latest event time seen on the shard (records, or now at its head); not kept in checkpoints.
     */
    long maxEventTime = Long.MIN_VALUE;

    /** The last watermark emitted for the shard. */
    long emittedWatermark = Long.MIN_VALUE;

    ShardSplitState(ShardSplit split) {
        this.shardId = split.shardId;
        this.position = split.start;
        this.lastRecordMillis = split.lastRecordMillis;
        this.gap = split.gap;
    }

    ShardSplit toSplit() {
        return new ShardSplit(shardId, position, false, lastRecordMillis, gap);
    }
}

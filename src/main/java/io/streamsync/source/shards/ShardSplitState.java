package io.streamsync.source.shards;

/** Where a reader stands in one shard: its start, moved on by every record emitted downstream. */
final class ShardSplitState {
    final String shardId;
    StartPosition position;
    long lastRecordMillis;

    ShardSplitState(ShardSplit split) {
        this.shardId = split.shardId;
        this.position = split.start;
        this.lastRecordMillis = split.lastRecordMillis;
    }

    ShardSplit toSplit() {
        return new ShardSplit(shardId, position, false, lastRecordMillis);
    }
}

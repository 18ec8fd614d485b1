package io.streamsync.source.shards;

import java.util.Objects;

/** A shard to read, handed to one reader, and where to start in it. */
public final class ShardSplit {
    public final String shardId;
    public final StartPosition start;

    public ShardSplit(String shardId, StartPosition start) {
        this.shardId = Objects.requireNonNull(shardId);
        this.start = Objects.requireNonNull(start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardSplit && shardId.equals(((ShardSplit) o).shardId) && start.equals(((ShardSplit) o).start);
    }

    @Override
    public int hashCode() {
        return Objects.hash(shardId, start);
    }

    @Override
    public String toString() {
        return shardId + "@" + start;
    }
}

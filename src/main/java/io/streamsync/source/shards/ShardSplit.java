package io.streamsync.source.shards;

import io.streamsync.source.stream.StartPosition;
import java.util.Objects;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * A shard to read, handed to one reader, and where to go on in it. The reader checkpoints its
 * splits as these: the start moves to {@code AFTER_SEQUENCE_NUMBER} of the last record it emitted.
 * A split read to its end stays in the reader's state, {@link #finished}, until the enumerator has
 * a checkpoint that knows it, so that a restore never loses the report (the enumerator checkpoints
 * before the readers do).
 */
public final class ShardSplit implements SourceSplit {
    public final String shardId;
    public final StartPosition start;
    public final boolean finished;

    /**
     * The creation time (epoch ms) of the last record read, -1 if none: says since when data is
     * lost if the position is trimmed.
     */
    public final long lastRecordMillis;

    /**
     * Data lost before this shard that its reader reports as a gap (a dead letter) before reading
     * it: a parent trimmed unread. Null if none; dropped from the reader's state once the gap is
     * emitted.
     */
    public final String gap;

    public ShardSplit(String shardId, StartPosition start) {
        this(shardId, start, false, -1L);
    }

    public ShardSplit(String shardId, StartPosition start, boolean finished) {
        this(shardId, start, finished, -1L);
    }

    public ShardSplit(
            String shardId, StartPosition start, boolean finished, long lastRecordMillis) {
        this(shardId, start, finished, lastRecordMillis, null);
    }

    public ShardSplit(
            String shardId,
            StartPosition start,
            boolean finished,
            long lastRecordMillis,
            String gap) {
        this.shardId = Objects.requireNonNull(shardId);
        this.start = Objects.requireNonNull(start);
        this.finished = finished;
        this.lastRecordMillis = lastRecordMillis;
        this.gap = gap;
    }

    @Override
    public String splitId() {
        return shardId;
    }

    /** The same split, to go on after {@code sequenceNumber}. */
    public ShardSplit after(String sequenceNumber) {
        return new ShardSplit(
                shardId,
                StartPosition.afterSequenceNumber(sequenceNumber),
                finished,
                lastRecordMillis,
                gap);
    }

    /** The same split, read to its end. */
    public ShardSplit asFinished() {
        return new ShardSplit(shardId, start, true, lastRecordMillis, null);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ShardSplit)) {
            return false;
        }
        ShardSplit s = (ShardSplit) o;
        return shardId.equals(s.shardId)
                && start.equals(s.start)
                && finished == s.finished
                && lastRecordMillis == s.lastRecordMillis
                && Objects.equals(gap, s.gap);
    }

    @Override
    public int hashCode() {
        return Objects.hash(shardId, start, finished, lastRecordMillis, gap);
    }

    @Override
    public String toString() {
        return shardId + "@" + start + (finished ? " (finished)" : "");
    }
}

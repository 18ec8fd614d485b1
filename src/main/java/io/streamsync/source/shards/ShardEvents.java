package io.streamsync.source.shards;

import java.util.List;
import org.apache.flink.api.connector.source.SourceEvent;

/** Events between the shard readers and the enumerator. */
public final class ShardEvents {
    private ShardEvents() {}

    /**
     * Reader to enumerator: these shards are read to their end (sent again after a restore:
     * idempotent).
     */
    public static final class ShardsFinished implements SourceEvent {
        private static final long serialVersionUID = 1L;
        public final List<String> shardIds;

        public ShardsFinished(List<String> shardIds) {
            this.shardIds = List.copyOf(shardIds);
        }

        @Override
        public String toString() {
            return "ShardsFinished" + shardIds;
        }
    }

    /**
     * Reader to enumerator, once when a reader starts (first start, or restart after a failover):
     * the unfinished shards it restored from its checkpoint. After a regional failover the
     * enumerator (not restored) learns from this which shards it took as finished are being read
     * again, and holds their children back until then.
     */
    public static final class ReaderStarted implements SourceEvent {
        private static final long serialVersionUID = 1L;
        public final List<String> reading;

        public ReaderStarted(List<String> reading) {
            this.reading = List.copyOf(reading);
        }

        @Override
        public String toString() {
            return "ReaderStarted" + reading;
        }
    }

    /**
     * Enumerator to reader: these shards of the reader have children listed. The stream writes to
     * the children now, so an empty answer from one of these is not the stream's head: it sends no
     * heartbeat (its watermark stays with its records) until it ends and its children take over.
     */
    public static final class ShardsSuperseded implements SourceEvent {
        private static final long serialVersionUID = 1L;
        public final List<String> shardIds;

        public ShardsSuperseded(List<String> shardIds) {
            this.shardIds = List.copyOf(shardIds);
        }

        @Override
        public String toString() {
            return "ShardsSuperseded" + shardIds;
        }
    }

    /**
     * Enumerator to reader: the enumerator has no shard for this reader and expects none soon (no
     * shard it finished is waiting for children). A reader without shards then marks itself idle,
     * so that it holds no one's event time back; its next shard makes it active again.
     */
    public static final class NoShards implements SourceEvent {
        private static final long serialVersionUID = 1L;

        @Override
        public String toString() {
            return "NoShards";
        }
    }

    /**
     * Enumerator to reader: the children of these shards, which the reader finished, are handed out
     * (to it, in an assignment sent before this event, or to another reader), or none is expected
     * any more. Until then the reader keeps each such shard's split output, at the shard's last
     * watermark, so that its watermark waits for the children: another shard of the reader running
     * ahead (a catch-up) would otherwise make the children's first records late.
     */
    public static final class ChildrenSettled implements SourceEvent {
        private static final long serialVersionUID = 1L;
        public final List<String> shardIds;

        public ChildrenSettled(List<String> shardIds) {
            this.shardIds = List.copyOf(shardIds);
        }

        @Override
        public String toString() {
            return "ChildrenSettled" + shardIds;
        }
    }

    /**
     * Enumerator to reader: the enumerator has recorded these shards as finished. The reader drops
     * them from its state after the next checkpoint completes (the enumerator's part of that
     * checkpoint has them).
     */
    public static final class FinishedRecorded implements SourceEvent {
        private static final long serialVersionUID = 1L;
        public final List<String> shardIds;

        public FinishedRecorded(List<String> shardIds) {
            this.shardIds = List.copyOf(shardIds);
        }

        @Override
        public String toString() {
            return "FinishedRecorded" + shardIds;
        }
    }
}

package io.streamsync.source.shards;

import io.streamsync.source.RawRecord;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * The change-stream source's watermark strategy. The reader itself emits each shard's watermark (it
 * alone knows when a shard is at the head of its stream, see {@code ShardReader.Emitter}) and the
 * records' event times; this strategy only makes Flink keep one watermark output per shard and take
 * their least, and generates nothing of its own.
 */
public final class ShardWatermarks implements WatermarkGenerator<RawRecord> {
    private ShardWatermarks() {}

    /** Per-shard outputs; the timestamps are the ones the reader gives each record. */
    public static WatermarkStrategy<RawRecord> strategy() {
        return WatermarkStrategy.forGenerator(context -> new ShardWatermarks());
    }

    @Override
    public void onEvent(RawRecord event, long eventTimestamp, WatermarkOutput output) {
        // the reader emits the shard's watermark itself
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        // nothing of its own
    }
}

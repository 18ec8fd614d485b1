package io.streamsync.source.shards;

import io.streamsync.state.VersionOneSerializer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** A split in checkpoints. Version 1: shard id, start position, finished, the last record's creation time. */
public final class ShardSplitSerializer extends VersionOneSerializer<ShardSplit> {
    public ShardSplitSerializer() {
        super("shard split");
    }

    @Override
    protected void write(ShardSplit split, DataOutputStream out) throws IOException {
        out.writeUTF(split.shardId);
        ShardLineageSerializer.writePosition(split.start, out);
        out.writeBoolean(split.finished);
        out.writeLong(split.lastRecordMillis);
    }

    @Override
    protected ShardSplit read(DataInputStream in) throws IOException {
        String id = in.readUTF();
        StartPosition start = ShardLineageSerializer.readPosition(in);
        boolean finished = in.readBoolean();
        return new ShardSplit(id, start, finished, in.readLong());
    }
}

package io.streamsync.source.shards;

import io.streamsync.source.stream.StartPosition;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A split in checkpoints, field by field (no Kryo). Version 1: shard id, start position, finished,
 * the last record's creation time. Version 2 adds the gap to report before the shard (a flag, then
 * the text). Both are read; version 2 is written.
 */
public final class ShardSplitSerializer implements SimpleVersionedSerializer<ShardSplit> {
    static final int VERSION = 2;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(ShardSplit split) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(split.shardId);
            ShardLineageSerializer.writePosition(split.start, out);
            out.writeBoolean(split.finished);
            out.writeLong(split.lastRecordMillis);
            ShardLineageSerializer.writeOptionalText(split.gap, out);
        }
        return bytes.toByteArray();
    }

    @Override
    public ShardSplit deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1 && version != 2) {
            throw new IOException(
                    "unknown shard split version "
                            + version
                            + " (this build reads versions 1 and 2)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            String id = in.readUTF();
            StartPosition start = ShardLineageSerializer.readPosition(in);
            boolean finished = in.readBoolean();
            long lastRecordMillis = in.readLong();
            String gap = version >= 2 ? ShardLineageSerializer.readOptionalText(in) : null;
            return new ShardSplit(id, start, finished, lastRecordMillis, gap);
        }
    }
}

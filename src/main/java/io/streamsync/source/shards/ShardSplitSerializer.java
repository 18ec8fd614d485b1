package io.streamsync.source.shards;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** A split in checkpoints, field by field (no Kryo). Version 1: shard id, start position, finished. */
public final class ShardSplitSerializer implements SimpleVersionedSerializer<ShardSplit> {
    @Override
    public int getVersion() {
        return 1;
    }

    @Override
    public byte[] serialize(ShardSplit split) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(split.shardId);
            ShardLineageSerializer.writePosition(split.start, out);
            out.writeBoolean(split.finished);
        }
        return bytes.toByteArray();
    }

    @Override
    public ShardSplit deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1) {
            throw new IOException("unknown shard split version " + version + " (this build reads version 1)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            String id = in.readUTF();
            StartPosition start = ShardLineageSerializer.readPosition(in);
            return new ShardSplit(id, start, in.readBoolean());
        }
    }
}

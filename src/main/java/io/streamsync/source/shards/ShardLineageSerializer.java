package io.streamsync.source.shards;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The lineage in checkpoints, field by field (no Kryo). Version 1: the initial position, whether the stream
 * was listed before, then every shard: id, status, finished-at, start position, parents.
 */
public final class ShardLineageSerializer implements SimpleVersionedSerializer<ShardLineage> {
    @Override
    public int getVersion() {
        return 1;
    }

    @Override
    public byte[] serialize(ShardLineage lineage) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writePosition(lineage.initial(), out);
            out.writeBoolean(lineage.listedBefore());
            out.writeInt(lineage.tracked().size());
            for (ShardLineage.Tracked t : lineage.tracked()) {
                out.writeUTF(t.id);
                out.writeByte(t.status.ordinal());
                out.writeLong(t.finishedAt);
                writePosition(t.start, out);
                out.writeByte(t.parents.size());
                for (String p : t.parents) {
                    out.writeUTF(p);
                }
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public ShardLineage deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1) {
            throw new IOException("unknown shard lineage version " + version + " (this build reads version 1)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            StartPosition initial = readPosition(in);
            boolean listedBefore = in.readBoolean();
            int n = in.readInt();
            List<ShardLineage.Tracked> tracked = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String id = in.readUTF();
                ShardLineage.Status status = ShardLineage.Status.values()[in.readByte()];
                long finishedAt = in.readLong();
                StartPosition start = readPosition(in);
                int parents = in.readByte();
                List<String> p = new ArrayList<>(parents);
                for (int j = 0; j < parents; j++) {
                    p.add(in.readUTF());
                }
                tracked.add(new ShardLineage.Tracked(id, p, start, status, finishedAt));
            }
            return ShardLineage.restore(initial, listedBefore, tracked);
        }
    }

    static void writePosition(StartPosition p, DataOutputStream out) throws IOException {
        out.writeByte(p.type.ordinal());
        if (p.type == StartPosition.Type.AT_TIMESTAMP) {
            out.writeLong(p.timestampMillis);
        } else if (p.type == StartPosition.Type.AFTER_SEQUENCE_NUMBER) {
            out.writeUTF(p.sequenceNumber);
        }
    }

    static StartPosition readPosition(DataInputStream in) throws IOException {
        StartPosition.Type type = StartPosition.Type.values()[in.readByte()];
        switch (type) {
            case AT_TIMESTAMP:
                return StartPosition.atTimestamp(in.readLong());
            case AFTER_SEQUENCE_NUMBER:
                return StartPosition.afterSequenceNumber(in.readUTF());
            case LATEST:
                return StartPosition.LATEST;
            default:
                return StartPosition.TRIM_HORIZON;
        }
    }
}

package io.streamsync.source.shards;

import io.streamsync.state.VersionOneSerializer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The lineage in checkpoints, field by field (no Kryo). Version 1: the initial position, whether the stream
 * was listed before, then every shard: id, status, finished-at, start position, parents.
 */
public final class ShardLineageSerializer extends VersionOneSerializer<ShardLineage> {
    public ShardLineageSerializer() {
        super("shard lineage");
    }

    @Override
    protected void write(ShardLineage lineage, DataOutputStream out) throws IOException {
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

    @Override
    protected ShardLineage read(DataInputStream in) throws IOException {
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

package io.streamsync.source.shards;

import io.streamsync.source.stream.StartPosition;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The lineage in checkpoints, field by field (no Kryo). Version 1: the initial position, whether
 * the stream was listed before, then every shard: id, status, finished-at, start position, parents.
 * Version 2 adds to each shard the gap to report before it (a flag, then the text), and after the
 * shards the forgotten (pruned) shards with when they were forgotten. Both are read; version 2 is
 * written.
 */
public final class ShardLineageSerializer implements SimpleVersionedSerializer<ShardLineage> {
    static final int VERSION = 2;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(ShardLineage lineage) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
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
                writeOptionalText(t.gap, out);
            }
            out.writeInt(lineage.forgotten().size());
            for (Map.Entry<String, Long> f : lineage.forgotten().entrySet()) {
                out.writeUTF(f.getKey());
                out.writeLong(f.getValue());
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public ShardLineage deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1 && version != 2) {
            throw new IOException(
                    "unknown shard lineage version "
                            + version
                            + " (this build reads versions 1 and 2)");
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
                String gap = version >= 2 ? readOptionalText(in) : null;
                tracked.add(new ShardLineage.Tracked(id, p, start, status, finishedAt, gap));
            }
            Map<String, Long> forgotten = new LinkedHashMap<>();
            if (version >= 2) {
                int f = in.readInt();
                for (int i = 0; i < f; i++) {
                    forgotten.put(in.readUTF(), in.readLong());
                }
            }
            return ShardLineage.restore(initial, listedBefore, tracked, forgotten);
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

    /** A text that may be null: a flag, then the text (cut to what writeUTF can hold). */
    static void writeOptionalText(String text, DataOutputStream out) throws IOException {
        out.writeBoolean(text != null);
        if (text != null) {
            out.writeUTF(text.length() > 16_000 ? text.substring(0, 16_000) : text);
        }
    }

    static String readOptionalText(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}

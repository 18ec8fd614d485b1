package io.streamsync.source.scan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Versioned serializers of the scan's split and enumerator state (part of checkpoints and
 * savepoints). A new version must keep reading the old ones.
 */
final class TableScanSerializers {
    private TableScanSerializers() {}

    static void writeSplit(TableScanSplit s, DataOutputView out) throws IOException {
        out.writeInt(s.segment());
        out.writeInt(s.totalSegments());
        out.writeBoolean(s.startKeyJson() != null);
        if (s.startKeyJson() != null) {
            out.writeUTF(s.startKeyJson());
        }
        out.writeLong(s.itemsRead());
        out.writeLong(s.pagesRead());
    }

    static TableScanSplit readSplit(DataInputView in) throws IOException {
        int segment = in.readInt();
        int total = in.readInt();
        String key = in.readBoolean() ? in.readUTF() : null;
        long items = in.readLong();
        long pages = in.readLong();
        return new TableScanSplit(segment, total, key, items, pages);
    }

    static final class Split implements SimpleVersionedSerializer<TableScanSplit> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(TableScanSplit s) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(64);
            writeSplit(s, out);
            return out.getCopyOfBuffer();
        }

        @Override
        public TableScanSplit deserialize(int version, byte[] bytes) throws IOException {
            if (version != 1) {
                throw new IOException("unknown version " + version + " of the table-scan split");
            }
            return readSplit(new DataInputDeserializer(bytes));
        }
    }

    static final class EnumeratorState
            implements SimpleVersionedSerializer<TableScanEnumeratorState> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(TableScanEnumeratorState s) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(256);
            out.writeInt(s.totalSegments);
            out.writeInt(s.segmentsDone);
            out.writeLong(s.itemsScanned);
            out.writeLong(s.startedAt);
            out.writeInt(s.unassigned.size());
            for (TableScanSplit split : s.unassigned) {
                writeSplit(split, out);
            }
            return out.getCopyOfBuffer();
        }

        @Override
        public TableScanEnumeratorState deserialize(int version, byte[] bytes) throws IOException {
            if (version != 1) {
                throw new IOException(
                        "unknown version " + version + " of the table-scan enumerator state");
            }
            DataInputDeserializer in = new DataInputDeserializer(bytes);
            int total = in.readInt();
            int done = in.readInt();
            long items = in.readLong();
            long started = in.readLong();
            int n = in.readInt();
            List<TableScanSplit> unassigned = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                unassigned.add(readSplit(in));
            }
            return new TableScanEnumeratorState(unassigned, total, done, items, started);
        }
    }
}

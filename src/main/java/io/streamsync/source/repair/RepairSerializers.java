package io.streamsync.source.repair;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/** The repair source's versioned serializers (no Kryo): its split and its enumerator's state. */
final class RepairSerializers {
    private RepairSerializers() {}

    static void writeSplit(RepairSplit s, DataOutputView out) throws IOException {
        out.writeUTF(s.requestId);
        out.writeInt(s.next);
        out.writeInt(s.lists.size());
        for (String l : s.lists) {
            out.writeUTF(l);
        }
    }

    static RepairSplit readSplit(DataInputView in) throws IOException {
        String id = in.readUTF();
        int next = in.readInt();
        int n = in.readInt();
        List<String> lists = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            lists.add(in.readUTF());
        }
        return new RepairSplit(id, lists, next);
    }

    /** Version 1: request id, next, the lists. */
    static final class Split implements SimpleVersionedSerializer<RepairSplit> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(RepairSplit s) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(64);
            writeSplit(s, out);
            return out.getCopyOfBuffer();
        }

        @Override
        public RepairSplit deserialize(int version, byte[] bytes) throws IOException {
            if (version != 1) {
                throw new IOException("unknown repair split version " + version);
            }
            return readSplit(new DataInputDeserializer(bytes));
        }
    }

    /** Version 1: the done request ids, then the splits not assigned yet. */
    static final class EnumeratorState implements SimpleVersionedSerializer<RepairEnumeratorState> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(RepairEnumeratorState s) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(64);
            out.writeInt(s.done.size());
            for (String id : s.done) {
                out.writeUTF(id);
            }
            out.writeInt(s.pending.size());
            for (RepairSplit split : s.pending) {
                writeSplit(split, out);
            }
            return out.getCopyOfBuffer();
        }

        @Override
        public RepairEnumeratorState deserialize(int version, byte[] bytes) throws IOException {
            if (version != 1) {
                throw new IOException("unknown repair enumerator state version " + version);
            }
            DataInputDeserializer in = new DataInputDeserializer(bytes);
            Set<String> done = new LinkedHashSet<>();
            for (int i = in.readInt(); i > 0; i--) {
                done.add(in.readUTF());
            }
            List<RepairSplit> pending = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                pending.add(readSplit(in));
            }
            return new RepairEnumeratorState(done, pending);
        }
    }
}

package io.streamsync.sink.commit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** Version 1: the number of states, then each state by its {@link ElementCodec}. */
final class CommitBatchSerializer<T> implements SimpleVersionedSerializer<CommitBatch<T>> {
    private final ElementCodec<T> codec;

    CommitBatchSerializer(ElementCodec<T> codec) {
        this.codec = codec;
    }

    @Override
    public int getVersion() {
        return 1;
    }

    @Override
    public byte[] serialize(CommitBatch<T> batch) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + batch.states.size() * 128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(batch.states.size());
            for (T s : batch.states) {
                codec.write(s, out);
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public CommitBatch<T> deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1) {
            throw new IOException("unknown commit batch version " + version + " (this build reads version 1)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            int n = in.readInt();
            List<T> states = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                states.add(codec.read(in));
            }
            return new CommitBatch<>(states);
        }
    }
}

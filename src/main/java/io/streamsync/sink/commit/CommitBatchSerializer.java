package io.streamsync.sink.commit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Version 2: the number of states, each state by its {@link ElementCodec}, then the writer's
 * watermark, subtask index and number of subtasks. Version 1 (up to release 0.3.0, in checkpoints
 * and savepoints that hold batches not yet published) is the states only; it reads as a batch
 * without watermark.
 */
final class CommitBatchSerializer<T> implements SimpleVersionedSerializer<CommitBatch<T>> {
    private final ElementCodec<T> codec;

    CommitBatchSerializer(ElementCodec<T> codec) {
        this.codec = codec;
    }

    @Override
    public int getVersion() {
        return 2;
    }

    @Override
    public byte[] serialize(CommitBatch<T> batch) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(batch.states.size());
            for (T s : batch.states) {
                codec.write(s, out);
            }
            out.writeLong(batch.watermark);
            out.writeInt(batch.subtask);
            out.writeInt(batch.subtasks);
        }
        return bytes.toByteArray();
    }

    @Override
    public CommitBatch<T> deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1 && version != 2) {
            throw new IOException(
                    "unknown commit batch version " + version + " (this build reads 1 and 2)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            int n = in.readInt();
            List<T> states = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                states.add(codec.read(in));
            }
            if (version == 1) {
                return new CommitBatch<>(states);
            }
            return new CommitBatch<>(states, in.readLong(), in.readInt(), in.readInt());
        }
    }
}

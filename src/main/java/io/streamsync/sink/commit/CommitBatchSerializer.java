package io.streamsync.sink.commit;

import io.streamsync.state.VersionOneSerializer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Version 1: the number of states, then each state by its {@link ElementCodec}. */
final class CommitBatchSerializer<T> extends VersionOneSerializer<CommitBatch<T>> {
    private final ElementCodec<T> codec;

    CommitBatchSerializer(ElementCodec<T> codec) {
        super("commit batch");
        this.codec = codec;
    }

    @Override
    protected void write(CommitBatch<T> batch, DataOutputStream out) throws IOException {
        out.writeInt(batch.states.size());
        for (T s : batch.states) {
            codec.write(s, out);
        }
    }

    @Override
    protected CommitBatch<T> read(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<T> states = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            states.add(codec.read(in));
        }
        return new CommitBatch<>(states);
    }
}

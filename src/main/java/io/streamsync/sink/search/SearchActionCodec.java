package io.streamsync.sink.search;

import io.streamsync.sink.commit.ElementCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A search action in checkpoints: index, id, version, and the source (absent for deletes). The same
 * bytes as the buffered actions of release 0.1.0's search sink, whose savepoints hold them.
 */
public final class SearchActionCodec implements ElementCodec<SearchAction> {
    private static final long serialVersionUID = 1L;

    @Override
    public void write(SearchAction a, DataOutputStream out) throws IOException {
        out.writeUTF(a.index);
        out.writeUTF(a.id);
        out.writeLong(a.version);
        out.writeBoolean(a.sourceJson != null);
        if (a.sourceJson != null) {
            byte[] bytes = a.sourceJson.getBytes(StandardCharsets.UTF_8);
            out.writeInt(bytes.length);
            out.write(bytes);
        }
    }

    @Override
    public SearchAction read(DataInputStream in) throws IOException {
        String index = in.readUTF();
        String id = in.readUTF();
        long version = in.readLong();
        String source = null;
        if (in.readBoolean()) {
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            source = new String(bytes, StandardCharsets.UTF_8);
        }
        return new SearchAction(index, id, source, version);
    }
}

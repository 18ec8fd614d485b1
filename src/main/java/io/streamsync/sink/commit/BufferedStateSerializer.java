package io.streamsync.sink.commit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;

/**
 * The writer state: states received but not yet handed to a commit, in the format of Flink's async
 * sink base (which the sinks of release 0.1.0 were built on), so a 0.1.0 savepoint's unwritten
 * aggregates and documents are adopted by the new writer and committed with its first checkpoint.
 */
final class BufferedStateSerializer<T extends java.io.Serializable>
        extends AsyncSinkWriterStateSerializer<T> {
    private final ElementCodec<T> codec;

    BufferedStateSerializer(ElementCodec<T> codec) {
        this.codec = codec;
    }

    @Override
    protected void serializeRequestToStream(T element, DataOutputStream out) throws IOException {
        codec.write(element, out);
    }

    @Override
    protected T deserializeRequestFromStream(long size, DataInputStream in) throws IOException {
        return codec.read(in);
    }

    @Override
    public int getVersion() {
        return 1;
    }
}

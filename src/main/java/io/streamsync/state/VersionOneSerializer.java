package io.streamsync.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A {@link SimpleVersionedSerializer} of one format version, written field by field with Java's
 * data streams (no Kryo). A later format adds a version here and keeps reading version 1.
 */
public abstract class VersionOneSerializer<T> implements SimpleVersionedSerializer<T> {
    private final String what;

    /** {@code what} names the state in the error for an unknown version ("shard split"). */
    protected VersionOneSerializer(String what) {
        this.what = what;
    }

    protected abstract void write(T value, DataOutputStream out) throws IOException;

    protected abstract T read(DataInputStream in) throws IOException;

    @Override
    public final int getVersion() {
        return 1;
    }

    @Override
    public final byte[] serialize(T value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(value, out);
        }
        return bytes.toByteArray();
    }

    @Override
    public final T deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1) {
            throw new IOException(
                    "unknown " + what + " version " + version + " (this build reads version 1)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            return read(in);
        }
    }
}

package io.streamsync.sink.commit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Writes one element of a committable field by field (no Kryo, no Java serialization). The format
 * of an element is part of checkpoints and savepoints: extend it only behind a new serializer
 * version.
 */
public interface ElementCodec<T> extends java.io.Serializable {
    void write(T element, DataOutputStream out) throws IOException;

    T read(DataInputStream in) throws IOException;
}

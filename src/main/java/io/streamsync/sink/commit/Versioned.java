package io.streamsync.sink.commit;

/**
 * A state published by a {@link CheckpointCommittingSink}: what it overwrites ({@link #commitKey})
 * and how new it is ({@link #commitVersion}). A higher version of a key always describes a later
 * state of it.
 */
public interface Versioned extends java.io.Serializable {
    /** The external record this state overwrites (one row, one document). */
    String commitKey();

    /** Deterministic: derived from the data, never from a clock. */
    long commitVersion();
}

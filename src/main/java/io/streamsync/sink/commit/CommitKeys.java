package io.streamsync.sink.commit;

import java.io.Serializable;

/**
 * How a {@link CheckpointCommittingSink} reads the states it publishes: what a state overwrites
 * ({@link #key}: one row, one document) and how new it is ({@link #version}). A higher version of a
 * key always describes a later state of it. The sink takes this extractor instead of requiring its
 * element type to implement an interface of the sink's, so the types it publishes (the
 * aggregation's output) need not know the sink.
 *
 * @param <T> the published state
 */
public interface CommitKeys<T> extends Serializable {
    /** The external record this state overwrites (one row, one document). */
    String key(T state);

    /** Deterministic: derived from the data, never from a clock. */
    long version(T state);

    /** The extractor made of two functions (method references, such as {@code Foo::id}). */
    static <T> CommitKeys<T> of(Key<T> key, Version<T> version) {
        return new CommitKeys<>() {
            private static final long serialVersionUID = 1L;

            @Override
            public String key(T state) {
                return key.of(state);
            }

            @Override
            public long version(T state) {
                return version.of(state);
            }
        };
    }

    /** A state's key. */
    @FunctionalInterface
    interface Key<T> extends Serializable {
        String of(T state);
    }

    /** A state's version. */
    @FunctionalInterface
    interface Version<T> extends Serializable {
        long of(T state);
    }
}

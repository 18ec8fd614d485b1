package io.streamsync.sink.commit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keeps the state with the highest version per key; a later one of the same version wins. */
final class LatestPerKey<T> {
    private final CommitKeys<T> keys;
    private final Map<String, T> latest = new LinkedHashMap<>();

    LatestPerKey(CommitKeys<T> keys) {
        this.keys = keys;
    }

    void add(T state) {
        latest.merge(
                keys.key(state),
                state,
                (old, now) -> keys.version(now) >= keys.version(old) ? now : old);
    }

    void addAll(Collection<? extends T> states) {
        states.forEach(this::add);
    }

    boolean isEmpty() {
        return latest.isEmpty();
    }

    int size() {
        return latest.size();
    }

    /** The states, in the order their keys first came. */
    List<T> values() {
        return new ArrayList<>(latest.values());
    }

    /** The states, and empties this. */
    List<T> drain() {
        List<T> out = new ArrayList<>(latest.values());
        latest.clear();
        return out;
    }
}

package io.streamsync.aggregate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model of a version-guarded output (the aggregate table's conditional PutItem, the search
 * index's external versions): per key, a write is taken only when its version is above the stored
 * one. Records what a reader of each key sees, in order.
 *
 * @param <S> the state a version stands for
 */
final class GuardedReader<S> {
    private final Map<String, Long> versions = new HashMap<>();
    private final Map<String, List<S>> seen = new HashMap<>();
    private final Map<String, S> current = new HashMap<>();

    /** Offers a write; true when the guard takes it. */
    boolean offer(String key, long version, S state) {
        Long stored = versions.get(key);
        if (stored != null && version <= stored) {
            return false;
        }
        versions.put(key, version);
        current.put(key, state);
        seen.computeIfAbsent(key, k -> new ArrayList<>()).add(state);
        return true;
    }

    /** What a reader of the key saw, in order. */
    List<S> seen(String key) {
        return seen.getOrDefault(key, List.of());
    }

    S current(String key) {
        return current.get(key);
    }
}

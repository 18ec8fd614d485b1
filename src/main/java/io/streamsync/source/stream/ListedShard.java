package io.streamsync.source.stream;

import java.util.List;

/**
 * A shard as a stream lists it (DescribeStream, ListShards): its id, its parents (none, one, or two
 * after a Kinesis merge) and whether it is closed (it has an ending sequence number: no record will
 * be added).
 */
public final class ListedShard {
    public final String id;
    public final List<String> parents;
    public final boolean closed;

    public ListedShard(String id, List<String> parents, boolean closed) {
        this.id = id;
        this.parents = List.copyOf(parents);
        this.closed = closed;
    }

    @Override
    public String toString() {
        return id + (parents.isEmpty() ? "" : " <- " + parents) + (closed ? " (closed)" : "");
    }
}

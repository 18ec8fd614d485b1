package io.streamsync.sink.dynamodb;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.sink.commit.ElementCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * An aggregate in checkpoints: the list id, then its nine numbers. The same bytes as the buffered
 * writes of release 0.1.0's aggregate sink, whose savepoints hold them.
 */
public final class AggregateCodec implements ElementCodec<ListAggregate> {
    private static final long serialVersionUID = 1L;

    @Override
    public void write(ListAggregate a, DataOutputStream out) throws IOException {
        out.writeUTF(a.listId);
        for (long v :
                new long[] {
                    a.taskCount,
                    a.version,
                    a.windowStart,
                    a.windowEnd,
                    a.inserted,
                    a.modified,
                    a.removed,
                    a.expired,
                    a.updatedAt
                }) {
            out.writeLong(v);
        }
    }

    @Override
    public ListAggregate read(DataInputStream in) throws IOException {
        String listId = in.readUTF();
        long[] v = new long[9];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readLong();
        }
        return new ListAggregate(listId, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }
}

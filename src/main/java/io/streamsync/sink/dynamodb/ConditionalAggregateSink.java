package io.streamsync.sink.dynamodb;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.config.JobConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import org.apache.flink.api.connector.sink2.StatefulSink.StatefulSinkWriter;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Writes aggregates to the aggregate table with conditional {@code PutItem}s: a row is only replaced by a
 * row with a higher {@code version} ({@code attribute_not_exists(key) OR version < :v}), so a replay
 * after recovery, or two writes of one list landing out of order, can never move a row back. A failed
 * condition means "already newer" and is counted, not an error. Throttling is retried with backoff (by the
 * SDK, then by re-queueing); anything unexpected fails the job over to its restart strategy. Writes not
 * yet acknowledged are part of the checkpoint. Flink's {@code DynamoDbSink} cannot do this: it uses
 * BatchWriteItem, which has no conditions.
 */
public class ConditionalAggregateSink extends AsyncSinkBase<ListAggregate, ListAggregate> {
    private static final long serialVersionUID = 1L;

    private final JobConfig config;

    public ConditionalAggregateSink(JobConfig config) {
        super((ElementConverter<ListAggregate, ListAggregate>) (a, ctx) -> a, config.dynamoMaxBatchSize,
                config.dynamoMaxInFlight, Math.max(1000, config.dynamoMaxBatchSize * 40), 16L * 1024 * 1024,
                config.dynamoMaxBufferTime.toMillis(), 400L * 1024);
        this.config = config;
    }

    @Override
    @SuppressWarnings("deprecation")
    public StatefulSinkWriter<ListAggregate, BufferedRequestState<ListAggregate>> createWriter(InitContext context) {
        return restoreWriter(context, Collections.emptyList());
    }

    @Override
    @SuppressWarnings("deprecation")
    public StatefulSinkWriter<ListAggregate, BufferedRequestState<ListAggregate>> restoreWriter(InitContext context,
            Collection<BufferedRequestState<ListAggregate>> recoveredState) {
        return new ConditionalAggregateWriter(getElementConverter(), context, getMaxBatchSize(), getMaxInFlightRequests(),
                getMaxBufferedRequests(), getMaxBatchSizeInBytes(), getMaxTimeInBufferMS(), getMaxRecordSizeInBytes(),
                recoveredState, config);
    }

    @Override
    public SimpleVersionedSerializer<BufferedRequestState<ListAggregate>> getWriterStateSerializer() {
        return new AggregateSerializer();
    }

    /** Buffered aggregates in checkpoints, field by field. */
    static final class AggregateSerializer extends AsyncSinkWriterStateSerializer<ListAggregate> {
        @Override
        protected void serializeRequestToStream(ListAggregate a, DataOutputStream out) throws IOException {
            out.writeUTF(a.listId);
            for (long v : new long[] {a.taskCount, a.version, a.windowStart, a.windowEnd, a.inserted, a.modified,
                a.removed, a.expired, a.updatedAt}) {
                out.writeLong(v);
            }
        }

        @Override
        protected ListAggregate deserializeRequestFromStream(long size, DataInputStream in) throws IOException {
            String listId = in.readUTF();
            long[] v = new long[9];
            for (int i = 0; i < v.length; i++) {
                v[i] = in.readLong();
            }
            return new ListAggregate(listId, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
        }

        @Override
        public int getVersion() {
            return 1;
        }
    }
}

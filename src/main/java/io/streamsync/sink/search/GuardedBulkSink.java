package io.streamsync.sink.search;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.api.connector.sink2.StatefulSink.StatefulSinkWriter;

/**
 * Writes {@link SearchAction}s to Elasticsearch or OpenSearch through the {@code _bulk} API with
 * {@code version_type=external}: a document only changes when the write carries a higher version than
 * the one stored, so a replay after recovery can never move a document back. A version conflict (409)
 * means "already newer" and is counted, not an error; a document the cluster refuses for good (another
 * 4xx, e.g. a mapping conflict) goes to the {@link io.streamsync.sink.rejections.RejectionLog}; 429 and
 * 5xx answers are retried; an unreachable cluster fails the job over to its restart strategy. Writes not
 * yet acknowledged are part of the checkpoint (Flink's async sink base).
 *
 * <p>The JSON of each document is sent as it is (the high-level client would re-encode it and round
 * decimals to doubles).
 */
public class GuardedBulkSink extends AsyncSinkBase<SearchAction, SearchAction> {
    private static final long serialVersionUID = 1L;

    private final SearchClientSettings settings;
    private final String deadLetterPath;

    public GuardedBulkSink(SearchClientSettings settings, String deadLetterPath, int maxBatchSize, int maxInFlight,
            long maxTimeInBufferMs) {
        super((ElementConverter<SearchAction, SearchAction>) (a, ctx) -> a, maxBatchSize, maxInFlight,
                Math.max(10_000, maxBatchSize * 10), 50L * 1024 * 1024, maxTimeInBufferMs, 20L * 1024 * 1024);
        this.settings = settings;
        this.deadLetterPath = deadLetterPath;
    }

    @Override
    @SuppressWarnings("deprecation")
    public StatefulSinkWriter<SearchAction, BufferedRequestState<SearchAction>> createWriter(InitContext context) {
        return restoreWriter(context, Collections.emptyList());
    }

    @Override
    @SuppressWarnings("deprecation")
    public StatefulSinkWriter<SearchAction, BufferedRequestState<SearchAction>> restoreWriter(InitContext context,
            Collection<BufferedRequestState<SearchAction>> recoveredState) {
        return new GuardedBulkWriter(getElementConverter(), context, getMaxBatchSize(), getMaxInFlightRequests(),
                getMaxBufferedRequests(), getMaxBatchSizeInBytes(), getMaxTimeInBufferMS(), getMaxRecordSizeInBytes(),
                recoveredState, settings, deadLetterPath);
    }

    @Override
    public SimpleVersionedSerializer<BufferedRequestState<SearchAction>> getWriterStateSerializer() {
        return new ActionSerializer();
    }

    /** Serializes buffered actions in checkpoints: index, id, version, and the source (absent for deletes). */
    static final class ActionSerializer extends AsyncSinkWriterStateSerializer<SearchAction> {
        @Override
        protected void serializeRequestToStream(SearchAction a, DataOutputStream out) throws IOException {
            out.writeUTF(a.index);
            out.writeUTF(a.id);
            out.writeLong(a.version);
            out.writeBoolean(a.sourceJson != null);
            if (a.sourceJson != null) {
                byte[] bytes = a.sourceJson.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.writeInt(bytes.length);
                out.write(bytes);
            }
        }

        @Override
        protected SearchAction deserializeRequestFromStream(long size, DataInputStream in) throws IOException {
            String index = in.readUTF();
            String id = in.readUTF();
            long version = in.readLong();
            String source = null;
            if (in.readBoolean()) {
                byte[] bytes = new byte[in.readInt()];
                in.readFully(bytes);
                source = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
            }
            return new SearchAction(index, id, source, version);
        }

        @Override
        public int getVersion() {
            return 1;
        }
    }

}

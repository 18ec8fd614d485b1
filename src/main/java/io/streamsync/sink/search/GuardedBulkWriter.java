package io.streamsync.sink.search;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.pipeline.OperatorIds;
import io.streamsync.sink.rejections.RejectionLog;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The writer of {@link GuardedBulkSink}: one {@code _bulk} request per batch, item results sorted out one by one. */
class GuardedBulkWriter extends AsyncSinkWriter<SearchAction, SearchAction> {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedBulkWriter.class);
    private static final int MAX_REJECTED_SOURCE_CHARS = 16_384;

    private final SearchTransport transport;
    private final RejectionLog rejections;
    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonFactory json = new JsonFactory();
    private final Counter conflicts;
    private final Counter rejected;
    private final Counter retried;

    @SuppressWarnings("deprecation")
    GuardedBulkWriter(ElementConverter<SearchAction, SearchAction> converter, org.apache.flink.api.connector.sink2.Sink.InitContext context,
            int maxBatchSize, int maxInFlight, int maxBuffered, long maxBatchBytes, long maxTimeInBufferMs,
            long maxRecordBytes, Collection<BufferedRequestState<SearchAction>> state, SearchClientSettings settings,
            String deadLetterPath) {
        super(converter, context, AsyncSinkWriterConfiguration.builder().setMaxBatchSize(maxBatchSize)
                .setMaxBatchSizeInBytes(maxBatchBytes).setMaxInFlightRequests(maxInFlight).setMaxBufferedRequests(maxBuffered)
                .setMaxTimeInBufferMS(maxTimeInBufferMs).setMaxRecordSizeInBytes(maxRecordBytes).build(), state);
        this.transport = settings.newTransport();
        this.rejections = new RejectionLog(deadLetterPath, OperatorIds.SEARCH_SINK.uid(), context.getSubtaskId());
        this.conflicts = context.metricGroup().counter("searchVersionConflicts");
        this.rejected = context.metricGroup().counter("searchDocumentsRejected");
        this.retried = context.metricGroup().counter("searchWritesRetried");
    }

    @Override
    protected void submitRequestEntries(List<SearchAction> actions, ResultHandler<SearchAction> result) {
        transport.send("POST", "/_bulk", bulkBody(actions), SearchTransport.NDJSON).whenComplete((answer, failure) -> {
            try {
                if (failure != null) {
                    // unreachable cluster: fail over, nothing is dropped
                    result.completeExceptionally(failure instanceof Exception ? (Exception) failure : new IOException(failure));
                } else if (answer.ok()) {
                    handle(actions, mapper.readTree(answer.body), result);
                } else if (retryable(answer.status)) {
                    retried.inc(actions.size());
                    result.retryForEntries(actions);
                } else {
                    // authentication, authorization, a malformed request: fail over, nothing is dropped
                    result.completeExceptionally(new IOException("bulk request refused: " + answer));
                }
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
    }

    String bulkBody(List<SearchAction> actions) {
        StringBuilder body = new StringBuilder(actions.size() * 256);
        for (SearchAction a : actions) {
            StringWriter line = new StringWriter(128);
            try (JsonGenerator g = json.createGenerator(line)) {
                g.writeStartObject();
                g.writeObjectFieldStart(a.isDelete() ? "delete" : "index");
                g.writeStringField("_index", a.index);
                g.writeStringField("_id", a.id);
                g.writeNumberField("version", a.version);
                g.writeStringField("version_type", "external");
                g.writeEndObject();
                g.writeEndObject();
            } catch (IOException e) {
                throw new IllegalStateException(e); // a StringWriter does not fail
            }
            body.append(line).append('\n');
            if (!a.isDelete()) {
                body.append(a.sourceJson).append('\n');
            }
        }
        return body.toString();
    }

    private void handle(List<SearchAction> actions, JsonNode response, ResultHandler<SearchAction> result) throws IOException {
        if (!response.path("errors").asBoolean(false)) {
            result.complete();
            return;
        }
        JsonNode items = response.path("items");
        List<SearchAction> retry = new ArrayList<>();
        for (int i = 0; i < actions.size(); i++) {
            JsonNode item = items.get(i).elements().next();
            int status = item.path("status").asInt();
            if (status < 300 || status == 404) {
                continue; // done; a delete of a missing document still records its version
            }
            if (status == 409) {
                conflicts.inc(); // the stored document is already at this version or newer
            } else if (retryable(status)) {
                retry.add(actions.get(i));
            } else {
                reject(actions.get(i), status, item.path("error"));
            }
        }
        if (retry.isEmpty()) {
            result.complete();
        } else {
            retried.inc(retry.size());
            result.retryForEntries(retry);
        }
    }

    private void reject(SearchAction a, int status, JsonNode error) throws IOException {
        rejected.inc();
        ObjectNode line = mapper.createObjectNode();
        line.put("time", Instant.now().toString());
        line.put("stage", OperatorIds.SEARCH_SINK.uid());
        line.put("reason", status + " " + error.path("type").asText() + ": " + error.path("reason").asText());
        line.put("index", a.index);
        line.put("id", a.id);
        line.put("version", a.version);
        String source = a.sourceJson;
        line.put("truncated", source != null && source.length() > MAX_REJECTED_SOURCE_CHARS);
        line.put("document", source == null || source.length() <= MAX_REJECTED_SOURCE_CHARS
                ? source : source.substring(0, MAX_REJECTED_SOURCE_CHARS));
        LOG.warn("search index rejected {}/{} v{}: {}", a.index, a.id, a.version, line.get("reason").asText());
        rejections.write(line.toString());
    }

    private static boolean retryable(int status) {
        return status == 429 || status >= 500;
    }

    @Override
    protected long getSizeInBytes(SearchAction a) {
        return 64 + a.index.length() + a.id.length() + (a.sourceJson == null ? 0 : a.sourceJson.length());
    }

    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        super.flush(endOfInput);
        try {
            rejections.flush();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write rejected documents: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        super.close();
        try {
            rejections.close();
            transport.close();
        } catch (IOException e) {
            LOG.warn("closing the search client: {}", e.getMessage());
        }
    }
}

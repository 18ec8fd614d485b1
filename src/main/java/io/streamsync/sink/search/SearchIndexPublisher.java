package io.streamsync.sink.search;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.config.JobConfig;
import io.streamsync.sink.commit.Backoff;
import io.streamsync.sink.commit.CheckpointCommittingSink;
import io.streamsync.sink.commit.CommitKeys;
import io.streamsync.sink.commit.Publisher;
import io.streamsync.sink.rejections.RejectionLog;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@link SearchAction}s to Elasticsearch or OpenSearch through {@code _bulk} with {@code
 * version_type=external}: a document only changes when the write carries a higher version than the
 * one stored, so publishing a batch again never moves a document back.
 *
 * <p>Each bulk request targets one index, named in its path ({@code POST /<index>/_bulk}); its
 * lines name no {@code _index}. So an IAM policy or a security role can grant {@code _bulk} on the
 * job's indices alone, and the cluster can refuse explicit indices in bulk bodies ({@code
 * rest.action.multi.allow_explicit_index=false}).
 *
 * <p>Per action: 2xx is done; 409 (version conflict) means "already this version or newer" and is
 * counted; 404 is done only for a delete whose document is already gone ({@code result:
 * not_found}), any other 404 (an index that does not exist, an alias without a write index) is a
 * rejection; 429 and 5xx are retried; any other status is a rejection: the document goes to the
 * {@link RejectionLog} with the reason. Per request: no answer, 429 and 5xx are retried with
 * backoff until {@code sink.commit.retry.timeout.ms}; 413 splits the request in two; any other
 * refusal (authentication, authorization) fails the job over.
 *
 * <p>The aggregate documents' window fields (the list's latest final window) are guarded on their
 * own, as the aggregate table's are: before writing a batch's aggregate documents, the publisher
 * reads the stored ones ({@code _mget}, real time) and a document whose stored version is older but
 * whose stored window is a later one keeps the stored window fields (metric {@code
 * searchWindowFieldsKept}); the external version still decides whether the write is taken. So a
 * replay after a rollback, which can reach a newer state before the window the first run had made
 * final, never moves the window fields back (see {@link SearchDocuments#keepingLaterWindow}).
 *
 * <p>Requests hold at most {@code sink.search.bulk.max.actions} actions and {@code
 * sink.search.bulk.max.bytes} bytes; a single action larger than that is a rejection. The JSON of
 * each document is sent as it is (a high-level client would re-encode it and round decimals to
 * doubles).
 */
public final class SearchIndexPublisher implements Publisher<SearchAction> {
    private static final Logger LOG = LoggerFactory.getLogger(SearchIndexPublisher.class);
    private static final int MAX_REJECTED_SOURCE_CHARS = 16_384;

    private final SearchTransport transport;
    private final RejectionLog rejections;
    private final int maxActions;
    private final long maxBytes;
    private final int maxInFlight;
    private final Duration retryTimeout;
    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonFactory json = new JsonFactory();
    private final Counter written;
    private final Counter conflicts;
    private final Counter rejected;
    private final Counter retried;
    private final Counter splits;
    private final Counter windowKept;

    /** The aggregate index, whose documents' window fields are guarded; null: none. */
    private final String windowGuardedIndex;

    SearchIndexPublisher(
            SearchTransport transport,
            RejectionLog rejections,
            int maxActions,
            long maxBytes,
            int maxInFlight,
            Duration retryTimeout,
            MetricGroup metrics) {
        this(transport, rejections, maxActions, maxBytes, maxInFlight, retryTimeout, metrics, null);
    }

    SearchIndexPublisher(
            SearchTransport transport,
            RejectionLog rejections,
            int maxActions,
            long maxBytes,
            int maxInFlight,
            Duration retryTimeout,
            MetricGroup metrics,
            String windowGuardedIndex) {
        this.windowGuardedIndex = windowGuardedIndex;
        this.windowKept = metrics.counter("searchWindowFieldsKept");
        this.transport = transport;
        this.rejections = rejections;
        this.maxActions = maxActions;
        this.maxBytes = maxBytes;
        this.maxInFlight = maxInFlight;
        this.retryTimeout = retryTimeout;
        this.written = metrics.counter("searchDocumentsWritten");
        this.conflicts = metrics.counter("searchVersionConflicts");
        this.rejected = metrics.counter("searchDocumentsRejected");
        this.retried = metrics.counter("searchWritesRetried");
        this.splits = metrics.counter("searchBulkRequestsSplit");
    }

    /**
     * The job's search sink: aggregate and item documents. {@code stage} names the sink in its
     * rejection log (the pipeline gives its operator uid).
     */
    public static CheckpointCommittingSink<SearchAction> sink(
            JobConfig config, String stage, String statusStage, String statusName) {
        SearchClientSettings settings = SearchClientSettings.from(config);
        String deadLetters = config.deadLetterPath;
        int maxActions = config.bulkMaxActions;
        long maxBytes = config.bulkMaxBytes;
        int inFlight = config.searchMaxInFlight;
        Duration timeout = config.commitRetryTimeout;
        String aggregateIndex = config.aggregateIndex;
        return new CheckpointCommittingSink<>(
                new SearchActionCodec(),
                CommitKeys.of(SearchAction::commitKey, SearchAction::commitVersion),
                (metrics, subtask) ->
                        new SearchIndexPublisher(
                                settings.newTransport(),
                                new RejectionLog(deadLetters, stage, subtask),
                                maxActions,
                                maxBytes,
                                inFlight,
                                timeout,
                                metrics,
                                aggregateIndex),
                !config.caughtUpStatus // evaluated here: the factory captures no config
                        ? null
                        : metrics ->
                                new SearchIndexStatus(
                                        new SearchIndexPublisher(
                                                settings.newTransport(),
                                                new RejectionLog(deadLetters, statusStage, 0),
                                                1,
                                                maxBytes,
                                                1,
                                                timeout,
                                                metrics),
                                        aggregateIndex),
                statusStage,
                statusName);
    }

    /** One bulk request to one index: its actions and their NDJSON lines. */
    static final class Request {
        final String index;
        final List<SearchAction> actions = new ArrayList<>();
        final List<String> lines = new ArrayList<>();
        long bytes;

        Request(String index) {
            this.index = index;
        }

        /** {@code /<index>/_bulk}, the index name escaped as a path segment. */
        String path() {
            return "/" + pathSegment(index) + "/_bulk";
        }

        String body() {
            StringBuilder sb = new StringBuilder((int) Math.min(Integer.MAX_VALUE - 8, bytes));
            lines.forEach(sb::append);
            return sb.toString();
        }
    }

    @Override
    public void publish(List<SearchAction> actions) throws IOException, InterruptedException {
        Backoff backoff = new Backoff(retryTimeout);
        List<Request> todo = pack(keepingLaterWindows(actions, backoff));
        while (!todo.isEmpty()) {
            Semaphore permits = new Semaphore(maxInFlight);
            List<CompletableFuture<SearchResponse>> answers = new ArrayList<>(todo.size());
            for (Request r : todo) {
                permits.acquire();
                CompletableFuture<SearchResponse> answer =
                        transport.send("POST", r.path(), r.body(), SearchTransport.NDJSON);
                answer.whenComplete((a, e) -> permits.release());
                answers.add(answer);
            }
            List<SearchAction> retry = new ArrayList<>();
            List<Request> next = new ArrayList<>();
            String lastProblem = null;
            long settledBefore = settled();
            for (int i = 0; i < todo.size(); i++) {
                Request r = todo.get(i);
                SearchResponse answer;
                try {
                    answer = answers.get(i).join();
                } catch (RuntimeException noAnswer) {
                    retry.addAll(r.actions); // unreachable: try again until the timeout, nothing is
                    // dropped
                    lastProblem =
                            String.valueOf(
                                    noAnswer.getCause() != null ? noAnswer.getCause() : noAnswer);
                    continue;
                }
                if (answer.ok()) {
                    lastProblem =
                            handleItems(
                                    r.actions, mapper.readTree(answer.body), retry, lastProblem);
                } else if (answer.status == 413) {
                    if (r.actions.size() == 1) {
                        reject(
                                r.actions.get(0),
                                "413 the cluster refused a request of "
                                        + r.bytes
                                        + " bytes holding only"
                                        + " this document (Request Entity Too Large)");
                    } else {
                        splits.inc();
                        next.addAll(halves(r)); // no pause: the halves are smaller, not the same
                        // request again
                    }
                } else if (retryable(answer.status)) {
                    retry.addAll(r.actions);
                    lastProblem = "bulk request answered " + answer.status;
                } else {
                    // authentication, authorization, a malformed request: fail over, nothing is
                    // dropped
                    throw new IOException("bulk request refused: " + answer);
                }
            }
            rejections.flush();
            if (settled() > settledBefore) {
                backoff.progressed(); // the failing period, which the timeout bounds, starts again
            }
            if (!retry.isEmpty()) {
                retried.inc(retry.size());
                LOG.warn("{} search actions failed and are retried: {}", retry.size(), lastProblem);
                backoff.pause(retry.size() + " search actions still failing, last: " + lastProblem);
                next.addAll(pack(retry));
            }
            todo = next;
        }
    }

    /**
     * The actions, with the aggregate documents that would move their window fields back given the
     * stored window fields (see the class comment). Reads the stored documents in real time; no
     * answer, 429 and 5xx are retried like the bulk requests.
     */
    List<SearchAction> keepingLaterWindows(List<SearchAction> actions, Backoff backoff)
            throws IOException, InterruptedException {
        if (windowGuardedIndex == null) {
            return actions;
        }
        List<String> ids = new ArrayList<>();
        for (SearchAction a : actions) {
            if (!a.isDelete() && windowGuardedIndex.equals(a.index)) {
                ids.add(a.id);
            }
        }
        if (ids.isEmpty()) {
            return actions;
        }
        java.util.Map<String, JsonNode> stored = new java.util.HashMap<>();
        for (int from = 0; from < ids.size(); from += maxActions) {
            stored.putAll(
                    storedDocuments(
                            ids.subList(from, Math.min(ids.size(), from + maxActions)), backoff));
        }
        List<SearchAction> out = new ArrayList<>(actions.size());
        int keptHere = 0;
        for (SearchAction a : actions) {
            JsonNode s =
                    !a.isDelete() && windowGuardedIndex.equals(a.index) ? stored.get(a.id) : null;
            String kept =
                    s == null || s.path("_version").asLong(Long.MAX_VALUE) >= a.version
                            ? null // none stored, or the write is refused anyway
                            : SearchDocuments.keepingLaterWindow(a.sourceJson, s.path("_source"));
            if (kept == null) {
                out.add(a);
            } else {
                windowKept.inc();
                keptHere++;
                out.add(new SearchAction(a.index, a.id, kept, a.version));
            }
        }
        if (keptHere > 0) {
            LOG.info(
                    "{} of {} aggregate documents keep their stored, later window fields (a newer"
                            + " state with an earlier final window, or none: a replay after a"
                            + " rollback, a list back after its clean-up)",
                    keptHere,
                    ids.size());
        }
        return out;
    }

    /** The stored aggregate documents among {@code ids}, by id: their version and window fields. */
    private java.util.Map<String, JsonNode> storedDocuments(List<String> ids, Backoff backoff)
            throws IOException, InterruptedException {
        StringWriter body = new StringWriter(64 + ids.size() * 32);
        try (JsonGenerator g = json.createGenerator(body)) {
            g.writeStartObject();
            g.writeArrayFieldStart("ids");
            for (String id : ids) {
                g.writeString(id);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        String path =
                "/"
                        + pathSegment(windowGuardedIndex)
                        + "/_mget?realtime=true&_source_includes="
                        + String.join(",", SearchDocuments.WINDOW_FIELDS);
        while (true) {
            String problem;
            try {
                SearchResponse answer =
                        transport.send("POST", path, body.toString(), SearchTransport.JSON).join();
                if (answer.ok()) {
                    java.util.Map<String, JsonNode> found = new java.util.HashMap<>();
                    for (JsonNode doc : mapper.readTree(answer.body).path("docs")) {
                        if (doc.path("found").asBoolean(false)) {
                            found.put(doc.path("_id").asText(), doc);
                        }
                    }
                    return found;
                }
                if (answer.status == 404) {
                    return java.util.Map.of(); // no index: the bulk request answers for it
                }
                if (!retryable(answer.status)) {
                    throw new IOException(
                            "reading the stored aggregate documents was refused: " + answer);
                }
                problem = "_mget answered " + answer.status;
            } catch (java.util.concurrent.CompletionException noAnswer) {
                problem =
                        String.valueOf(
                                noAnswer.getCause() != null ? noAnswer.getCause() : noAnswer);
            }
            LOG.warn(
                    "reading {} stored aggregate documents failed, retried: {}",
                    ids.size(),
                    problem);
            backoff.pause("reading the stored aggregate documents, last: " + problem);
        }
    }

    /** Actions settled so far: written, found already newer, or rejected. */
    private long settled() {
        return written.getCount() + conflicts.getCount() + rejected.getCount();
    }

    private String handleItems(
            List<SearchAction> actions,
            JsonNode response,
            List<SearchAction> retry,
            String lastProblem)
            throws IOException {
        JsonNode items = response.path("items");
        if (items.size() != actions.size()) {
            throw new IOException(
                    "bulk response has "
                            + items.size()
                            + " items for "
                            + actions.size()
                            + " actions");
        }
        for (int i = 0; i < actions.size(); i++) {
            SearchAction a = actions.get(i);
            JsonNode item = items.get(i).elements().next();
            int status = item.path("status").asInt();
            if (status < 300
                    || status == 404
                            && a.isDelete()
                            && "not_found".equals(item.path("result").asText())) {
                written.inc(); // a delete of a missing document still records its version
            } else if (status == 409) {
                conflicts.inc(); // the stored document is already at this version or newer
            } else if (retryable(status)) {
                retry.add(a);
                lastProblem = status + " " + item.path("error").path("type").asText();
            } else {
                JsonNode error = item.path("error");
                reject(
                        a,
                        status
                                + " "
                                + error.path("type").asText()
                                + ": "
                                + error.path("reason").asText());
            }
        }
        return lastProblem;
    }

    /**
     * Packs actions into requests, one index per request, within the action and byte limits; an
     * action over the byte limit alone is rejected.
     */
    List<Request> pack(List<SearchAction> actions) throws IOException {
        List<Request> requests = new ArrayList<>();
        java.util.Map<String, Request> open = new java.util.LinkedHashMap<>();
        for (SearchAction a : actions) {
            String lines = lines(a);
            long size = lines.getBytes(StandardCharsets.UTF_8).length;
            if (size > maxBytes) {
                reject(
                        a,
                        "413 the document's bulk lines are "
                                + size
                                + " bytes, over sink.search.bulk.max.bytes ("
                                + maxBytes
                                + "): no request can carry it");
                continue;
            }
            Request current = open.computeIfAbsent(a.index, Request::new);
            if (!current.actions.isEmpty()
                    && (current.actions.size() >= maxActions || current.bytes + size > maxBytes)) {
                requests.add(current);
                current = new Request(a.index);
                open.put(a.index, current);
            }
            current.actions.add(a);
            current.lines.add(lines);
            current.bytes += size;
        }
        for (Request r : open.values()) {
            if (!r.actions.isEmpty()) {
                requests.add(r);
            }
        }
        rejections.flush();
        return requests;
    }

    private static List<Request> halves(Request r) {
        int mid = r.actions.size() / 2;
        List<Request> out = new ArrayList<>(2);
        for (int[] range : new int[][] {{0, mid}, {mid, r.actions.size()}}) {
            Request half = new Request(r.index);
            for (int i = range[0]; i < range[1]; i++) {
                half.actions.add(r.actions.get(i));
                half.lines.add(r.lines.get(i));
                half.bytes += r.lines.get(i).getBytes(StandardCharsets.UTF_8).length;
            }
            out.add(half);
        }
        return out;
    }

    /**
     * The action's NDJSON lines: the action line (no {@code _index}: the request's path names it),
     * and for an index its source.
     */
    String lines(SearchAction a) {
        StringWriter line = new StringWriter(128);
        try (JsonGenerator g = json.createGenerator(line)) {
            g.writeStartObject();
            g.writeObjectFieldStart(a.isDelete() ? "delete" : "index");
            g.writeStringField("_id", a.id);
            g.writeNumberField("version", a.version);
            g.writeStringField("version_type", "external");
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e); // a StringWriter does not fail
        }
        return a.isDelete() ? line + "\n" : line + "\n" + a.sourceJson + "\n";
    }

    private void reject(SearchAction a, String reason) throws IOException {
        rejected.inc();
        ObjectNode line = mapper.createObjectNode();
        line.put("time", Instant.now().toString());
        line.put("stage", rejections.sinkName());
        line.put("reason", reason);
        line.put("index", a.index);
        line.put("id", a.id);
        line.put("version", a.version);
        String source = a.sourceJson;
        line.put("truncated", source != null && source.length() > MAX_REJECTED_SOURCE_CHARS);
        line.put(
                "document",
                source == null || source.length() <= MAX_REJECTED_SOURCE_CHARS
                        ? source
                        : source.substring(0, MAX_REJECTED_SOURCE_CHARS));
        // the engine's reason can quote field values (personal data): the log gets the status and
        // error type only,
        // the rejection line (under deadletter.path) the whole reason
        LOG.warn(
                "search index rejected a document of {} v{} ({} characters of id): {}",
                a.index,
                a.version,
                a.id.length(),
                loggableReason(reason));
        rejections.write(line.toString());
    }

    /**
     * The status and error type of a rejection ("400 mapper_parsing_exception"), never the engine's
     * text.
     */
    static String loggableReason(String reason) {
        int colon = reason.indexOf(':');
        String head = colon < 0 ? reason : reason.substring(0, colon);
        return head.length() > 80 ? head.substring(0, 80) : head;
    }

    /**
     * An index name as one path segment: unreserved characters as they are, anything else
     * percent-encoded (UTF-8).
     */
    static String pathSegment(String index) {
        StringBuilder sb = new StringBuilder(index.length());
        for (byte b : index.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if (c >= 'a' && c <= 'z'
                    || c >= 'A' && c <= 'Z'
                    || c >= '0' && c <= '9'
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                sb.append(c);
            } else {
                sb.append('%')
                        .append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
            }
        }
        return sb.toString();
    }

    private static boolean retryable(int status) {
        return status == 429 || status >= 500;
    }

    @Override
    public void close() throws IOException {
        try {
            rejections.close();
        } finally {
            transport.close();
        }
    }
}

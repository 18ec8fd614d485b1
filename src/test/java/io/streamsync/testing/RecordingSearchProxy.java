package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An HTTP proxy in front of a search node that records every document write the node accepted: for
 * each {@code _bulk} action answered 2xx (or a delete answered 404 {@code not_found}, which still
 * records the version), its index, id, version and source, in the order the answers came.
 */
public final class RecordingSearchProxy extends ForwardingProxy {
    private static final ObjectMapper MAPPER =
            io.streamsync.change.ChangeRecordParser
                    .newMapper(); // numbers exact, as SearchHttp reads them

    /** One accepted write. {@code source} is null for a delete. */
    public static final class Write {
        public final String index;
        public final String id;
        public final long version;
        public final JsonNode source;

        Write(String index, String id, long version, JsonNode source) {
            this.index = index;
            this.id = id;
            this.version = version;
            this.source = source;
        }
    }

    private final List<Write> accepted = Collections.synchronizedList(new ArrayList<>());

    public RecordingSearchProxy(URI target) throws IOException {
        super(target, 8);
    }

    public List<Write> accepted() {
        synchronized (accepted) {
            return new ArrayList<>(accepted);
        }
    }

    @Override
    protected void observe(HttpExchange ex, byte[] body, HttpResponse<byte[]> answer)
            throws IOException {
        if (ex.getRequestURI().getPath().endsWith("/_bulk") && answer.statusCode() == 200) {
            String path =
                    ex.getRequestURI().getPath(); // /<index>/_bulk: each request targets one index
            String index =
                    path.equals("/_bulk")
                            ? null
                            : path.substring(1, path.length() - "/_bulk".length());
            record(index, new String(body, StandardCharsets.UTF_8), MAPPER.readTree(answer.body()));
        }
    }

    private void record(String pathIndex, String body, JsonNode response) throws IOException {
        String[] lines = body.split("\n");
        JsonNode items = response.path("items");
        int item = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode action = MAPPER.readTree(lines[i]);
            boolean delete = action.has("delete");
            JsonNode meta = delete ? action.get("delete") : action.get("index");
            JsonNode source = delete ? null : MAPPER.readTree(lines[++i]);
            JsonNode result = items.get(item++).elements().next();
            int status = result.path("status").asInt();
            if (status < 300
                    || delete
                            && status == 404
                            && "not_found".equals(result.path("result").asText())) {
                accepted.add(
                        new Write(
                                meta.has("_index") ? meta.get("_index").asText() : pathIndex,
                                meta.get("_id").asText(),
                                meta.get("version").asLong(),
                                source));
            }
        }
    }
}

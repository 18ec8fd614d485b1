package io.streamsync.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.sink.search.SearchClientSettings;
import io.streamsync.sink.search.SearchResponse;
import io.streamsync.sink.search.SearchTransport;
import io.streamsync.source.repair.ListDocuments;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The repair source's view of the item index: a list's documents (by a scroll over a match on the
 * list's attribute, kept when the attribute is exactly the list id as the job renders it) with
 * their versions. A search sees the index as of its last refresh (1 s by default): a document
 * indexed since may be missed, which a repair only leaves for the next one (it deletes no document
 * it did not see, and a version it did not see can only make a write of its be refused).
 */
final class SearchListDocuments implements ListDocuments {
    private static final long serialVersionUID = 1L;
    private static final String SCROLL = "1m";

    private final SearchClientSettings client;
    private final String index;
    private final String listField;

    SearchListDocuments(SearchClientSettings client, String index, String listField) {
        this.client = client;
        this.index = index;
        this.listField = listField;
    }

    @Override
    public Reader open() {
        SearchTransport t = client.newTransport();
        ObjectMapper mapper = new ObjectMapper();
        return new Reader() {
            @Override
            public Map<String, Long> versions(String listId) throws IOException {
                Map<String, Long> found = new HashMap<>();
                ObjectNode body = mapper.createObjectNode();
                body.put("size", 1000);
                body.put("version", true);
                body.putArray("_source").add(listField);
                ObjectNode match = body.putObject("query").putObject("match").putObject(listField);
                match.put("query", listId);
                match.put("operator", "and");
                SearchResponse r =
                        t.call(
                                "POST",
                                "/"
                                        + URLEncoder.encode(index, StandardCharsets.UTF_8)
                                        + "/_search?scroll="
                                        + SCROLL,
                                body.toString());
                if (r.status == 404) {
                    return found; // no index yet: no documents
                }
                String scrollId = null;
                try {
                    while (true) {
                        if (!r.ok()) {
                            throw new IOException("reading index '" + index + "': " + r);
                        }
                        JsonNode answer = mapper.readTree(r.body);
                        scrollId = answer.path("_scroll_id").asText(null);
                        JsonNode hits = answer.path("hits").path("hits");
                        if (hits.size() == 0) {
                            return found;
                        }
                        for (JsonNode hit : hits) {
                            if (listId.equals(keyText(hit.path("_source").path(listField)))) {
                                found.put(hit.path("_id").asText(), hit.path("_version").asLong());
                            }
                        }
                        ObjectNode next = mapper.createObjectNode();
                        next.put("scroll", SCROLL);
                        next.put("scroll_id", scrollId);
                        r = t.call("POST", "/_search/scroll", next.toString());
                    }
                } finally {
                    if (scrollId != null) {
                        ObjectNode clear = mapper.createObjectNode();
                        clear.putArray("scroll_id").add(scrollId);
                        t.call("DELETE", "/_search/scroll", clear.toString());
                    }
                }
            }

            @Override
            public void close() throws IOException {
                t.close();
            }
        };
    }

    /** A key attribute in a document, as the job renders it into a list id. */
    private static String keyText(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            BigDecimal d = n.decimalValue().stripTrailingZeros();
            return d.signum() == 0 ? "0" : d.toPlainString();
        }
        return n.asText();
    }
}

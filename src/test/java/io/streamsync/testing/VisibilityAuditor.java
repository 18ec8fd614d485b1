package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A reader that polls the three outputs every 50 ms while faults happen and keeps what it saw: each
 * list's row of the aggregate table and aggregate document (version, count), and each item document
 * (version, source). {@link #problems} then holds every observation that is not the state the
 * source stream had at that version ({@link StreamHistory}), and every time an output showed an
 * older version than it had shown.
 */
public final class VisibilityAuditor implements AutoCloseable {
    /** One observation: what an output showed for a key at a version. */
    public static final class Seen {
        public final String output;
        public final String key;
        public final long version;
        public final long count;
        public final JsonNode source;

        Seen(String output, String key, long version, long count, JsonNode source) {
            this.output = output;
            this.key = key;
            this.version = version;
            this.count = count;
            this.source = source;
        }
    }

    private final Thread thread;
    private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running = true;

    public VisibilityAuditor(
            DynamoDbClient ddb,
            String aggregateTable,
            SearchHttp search,
            String aggregateIndex,
            String itemIndex) {
        thread =
                new Thread(
                        () -> {
                            while (running) {
                                try {
                                    for (Map<String, AttributeValue> row :
                                            TodoTables.scan(ddb, aggregateTable)) {
                                        seen.add(
                                                new Seen(
                                                        "table",
                                                        row.get("listId").s(),
                                                        Long.parseLong(row.get("version").n()),
                                                        Long.parseLong(row.get("taskCount").n()),
                                                        null));
                                    }
                                } catch (RuntimeException e) {
                                    // moto busy: try again
                                }
                                try {
                                    poll(
                                            search,
                                            aggregateIndex,
                                            (id, hit) ->
                                                    seen.add(
                                                            new Seen(
                                                                    "aggregate document",
                                                                    id,
                                                                    hit.path("_source")
                                                                            .path("version")
                                                                            .asLong(),
                                                                    hit.path("_source")
                                                                            .path("taskCount")
                                                                            .asLong(),
                                                                    null)));
                                    poll(
                                            search,
                                            itemIndex,
                                            (id, hit) ->
                                                    seen.add(
                                                            new Seen(
                                                                    "item document",
                                                                    id,
                                                                    hit.path("_version").asLong(),
                                                                    -1,
                                                                    hit.path("_source"))));
                                } catch (Exception e) {
                                    // node down or index not there yet: try again
                                }
                                try {
                                    Thread.sleep(50);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        },
                        "visibility-auditor");
        thread.setDaemon(true);
        thread.start();
    }

    private static void poll(
            SearchHttp search, String index, java.util.function.BiConsumer<String, JsonNode> each)
            throws Exception {
        // what a reader gets without forcing a refresh; "version" adds each hit's _version (the
        // external version)
        JsonNode r = search.post("/" + index + "/_search", "{\"size\":10000,\"version\":true}");
        for (JsonNode hit : r.path("hits").path("hits")) {
            if (io.streamsync.sink.commit.CaughtUp.isStatus(hit.get("_id").asText())) {
                continue; // the job's status document is no list
            }
            each.accept(hit.get("_id").asText(), hit);
        }
    }

    public List<Seen> seen() {
        synchronized (seen) {
            return new ArrayList<>(seen);
        }
    }

    /**
     * Every observation that is not the stream's state at its version, and every step back, per
     * output and key.
     */
    public List<String> problems(StreamHistory history) {
        List<String> out = new ArrayList<>();
        Map<String, Long> last = new HashMap<>();
        for (Seen s : seen()) {
            String problem;
            if (s.source == null) {
                problem = history.checkAggregate(s.key, s.version, s.count);
            } else {
                problem = history.checkItem(listOf(s.key), s.key, s.version, s.source);
            }
            if (problem != null) {
                out.add(s.output + ": " + problem);
            }
            Long before = last.put(s.output + " " + s.key, s.version);
            if (before != null && s.version < before) {
                out.add(
                        s.output
                                + " "
                                + s.key
                                + ": showed v"
                                + before
                                + ", then the older v"
                                + s.version);
            }
        }
        return out;
    }

    /** The list of an item document id {@code list|task} (the tests' list ids have no '|'). */
    public static String listOf(String itemId) {
        return itemId.substring(0, itemId.indexOf('|'));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}

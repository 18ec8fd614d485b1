package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A reader that polls the three outputs every 50 ms while faults happen and keeps what it saw: each
 * list's row of the aggregate table and aggregate document (version, count), and each item document
 * (version, source). {@link #problems} then holds every observation that is not the state the
 * source stream had at that version ({@link StreamHistory}), and every time an output showed an
 * older version than it had shown. It fails on its own errors: an observation it cannot read, or a
 * request a service refuses, is a problem too, and {@link #problems(StreamHistory, long)} requires
 * a minimum number of observations of each output, so a witness that saw nothing cannot pass.
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

    /** The three outputs, as {@link Seen#output} names them. */
    public static final List<String> OUTPUTS =
            List.of("table", "aggregate document", "item document");

    private final Thread thread;
    private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Long> newest = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean running = true;
    private final java.util.concurrent.atomic.AtomicLong rounds =
            new java.util.concurrent.atomic.AtomicLong();

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
                                List<Map<String, AttributeValue>> rows = null;
                                try {
                                    rows = TodoTables.scan(ddb, aggregateTable);
                                } catch (SdkException e) {
                                    unlessTransient(e, "scanning " + aggregateTable);
                                }
                                if (rows != null) {
                                    for (Map<String, AttributeValue> row : rows) {
                                        observe(() -> tableRow(row));
                                    }
                                }
                                read(search, aggregateIndex, "aggregate document");
                                read(search, itemIndex, "item document");
                                rounds.incrementAndGet();
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

    private static Seen tableRow(Map<String, AttributeValue> row) {
        return new Seen(
                "table",
                row.get("listId").s(),
                Long.parseLong(row.get("version").n()),
                Long.parseLong(row.get("taskCount").n()),
                null);
    }

    private static Seen document(String output, JsonNode hit) {
        String id = hit.get("_id").asText();
        if (output.equals("item document")) {
            return new Seen(output, id, number(hit, "_version"), -1, hit.get("_source"));
        }
        JsonNode source = hit.get("_source");
        return new Seen(output, id, number(source, "version"), number(source, "taskCount"), null);
    }

    /** A field that must be a whole number: anything else is an error, never a 0. */
    private static long number(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new IllegalStateException("no whole number " + field + " in " + node);
        }
        return v.asLong();
    }

    /**
     * Every error of the auditor's own (a response it cannot read, a request a service refuses as
     * malformed) is kept and makes {@link #problems} fail, so a broken witness never passes as one
     * that saw nothing wrong; only a service that is down, busy, or has not created the index yet
     * is retried in silence.
     */
    private void observe(java.util.function.Supplier<Seen> observation) {
        Seen s;
        try {
            s = observation.get();
        } catch (RuntimeException e) {
            error("cannot read an observation: " + e);
            return;
        }
        seen.add(s);
        newest.merge(s.output, s.version, Math::max);
    }

    private void read(SearchHttp search, String index, String output) {
        JsonNode r;
        try {
            // what a reader gets without forcing a refresh; "version" adds each hit's _version
            // (the external version)
            r = search.post("/" + index + "/_search", "{\"size\":10000,\"version\":true}");
        } catch (java.io.IOException e) {
            unlessTransient(e, "searching " + index);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return;
        } catch (RuntimeException e) {
            error("searching " + index + ": " + e);
            return;
        }
        JsonNode hits = r.path("hits").path("hits");
        if (!hits.isArray()) {
            error("searching " + index + ": no hits array in " + r);
            return;
        }
        for (JsonNode hit : hits) {
            if (io.streamsync.sink.commit.CaughtUp.isStatus(hit.path("_id").asText())) {
                continue; // the job's status document is no list
            }
            observe(() -> document(output, hit));
        }
    }

    /** Down, busy or throttled, or an index not created yet: try again. Anything else: an error. */
    private void unlessTransient(Exception e, String doing) {
        if (e instanceof SdkClientException) {
            return; // no answer (moto down or busy)
        }
        if (e instanceof AwsServiceException) {
            AwsServiceException a = (AwsServiceException) e;
            if (a.statusCode() >= 500 || a.isThrottlingException()) {
                return;
            }
        }
        String m = String.valueOf(e.getMessage());
        if (e instanceof java.io.IOException
                && !(e instanceof com.fasterxml.jackson.core.JsonProcessingException)
                && (!m.startsWith("HTTP 4")
                        || m.startsWith("HTTP 404")
                        || m.startsWith("HTTP 429"))) {
            return; // no answer, 5xx, 429, or index_not_found
        }
        error(doing + ": " + e);
    }

    private void error(String what) {
        synchronized (errors) {
            if (errors.size() < 20) {
                errors.add(what);
            } else if (errors.size() == 20) {
                errors.add("... and more");
            }
        }
    }

    /**
     * The highest version {@code output} (one of {@link #OUTPUTS}) has shown so far, of any key; -1
     * before it showed any. The outputs keep what was published while the job is down, so a test
     * that wants to see the job publish again (after a fault) waits for this to pass what it was
     * before, not for more observations.
     */
    public long newest(String output) {
        return newest.getOrDefault(output, -1L);
    }

    /** Rounds over the three outputs completed so far. */
    public long rounds() {
        return rounds.get();
    }

    /** The auditor's own errors (at most 20 and an ellipsis). */
    public List<String> errors() {
        synchronized (errors) {
            return new ArrayList<>(errors);
        }
    }

    /** Observations by output (every output of {@link #OUTPUTS}, 0 when it saw none). */
    public Map<String, Long> observations() {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        OUTPUTS.forEach(o -> out.put(o, 0L));
        for (Seen s : seen()) {
            out.merge(s.output, 1L, Long::sum);
        }
        return out;
    }

    /**
     * The auditor's own errors, and every output it observed fewer than {@code minPerOutput} times:
     * a witness that saw nothing of an output cannot say that output never rolled back.
     */
    public List<String> ownProblems(long minPerOutput) {
        List<String> out = new ArrayList<>();
        errors().forEach(e -> out.add("auditor: " + e));
        observations()
                .forEach(
                        (output, n) -> {
                            if (n < minPerOutput) {
                                out.add(
                                        "auditor: "
                                                + n
                                                + " observations of the "
                                                + output
                                                + "s, fewer than "
                                                + minPerOutput);
                            }
                        });
        return out;
    }

    public List<Seen> seen() {
        synchronized (seen) {
            return new ArrayList<>(seen);
        }
    }

    /**
     * The auditor's own errors, every observation that is not the stream's state at its version,
     * and every step back, per output and key.
     */
    public List<String> problems(StreamHistory history) {
        return problems(history, 0);
    }

    /**
     * {@link #ownProblems}, then every observation that is not the stream's state at its version,
     * and every step back, per output and key.
     */
    public List<String> problems(StreamHistory history, long minPerOutput) {
        List<String> out = ownProblems(minPerOutput);
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

package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The windows history's ground truth, from the stream itself: every change record read by a bare
 * SDK reader (no code of the job), counted by list and tumbling window of its creation time, by
 * event name. Windows are keyed {@code list|windowStartMillis}; values are {inserted, modified,
 * removed, expired}.
 */
public final class WindowTruth {
    private WindowTruth() {}

    /** One change as the stream has it. */
    public static final class Change {
        public final String eventId;
        public final String list;
        public final String eventName;
        public final long creationMillis;
        public final boolean ttl;

        public Change(
                String eventId, String list, String eventName, long creationMillis, boolean ttl) {
            this.eventId = eventId;
            this.list = list;
            this.eventName = eventName;
            this.creationMillis = creationMillis;
            this.ttl = ttl;
        }
    }

    /**
     * Every record of the stream (all shards, from TRIM_HORIZON), creation time cut to the second
     * as AWS has it.
     */
    public static List<Change> read(
            DynamoDbStreamsClient streams, String streamArn, String listAttribute) {
        List<Change> out = new ArrayList<>();
        StreamCapture.records(
                streams,
                streamArn,
                (shard, r) -> {
                    Identity who = r.userIdentity();
                    out.add(
                            new Change(
                                    r.eventID(),
                                    r.dynamodb().keys().get(listAttribute).s(),
                                    r.eventNameAsString(),
                                    r.dynamodb().approximateCreationDateTime().getEpochSecond()
                                            * 1000,
                                    who != null
                                            && "Service".equals(who.type())
                                            && "dynamodb.amazonaws.com".equals(who.principalId())));
                });
        return out;
    }

    /**
     * Changes counted per window: each change once (by its event id), in the window of its creation
     * time.
     */
    public static Map<String, long[]> windows(List<Change> changes, long windowMillis) {
        Map<String, long[]> out = new TreeMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Change c : changes) {
            if (!seen.add(c.eventId)) {
                continue;
            }
            long start = c.creationMillis - Math.floorMod(c.creationMillis, windowMillis);
            long[] v = out.computeIfAbsent(c.list + "|" + start, k -> new long[4]);
            switch (c.eventName) {
                case "INSERT":
                    v[0]++;
                    break;
                case "MODIFY":
                    v[1]++;
                    break;
                default:
                    v[2]++;
                    if (c.ttl) {
                        v[3]++;
                    }
            }
        }
        return out;
    }

    /** One window document as the same key and counts. */
    public static Map.Entry<String, long[]> ofDocument(JsonNode doc, String listField) {
        return Map.entry(
                doc.get(listField).asText()
                        + "|"
                        + Instant.parse(doc.get("windowStart").asText()).toEpochMilli(),
                new long[] {
                    doc.get("inserted").asLong(),
                    doc.get("modified").asLong(),
                    doc.get("removed").asLong(),
                    doc.get("expired").asLong()
                });
    }

    /** Every window document of the index. */
    public static Map<String, long[]> fromIndex(SearchHttp search, String index, String listField)
            throws Exception {
        Map<String, long[]> out = new TreeMap<>();
        for (JsonNode doc : search.allDocuments(index).values()) {
            Map.Entry<String, long[]> e = ofDocument(doc, listField);
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Null when equal, else the first differences (missing, extra, different windows). */
    public static String compare(Map<String, long[]> truth, Map<String, long[]> actual) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(truth.keySet());
        keys.addAll(actual.keySet());
        for (String k : keys) {
            long[] t = truth.get(k);
            long[] a = actual.get(k);
            if (t == null) {
                problems.add(
                        k + ": published " + java.util.Arrays.toString(a) + ", not in the stream");
            } else if (a == null) {
                problems.add(k + ": missing, the stream has " + java.util.Arrays.toString(t));
            } else if (!java.util.Arrays.equals(t, a)) {
                problems.add(
                        k
                                + ": published "
                                + java.util.Arrays.toString(a)
                                + ", the stream has "
                                + java.util.Arrays.toString(t));
            }
        }
        if (problems.isEmpty()) {
            return null;
        }
        return problems.size()
                + " of "
                + truth.size()
                + " windows differ, e.g. "
                + problems.subList(0, Math.min(5, problems.size()));
    }
}

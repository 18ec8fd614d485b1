package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.change.ItemKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Every list's history as the source table's stream tells it, read by a bare reader (no code of the
 * job): the n-th change of the list, its item, its new image, and the list's item count after it.
 *
 * <p>It tells what the job must show for a version. A list's change clock moves with each of its
 * changes to {@code max(clock + 1, creation time (ms) * 1,000 + 1)}, and its version is that clock
 * times 1,000 plus the windows made final since the change (see the aggregation's {@code
 * Versions}); an item's version is the same clock over the item's own changes. Every change of the
 * stream is applied exactly once, in stream order per list (the stream has no duplicates here, and
 * a delete of an absent item leaves no record). So an output that carries version {@code v} must
 * show the list's state after the change whose clock is {@code v / 1000} (an item document: the
 * item after its change of clock {@code v}): anything else is a state the job never had, or one a
 * failure took back.
 */
public final class StreamHistory {
    /**
     * One change: the item's document id, whether it removed it, its new image in plain JSON, the
     * count after.
     */
    public static final class Change {
        public final String itemId;
        public final boolean remove;
        public final JsonNode newImage;
        public final long countAfter;

        /** The list's change clock after this change, and the item's. */
        final long listClock;

        final long itemClock;

        Change(
                String itemId,
                boolean remove,
                JsonNode newImage,
                long countAfter,
                long listClock,
                long itemClock) {
            this.itemId = itemId;
            this.remove = remove;
            this.newImage = newImage;
            this.countAfter = countAfter;
            this.listClock = listClock;
            this.itemClock = itemClock;
        }
    }

    private final Map<String, List<Change>> byList = new HashMap<>();
    private final Map<String, List<Change>> byItem = new HashMap<>();
    private final Map<String, JsonNode> initial = new HashMap<>();
    private final Map<String, Long> initialCounts = new HashMap<>();
    private final Map<String, Long> base = new HashMap<>();
    private final Map<String, Long> clocks = new HashMap<>();
    private long changes;

    private StreamHistory() {}

    /** Reads the whole stream of a table keyed {@code listId} / {@code taskId}. */
    public static StreamHistory read(DynamoDbStreamsClient streams, String streamArn) {
        return read(streams, streamArn, List.of());
    }

    /**
     * Reads the whole stream of a table that already held {@code before} (a scan taken before its
     * stream was turned on): the counts after each change include those items, and each item's
     * states ({@link #itemStates}) start with its image in {@code before}.
     */
    public static StreamHistory read(
            DynamoDbStreamsClient streams,
            String streamArn,
            List<Map<String, AttributeValue>> before) {
        StreamHistory h = new StreamHistory();
        Map<String, Set<String>> live = new HashMap<>();
        for (Map<String, AttributeValue> item : before) {
            String list = item.get("listId").s();
            String id = ItemKeys.itemKey(list, item.get("taskId").s());
            live.computeIfAbsent(list, l -> new HashSet<>()).add(id);
            h.initial.put(id, TodoTables.plain(item));
            h.initialCounts.merge(list, 1L, Long::sum);
        }
        StreamCapture.records(streams, streamArn, (shard, r) -> h.add(r, live));
        return h;
    }

    /**
     * Every count list {@code list} had, in order: before the stream, then after each of its
     * changes. A version-guarded reader of the list's count may only move forward in this list.
     */
    public List<Long> listCounts(String list) {
        List<Long> counts = new ArrayList<>();
        counts.add(initialCounts.getOrDefault(list, 0L));
        for (Change c : byList.getOrDefault(list, List.of())) {
            counts.add(c.countAfter);
        }
        return counts;
    }

    /**
     * Every state item {@code id} had, in order: its image before the stream (null when it did not
     * exist), then after each of its changes (null after a removal). A version-guarded reader of
     * the item may only move forward in this list.
     */
    public List<JsonNode> itemStates(String id) {
        List<JsonNode> states = new ArrayList<>();
        states.add(initial.get(id));
        for (Change c : byItem.getOrDefault(id, List.of())) {
            states.add(c.remove ? null : c.newImage);
        }
        return states;
    }

    private void add(Record r, Map<String, Set<String>> live) {
        Map<String, AttributeValue> keys = r.dynamodb().keys();
        String list = keys.get("listId").s();
        String item = ItemKeys.itemKey(list, keys.get("taskId").s());
        boolean remove = r.eventName() == OperationType.REMOVE;
        Set<String> items = live.computeIfAbsent(list, l -> new HashSet<>());
        if (remove) {
            items.remove(item);
        } else {
            items.add(item);
        }
        long micros = r.dynamodb().approximateCreationDateTime().toEpochMilli() * 1000L;
        base.putIfAbsent(list, micros);
        long listClock = clocks.merge(list, micros + 1, (before, now) -> Math.max(before + 1, now));
        long itemClock =
                clocks.merge(
                        " item " + item, micros + 1, (before, now) -> Math.max(before + 1, now));
        Change change =
                new Change(
                        item,
                        remove,
                        remove ? null : TodoTables.plain(r.dynamodb().newImage()),
                        items.size(),
                        listClock,
                        itemClock);
        byList.computeIfAbsent(list, l -> new ArrayList<>()).add(change);
        byItem.computeIfAbsent(item, i -> new ArrayList<>()).add(change);
        changes++;
    }

    public long changes() {
        return changes;
    }

    public Set<String> lists() {
        return byList.keySet();
    }

    /** The change a list's version stands for, or null when there is none. */
    public Change at(String list, long version) {
        long clock = version / 1000L;
        for (Change c : byList.getOrDefault(list, List.of())) {
            if (c.listClock == clock) {
                return c;
            }
        }
        return null;
    }

    /**
     * Null when {@code count} at {@code version} is the list's state after that change; otherwise
     * what is wrong.
     */
    public String checkAggregate(String list, long version, long count) {
        Change c = at(list, version);
        if (c == null) {
            return list
                    + " v"
                    + version
                    + ": no such change (base "
                    + base.get(list)
                    + ", "
                    + byList.getOrDefault(list, List.of()).size()
                    + " changes)";
        }
        return c.countAfter == count
                ? null
                : list + " v" + version + ": count " + count + ", the stream says " + c.countAfter;
    }

    /**
     * Null when the item document {@code id} at {@code version} is the item after that change:
     * removed for a delete ({@code source} null), the change's new image otherwise.
     */
    public String checkItem(String list, String id, long version, JsonNode source) {
        Change c = null;
        for (Change x : byList.getOrDefault(list, List.of())) {
            if (x.itemId.equals(id) && x.itemClock == version) {
                c = x;
            }
        }
        if (c == null) {
            return id + " v" + version + ": no such change of " + list;
        }
        if (source == null) {
            return c.remove ? null : id + " v" + version + ": deleted, but that change wrote it";
        }
        if (c.remove) {
            return id + " v" + version + ": shown, but that change removed it";
        }
        return JsonCompare.same(c.newImage, source)
                ? null
                : id + " v" + version + ": document " + source + ", the stream says " + c.newImage;
    }
}

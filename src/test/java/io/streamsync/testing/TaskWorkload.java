package io.streamsync.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Random, reproducible traffic on the source table: inserts, updates and deletes of tasks over a
 * number of lists, including deletes of tasks that do not exist and re-inserts of deleted ones.
 * Items carry most attribute types (S, N with decimals and 38 digits, BOOL, NULL, SS, NS, B, M, L)
 * so the whole conversion path is used. Lists hold one type each: Elasticsearch cannot map an array
 * that mixes strings and numbers.
 */
public final class TaskWorkload {
    private final DynamoDbClient ddb;
    private final String table;
    private final int lists;
    private final Random random;
    private final List<String[]> live = new ArrayList<>();
    private final Map<String, Integer> liveIndex = new HashMap<>();
    private final Set<String> deleted = new LinkedHashSet<>();

    /**
     * Items written or deleted by {@link #step} (not by {@link #preload}): the ones any stream has
     * seen.
     */
    private final Set<String> touched = new java.util.HashSet<>();

    private boolean preloading;
    private ChangeListener listener;

    /**
     * Told of every change a step makes, with the item's images before and after (null when
     * absent).
     */
    @FunctionalInterface
    public interface ChangeListener {
        void changed(
                Map<String, AttributeValue> key,
                Map<String, AttributeValue> oldImage,
                Map<String, AttributeValue> newImage);
    }

    /**
     * Reports every change to {@code l} (the writes then ask DynamoDB for the old image and read
     * the new one back).
     */
    public TaskWorkload onChange(ChangeListener l) {
        this.listener = l;
        return this;
    }

    private long created;
    private long nextTask;
    private long operations;
    private volatile boolean stopped;

    public TaskWorkload(DynamoDbClient ddb, String table, int lists, long seed) {
        this.ddb = ddb;
        this.table = table;
        this.lists = lists;
        this.random = new Random(seed);
    }

    /** Runs {@code count} operations as fast as the table takes them. */
    public void run(int count) {
        for (int i = 0; i < count; i++) {
            step();
        }
    }

    /**
     * Runs at about {@code perSecond} operations per second until {@link #stop} is called or the
     * thread is interrupted. After {@link #stop} the call in flight completes, so {@link
     * #operations} counts every change the table took; an interrupt may abort the call in flight,
     * and this returns quietly then too.
     */
    public void runAtRate(double perSecond) {
        long intervalNanos = (long) (1e9 / perSecond);
        long next = System.nanoTime();
        while (!stopped && !Thread.currentThread().isInterrupted()) {
            try {
                step();
            } catch (software.amazon.awssdk.core.exception.AbortedException e) {
                if (Thread.currentThread().isInterrupted()
                        || e.getCause() instanceof InterruptedException) {
                    return; // interrupted in the middle of a call: the caller asked us to stop
                }
                throw e;
            }
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Ends {@link #runAtRate} after the call in flight. */
    public void stop() {
        stopped = true;
    }

    /**
     * Fills the table with {@code items} tasks spread evenly over the lists, with BatchWriteItem,
     * as live tasks that later steps update and delete like any other. Returns the number written.
     */
    public int preload(int items) {
        preloading = true;
        try {
            List<software.amazon.awssdk.services.dynamodb.model.WriteRequest> batch =
                    new ArrayList<>();
            for (int i = 0; i < items; i++) {
                String listId = listId(i % lists);
                String taskId = "task-" + nextTask++;
                batch.add(
                        software.amazon.awssdk.services.dynamodb.model.WriteRequest.builder()
                                .putRequest(p -> p.item(item(listId, taskId, false)))
                                .build());
                register(listId, taskId);
                if (batch.size() == 25 || i == items - 1) {
                    writeBatch(batch);
                    batch.clear();
                }
            }
            return items;
        } finally {
            preloading = false;
        }
    }

    private void writeBatch(
            List<software.amazon.awssdk.services.dynamodb.model.WriteRequest> batch) {
        Map<String, List<software.amazon.awssdk.services.dynamodb.model.WriteRequest>> pending =
                Map.of(table, new ArrayList<>(batch));
        while (!pending.isEmpty()) {
            Map<String, List<software.amazon.awssdk.services.dynamodb.model.WriteRequest>> request =
                    pending;
            pending = ddb.batchWriteItem(b -> b.requestItems(request)).unprocessedItems();
        }
    }

    /** Keys ("listId\u0000taskId") of the items the steps have written or deleted. */
    public Set<String> touched() {
        return touched;
    }

    /**
     * Items the steps created (inserts of new or deleted items): the table never held more than
     * preloaded + this.
     */
    public long created() {
        return created;
    }

    public long operations() {
        return operations;
    }

    /** One random operation. */
    public void step() {
        int dice = random.nextInt(100);
        if (live.isEmpty() || dice < 50) {
            insert(listId(random.nextInt(lists)), "task-" + nextTask++);
        } else if (dice < 80) {
            String[] key = live.get(random.nextInt(live.size()));
            put(key[0], key[1], random.nextInt(3) == 0);
        } else if (dice < 95) {
            String[] key = live.get(random.nextInt(live.size()));
            delete(key[0], key[1]);
        } else if (dice < 97) {
            delete(listId(random.nextInt(lists)), "never-existed-" + random.nextInt(1000));
        } else if (!deleted.isEmpty()) {
            String k = deleted.iterator().next();
            String[] key = k.split("\u0000", 2);
            insert(key[0], key[1]);
        } else {
            insert(listId(random.nextInt(lists)), "task-" + nextTask++);
        }
        operations++;
    }

    public static String listId(int i) {
        return String.format("list-%03d", i);
    }

    private void insert(String listId, String taskId) {
        put(listId, taskId, false);
    }

    private void put(String listId, String taskId, boolean done) {
        Map<String, AttributeValue> item = item(listId, taskId, done);
        if (listener == null) {
            ddb.putItem(b -> b.tableName(table).item(item));
        } else {
            Map<String, AttributeValue> old =
                    ddb.putItem(
                                    b ->
                                            b.tableName(table)
                                                    .item(item)
                                                    .returnValues(
                                                            software.amazon.awssdk.services.dynamodb
                                                                    .model.ReturnValue.ALL_OLD))
                            .attributes();
            // the new image as DynamoDB stores it (numbers normalised, its order of map keys and
            // set
            // elements), as its change records carry it, not as this client sent it
            Map<String, AttributeValue> stored =
                    ddb.getItem(
                                    b ->
                                            b.tableName(table)
                                                    .key(key(listId, taskId))
                                                    .consistentRead(true))
                            .item();
            listener.changed(
                    key(listId, taskId), old == null || old.isEmpty() ? null : old, stored);
        }
        register(listId, taskId);
    }

    private static Map<String, AttributeValue> key(String listId, String taskId) {
        return Map.of(
                "listId", AttributeValue.fromS(listId), "taskId", AttributeValue.fromS(taskId));
    }

    private void register(String listId, String taskId) {
        String k = listId + "\u0000" + taskId;
        if (!preloading) {
            touched.add(k);
        }
        deleted.remove(k);
        if (!liveIndex.containsKey(k)) {
            if (!preloading) {
                created++;
            }
            liveIndex.put(k, live.size());
            live.add(new String[] {listId, taskId});
        }
    }

    private Map<String, AttributeValue> item(String listId, String taskId, boolean done) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("listId", AttributeValue.fromS(listId));
        item.put("taskId", AttributeValue.fromS(taskId));
        item.put(
                "title",
                AttributeValue.fromS("Task " + taskId + " \u2713 #" + random.nextInt(1000)));
        item.put("done", AttributeValue.fromBool(done));
        item.put("priority", AttributeValue.fromN(Integer.toString(random.nextInt(5))));
        item.put(
                "estimateHours",
                AttributeValue.fromN(random.nextInt(40) + "." + random.nextInt(10) + "0"));
        // 38 digits, DynamoDB's maximum precision: more than a long or a double holds.
        item.put(
                "bigNumber",
                AttributeValue.fromN(
                        "1234567890123456789012345678901234" + (1000 + random.nextInt(9000))));
        // more significant digits than a double holds: must reach the index exactly
        item.put(
                "preciseRatio",
                AttributeValue.fromN(
                        "1234567890." + (100000000 + random.nextInt(899999999)) + "123456789"));
        item.put(
                "assignee",
                random.nextBoolean()
                        ? AttributeValue.fromNul(true)
                        : AttributeValue.fromS("user" + random.nextInt(9)));
        item.put(
                "tags",
                AttributeValue.fromSs(List.of("t" + random.nextInt(3), "x" + random.nextInt(3))));
        item.put(
                "scores",
                AttributeValue.fromNs(List.of(Integer.toString(random.nextInt(100)), "0.5")));
        item.put(
                "checksum",
                AttributeValue.fromB(
                        SdkBytes.fromByteArray(new byte[] {1, 2, (byte) random.nextInt(256)})));
        item.put(
                "meta",
                AttributeValue.fromM(
                        Map.of(
                                "source", AttributeValue.fromS("workload"),
                                "subtasks",
                                        AttributeValue.fromL(
                                                List.of(
                                                        AttributeValue.fromM(
                                                                Map.of(
                                                                        "name",
                                                                        AttributeValue.fromS(
                                                                                "plan"),
                                                                        "done",
                                                                        AttributeValue.fromBool(
                                                                                random
                                                                                        .nextBoolean()))),
                                                        AttributeValue.fromM(
                                                                Map.of(
                                                                        "name",
                                                                        AttributeValue.fromS("do"),
                                                                        "done",
                                                                        AttributeValue.fromBool(
                                                                                false))))))));
        return item;
    }

    private void delete(String listId, String taskId) {
        Map<String, AttributeValue> old =
                ddb.deleteItem(
                                b ->
                                        b.tableName(table)
                                                .key(key(listId, taskId))
                                                .returnValues(
                                                        listener == null
                                                                ? software.amazon.awssdk.services
                                                                        .dynamodb.model.ReturnValue
                                                                        .NONE
                                                                : software.amazon.awssdk.services
                                                                        .dynamodb.model.ReturnValue
                                                                        .ALL_OLD))
                        .attributes();
        if (listener != null
                && old != null
                && !old.isEmpty()) { // deleting nothing writes no change record
            listener.changed(key(listId, taskId), old, null);
        }
        String k = listId + "\u0000" + taskId;
        touched.add(k);
        Integer idx = liveIndex.remove(k);
        if (idx != null) {
            String[] last = live.remove(live.size() - 1);
            if (idx < live.size()) {
                live.set(idx, last);
                liveIndex.put(last[0] + "\u0000" + last[1], idx);
            }
            deleted.add(k);
        }
    }
}

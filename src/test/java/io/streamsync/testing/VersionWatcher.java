package io.streamsync.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A reader that polls the aggregate table and the aggregate documents while faults happen, and records
 * every time a list's {@code version} is lower than one it saw before, or the same version comes with
 * another count.
 */
public final class VersionWatcher implements AutoCloseable {
    private final Thread thread;
    private final Map<String, long[]> tableSeen = new ConcurrentHashMap<>();
    private final Map<String, long[]> indexSeen = new ConcurrentHashMap<>();
    private final List<String> regressions = Collections.synchronizedList(new ArrayList<>());
    private volatile long observations;
    private volatile boolean running = true;

    public VersionWatcher(DynamoDbClient ddb, String aggregateTable, SearchHttp search, String aggregateIndex) {
        thread = new Thread(() -> {
            while (running) {
                try {
                    for (Map<String, AttributeValue> row : TodoTables.scan(ddb, aggregateTable)) {
                        see(tableSeen, "table", row.get("listId").s(), Long.parseLong(row.get("version").n()),
                                Long.parseLong(row.get("taskCount").n()));
                    }
                } catch (RuntimeException e) {
                    // moto busy: try again
                }
                if (search != null) {
                    try {
                        search.allDocuments(aggregateIndex).forEach((id, doc) -> see(indexSeen, "index", id,
                                doc.get("version").asLong(), doc.get("taskCount").asLong()));
                    } catch (Exception e) {
                        // node down (a test kills it): try again
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "version-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void see(Map<String, long[]> seen, String where, String list, long version, long count) {
        observations++;
        long[] before = seen.put(list, new long[] {version, count});
        if (before != null && (version < before[0] || version == before[0] && count != before[1])) {
            regressions.add(where + " " + list + ": version " + before[0] + " (count " + before[1] + ") then " + version
                    + " (count " + count + ")");
        }
    }

    public long observations() {
        return observations;
    }

    public List<String> regressions() {
        synchronized (regressions) {
            return new ArrayList<>(regressions);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}

package io.streamsync.testing;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * moto (DynamoDB + DynamoDB Streams) and a search node (Elasticsearch or OpenSearch) started side
 * by side, plus job properties pointing at them.
 */
public final class LocalServices implements AutoCloseable {
    public final Moto dynamoDb;
    public final SearchNode search;

    private LocalServices(Moto dynamoDb, SearchNode search) {
        this.dynamoDb = dynamoDb;
        this.search = search;
    }

    /** Starts both services concurrently (Elasticsearch takes several seconds). */
    public static LocalServices start(int dynamoPort, int searchPort) throws Exception {
        return start(dynamoPort, searchPort, false);
    }

    /** moto and an OpenSearch 2.13 node instead of Elasticsearch, on free ports. */
    public static LocalServices startWithOpenSearch() throws Exception {
        return start(0, 0, true);
    }

    private static LocalServices start(int dynamoPort, int searchPort, boolean openSearch)
            throws Exception {
        CompletableFuture<SearchNode> es =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return openSearch
                                        ? SearchNode.startOpenSearch()
                                        : searchPort > 0
                                                ? SearchNode.start(searchPort)
                                                : SearchNode.start();
                            } catch (Exception e) {
                                throw new IllegalStateException(
                                        (openSearch ? "OpenSearch" : "Elasticsearch")
                                                + " did not start: "
                                                + e.getMessage(),
                                        e);
                            }
                        });
        Moto ddb;
        try {
            ddb = dynamoPort > 0 ? Moto.start(dynamoPort) : Moto.start();
        } catch (Exception e) {
            es.thenAccept(
                    n -> {
                        try {
                            n.close();
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                        }
                    });
            throw e;
        }
        try {
            return new LocalServices(ddb, es.join());
        } catch (RuntimeException e) {
            ddb.close();
            throw e;
        }
    }

    public static LocalServices start() throws Exception {
        return start(0, 0);
    }

    /** Job properties for these services: endpoints, static local credentials, fast polling. */
    public Map<String, String> jobProperties() {
        Map<String, String> p = new HashMap<>();
        p.put("aws.region", Moto.REGION);
        p.put("aws.endpoint", dynamoDb.endpoint().toString());
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", Moto.ACCESS_KEY);
        p.put("aws.credentials.secret.access.key", Moto.SECRET_KEY);
        p.put("sink.search.hosts", search.uri().toString());
        p.put("sink.search.engine", search.engine().toLowerCase(java.util.Locale.ROOT));
        p.put("source.poll.interval.ms", "50");
        p.put("source.shard.discovery.interval.ms", "1000");
        return p;
    }

    /**
     * The properties of one test's job: its own source and aggregate tables and indices (named
     * after the test), 1 s windows and checkpoints, quick restarts, parallelism 2, dead letters
     * under the given path.
     */
    public Map<String, String> testJobProperties(String name, java.nio.file.Path deadLetters) {
        Map<String, String> p = jobProperties();
        p.put("source.table.name", name + "Tasks");
        p.put("sink.dynamodb.table", name + "Counts");
        p.put("sink.search.aggregate.index", name.toLowerCase(java.util.Locale.ROOT) + "-counts");
        p.put("sink.search.item.index", name.toLowerCase(java.util.Locale.ROOT) + "-tasks");
        p.put("sink.search.windows.index", name.toLowerCase(java.util.Locale.ROOT) + "-windows");
        p.put("aggregate.window.ms", "1000");
        p.put("checkpoint.interval.ms", "1000");
        p.put("restart.delay.ms", "500");
        p.put("job.parallelism", "2");
        p.put("deadletter.path", deadLetters.toUri().toString());
        return p;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            search.close();
        } finally {
            dynamoDb.close();
        }
    }
}

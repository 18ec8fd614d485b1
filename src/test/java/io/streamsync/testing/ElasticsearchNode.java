package io.streamsync.testing;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Elasticsearch 7.10.2 node in a child JVM on 127.0.0.1 (so tests can kill it with SIGKILL and the
 * job's classpath stays as shipped). Data lives in a directory that survives a restart of the node.
 */
public final class ElasticsearchNode implements AutoCloseable {
    private final int httpPort;
    private final int transportPort;
    private final Path dataDir;
    private ManagedProcess process;

    private ElasticsearchNode(int httpPort, int transportPort, Path dataDir) {
        this.httpPort = httpPort;
        this.transportPort = transportPort;
        this.dataDir = dataDir;
    }

    public static ElasticsearchNode start() throws Exception {
        return start(ManagedProcess.freePort());
    }

    /** Starts a node with an empty data directory (what an earlier run left there is removed). */
    public static ElasticsearchNode start(int httpPort) throws Exception {
        Path dir = ManagedProcess.servicesDir().resolve("es-" + httpPort);
        deleteRecursively(dir);
        Files.createDirectories(dir);
        ElasticsearchNode n = new ElasticsearchNode(httpPort, ManagedProcess.freePort(), dir);
        n.startProcess();
        return n;
    }

    private void startProcess() throws Exception {
        process = new ManagedProcess("Elasticsearch", ManagedProcess.jvm(ManagedProcess.currentClasspath(),
                ElasticsearchNodeMain.class.getName(),
                List.of("-Xms256m", "-Xmx512m", "-da:org.elasticsearch...", "-Dlog4j2.disable.jmx=true",
                        "-Dlog4j.shutdownHookEnabled=false", "-Des.networkaddress.cache.ttl=60"),
                List.of(Integer.toString(httpPort), Integer.toString(transportPort), dataDir.toAbsolutePath().toString())),
                ManagedProcess.servicesDir().resolve("logs").resolve("elasticsearch-" + httpPort + ".log"));
        process.start();
        try {
            process.awaitPort(httpPort, Duration.ofSeconds(120));
            new SearchHttp(uri()).awaitHealthy(Duration.ofSeconds(60));
        } catch (Exception | Error e) {
            process.close();
            throw e;
        }
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + httpPort);
    }

    public int httpPort() {
        return httpPort;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL the node (no flush, no clean shutdown). */
    public void kill() throws InterruptedException {
        process.kill();
    }

    /** Starts the node again on the same ports and data directory. */
    public void restart() throws Exception {
        if (process.isAlive()) {
            throw new IllegalStateException("node still running");
        }
        startProcess();
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.close();
        }
    }

}

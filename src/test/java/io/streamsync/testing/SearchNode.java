package io.streamsync.testing;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real search node in a child JVM on 127.0.0.1 (so tests can kill it with SIGKILL and the job's
 * classpath stays as shipped): Elasticsearch 7.10.2 (cluster runner on the test classpath) or
 * OpenSearch 2.13 (runner on its own classpath, resolved by the build into
 * target/services/opensearch.classpath; the launcher next to its POM is compiled here against it).
 * Data lives in a directory that survives a restart.
 */
public final class SearchNode implements AutoCloseable {
    private final String engine;
    private final int httpPort;
    private final int transportPort;
    private final Path dataDir;
    private ManagedProcess process;

    private SearchNode(String engine, int httpPort, int transportPort, Path dataDir) {
        this.engine = engine;
        this.httpPort = httpPort;
        this.transportPort = transportPort;
        this.dataDir = dataDir;
    }

    /** A real OpenSearch 2.13 node on a free port. */
    public static SearchNode startOpenSearch() throws Exception {
        return ManagedProcess.retryOnPortConflict(SearchNode::startOpenSearchOnce);
    }

    private static SearchNode startOpenSearchOnce() throws Exception {
        int port = ManagedProcess.freePort();
        Path dir = ManagedProcess.servicesDir().resolve("opensearch-" + port);
        deleteRecursively(dir);
        Files.createDirectories(dir);
        SearchNode n = new SearchNode("OpenSearch", port, ManagedProcess.freePort(), dir);
        n.startProcess();
        return n;
    }

    /**
     * Compiles the OpenSearch launcher against the runner's classpath; returns the classpath to run
     * it with.
     */
    private static String openSearchClasspath() throws Exception {
        Path cpFile = ManagedProcess.servicesDir().resolve("opensearch.classpath");
        if (!Files.isRegularFile(cpFile)) {
            throw new IllegalStateException(
                    cpFile.toAbsolutePath()
                            + " is missing: run the build (mvn test-compile) first; it "
                            + "resolves the OpenSearch runner's classpath");
        }
        String cp = Files.readString(cpFile, java.nio.charset.StandardCharsets.UTF_8).trim();
        Path classes =
                Files.createDirectories(
                        ManagedProcess.servicesDir().resolve("opensearch-launcher"));
        Path source = Path.of("src/test/services/opensearch/OpenSearchNodeMain.java");
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        int rc =
                javac.run(
                        null, null, errors, "-cp", cp, "-d", classes.toString(), source.toString());
        if (rc != 0) {
            throw new IllegalStateException("cannot compile " + source + ":\n" + errors);
        }
        return classes + java.io.File.pathSeparator + cp;
    }

    /**
     * An Elasticsearch node on free ports, other ports if another process takes one first (see
     * freePort).
     */
    public static SearchNode start() throws Exception {
        return ManagedProcess.retryOnPortConflict(() -> start(ManagedProcess.freePort()));
    }

    /** Starts a node with an empty data directory (what an earlier run left there is removed). */
    public static SearchNode start(int httpPort) throws Exception {
        Path dir = ManagedProcess.servicesDir().resolve("es-" + httpPort);
        deleteRecursively(dir);
        Files.createDirectories(dir);
        SearchNode n = new SearchNode("Elasticsearch", httpPort, ManagedProcess.freePort(), dir);
        n.startProcess();
        return n;
    }

    private void startProcess() throws Exception {
        boolean openSearch = engine.equals("OpenSearch");
        process =
                new ManagedProcess(
                        engine,
                        ManagedProcess.jvm(
                                openSearch
                                        ? openSearchClasspath()
                                        : ManagedProcess.currentClasspath(),
                                openSearch
                                        ? "OpenSearchNodeMain"
                                        : ElasticsearchNodeMain.class.getName(),
                                List.of(
                                        "-Xms256m",
                                        "-Xmx512m",
                                        openSearch
                                                ? "-da:org.opensearch..."
                                                : "-da:org.elasticsearch...",
                                        "-Dlog4j2.disable.jmx=true",
                                        "-Dlog4j.shutdownHookEnabled=false",
                                        "-Des.networkaddress.cache.ttl=60"),
                                List.of(
                                        Integer.toString(httpPort),
                                        Integer.toString(transportPort),
                                        dataDir.toAbsolutePath().toString())),
                        ManagedProcess.servicesDir()
                                .resolve("logs")
                                .resolve(
                                        engine.toLowerCase(java.util.Locale.ROOT)
                                                + "-"
                                                + httpPort
                                                + ".log"));
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

    /** "Elasticsearch" or "OpenSearch". */
    public String engine() {
        return engine;
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
            for (Path p :
                    (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
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

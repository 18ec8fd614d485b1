package io.streamsync.testing;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * moto's server (getmoto/moto, Apache-2.0) as the DynamoDB and DynamoDB Streams of tests, the local
 * run and the benchmarks: a Python child process on a port of 127.0.0.1, started through {@code
 * src/test/moto/launch.py}, stopped by PID, its log under {@code target/services/logs}. Its state
 * is in memory and dies with it.
 *
 * <p>The Python interpreter is {@code python3} unless {@code -Dstreamsync.python=...} names
 * another. With {@code -Dstreamsync.moto.profile=true} every request runs under cProfile and the
 * combined profile is written next to the log when the server is stopped (see the docs' testing
 * page, src/site/markdown/testing.md).
 */
public final class Moto implements AutoCloseable {
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "local";
    public static final String SECRET_KEY = "local";

    private final int port;
    private final ManagedProcess process;

    private Moto(int port, ManagedProcess process) {
        this.port = port;
        this.process = process;
    }

    /** moto on a free port, other ports if another process takes the first (see freePort). */
    public static Moto start() throws Exception {
        return ManagedProcess.retryOnPortConflict(() -> start(ManagedProcess.freePort()));
    }

    public static Moto start(int port) throws Exception {
        Path launcher = launcher();
        Path logs = ManagedProcess.servicesDir().resolve("logs");
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                System.getProperty("streamsync.python", "python3"),
                                "-u",
                                launcher.toAbsolutePath().toString(),
                                "--host",
                                "127.0.0.1",
                                "--port",
                                Integer.toString(port)));
        if (Boolean.getBoolean("streamsync.moto.profile")) {
            cmd.add("--profile");
            cmd.add(logs.resolve("moto-" + port + ".prof").toAbsolutePath().toString());
        }
        ManagedProcess p = new ManagedProcess("moto", cmd, logs.resolve("moto-" + port + ".log"));
        try {
            p.start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(
                    "cannot run "
                            + cmd.get(0)
                            + " (moto needs Python 3 with moto[server] 5.2.1: "
                            + "pip install \"moto[server]==5.2.1\"): "
                            + e.getMessage(),
                    e);
        }
        Moto m = new Moto(port, p);
        try {
            p.awaitPort(port, Duration.ofSeconds(60));
            awaitAnswer(m, p, Duration.ofSeconds(60));
        } catch (Exception | Error e) {
            p.close();
            if (e instanceof IllegalStateException && p.tail().contains("No module named")) {
                throw new IllegalStateException(
                        "moto is not installed for "
                                + cmd.get(0)
                                + ": pip install \"moto[server]==5.2.1\"\n"
                                + p.tail(),
                        e);
            }
            throw e;
        }
        return m;
    }

    /**
     * Waits until moto answers a ListTables, which also loads its DynamoDB backend (about a second)
     * before a test measures anything. An open port is not enough: it may have been another
     * process's for a moment.
     */
    private static void awaitAnswer(Moto m, ManagedProcess p, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (DynamoDbClient c = m.client()) {
            while (true) {
                try {
                    c.listTables();
                    return;
                } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
                    if (!p.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                "moto on port "
                                        + m.port
                                        + " does not answer: "
                                        + e.getMessage()
                                        + "\n"
                                        + p.tail(),
                                e);
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    /**
     * The launcher script: from the source tree (tests and the local run start in the project
     * directory).
     */
    private static Path launcher() {
        Path p = Path.of(System.getProperty("streamsync.moto.launcher", "src/test/moto/launch.py"));
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(
                    p.toAbsolutePath()
                            + " is missing: run from the project directory, or set "
                            + "-Dstreamsync.moto.launcher");
        }
        return p;
    }

    public int port() {
        return port;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public long pid() {
        return process.pid();
    }

    public DynamoDbClient client() {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(
                        StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    public DynamoDbStreamsClient streamsClient() {
        return DynamoDbStreamsClient.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(
                        StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    /**
     * Stops it with SIGTERM, so the launcher prints its call totals (and writes its profile) first.
     */
    @Override
    public void close() throws InterruptedException {
        process.close();
    }

    /** Runs moto until killed: {@code java ... Moto PORT}. */
    public static void main(String[] args) throws Exception {
        Moto m = start(Integer.parseInt(args[0]));
        System.out.println("moto on " + m.endpoint() + " pid " + m.pid());
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        m.close();
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                }));
        Thread.currentThread().join();
    }
}

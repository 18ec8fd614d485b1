package io.streamsync.testing;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Kinesis API: kinesalite (npm, version pinned by src/test/kinesalite/package-lock.json,
 * installed by the build into target/services/kinesalite) in a node process on 127.0.0.1, in
 * memory, stopped by PID. Clients must not use CBOR (the test JVM sets the SDKs' switches).
 */
public final class Kinesalite implements AutoCloseable {
    private final int port;
    private final ManagedProcess process;

    private Kinesalite(int port, ManagedProcess process) {
        this.port = port;
        this.process = process;
    }

    public static Kinesalite start() throws Exception {
        Path dir = ManagedProcess.servicesDir().resolve("kinesalite");
        if (!Files.isDirectory(dir.resolve("node_modules").resolve("kinesalite"))) {
            throw new IllegalStateException(
                    dir.toAbsolutePath()
                            + "/node_modules/kinesalite is missing: run the build"
                            + " (mvn test-compile) first; it runs npm ci there (Node.js and npm needed)");
        }
        return ManagedProcess.retryOnPortConflict(() -> start(dir, ManagedProcess.freePort()));
    }

    private static Kinesalite start(Path dir, int port) throws Exception {
        ManagedProcess p =
                new ManagedProcess(
                        "kinesalite",
                        List.of(
                                "node",
                                dir.resolve("launch.js").toAbsolutePath().toString(),
                                Integer.toString(port)),
                        ManagedProcess.servicesDir()
                                .resolve("logs")
                                .resolve("kinesalite-" + port + ".log"));
        p.start();
        try {
            p.awaitPort(port, Duration.ofSeconds(30));
        } catch (Exception | Error e) {
            p.close();
            throw e;
        }
        return new Kinesalite(port, p);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** An SDK v2 Kinesis client for tests (CBOR is off in the test JVM). */
    public software.amazon.awssdk.services.kinesis.KinesisClient client() {
        return software.amazon.awssdk.services.kinesis.KinesisClient.builder()
                .endpointOverride(endpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(
                        software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                                        "test", "test")))
                .httpClientBuilder(software.amazon.awssdk.http.apache5.Apache5HttpClient.builder())
                .build();
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}

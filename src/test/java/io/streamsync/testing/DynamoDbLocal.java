package io.streamsync.testing;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * DynamoDB Local (with Streams) in its own JVM, in memory, on a port of 127.0.0.1. Its classpath is
 * resolved by the build into {@code target/services/dynamodb-local.classpath}: its AWS SDK must not meet
 * the connectors' SDK in one JVM.
 */
public final class DynamoDbLocal implements AutoCloseable {
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "local";
    public static final String SECRET_KEY = "local";
    private static final String MAIN = "software.amazon.dynamodb.services.local.main.ServerRunner";

    private final int port;
    private final ManagedProcess process;

    private DynamoDbLocal(int port, ManagedProcess process) {
        this.port = port;
        this.process = process;
    }

    public static DynamoDbLocal start() throws Exception {
        return start(ManagedProcess.freePort());
    }

    public static DynamoDbLocal start(int port) throws Exception {
        Path cpFile = ManagedProcess.servicesDir().resolve("dynamodb-local.classpath");
        if (!Files.isRegularFile(cpFile)) {
            throw new IllegalStateException(cpFile.toAbsolutePath() + " is missing: run the build (mvn test-compile) first; it "
                    + "resolves DynamoDB Local's classpath");
        }
        String cp = Files.readString(cpFile, StandardCharsets.UTF_8).trim();
        Path tmp = Files.createDirectories(ManagedProcess.servicesDir().resolve("dynamodb-local-tmp"));
        ManagedProcess p = new ManagedProcess("DynamoDB Local", ManagedProcess.jvm(cp, MAIN,
                List.of("-Xmx512m", "-Dorg.sqlite.tmpdir=" + tmp.toAbsolutePath(), "-Djava.io.tmpdir=" + tmp.toAbsolutePath()),
                List.of("-inMemory", "-sharedDb", "-disableTelemetry", "-port", Integer.toString(port))),
                ManagedProcess.servicesDir().resolve("logs").resolve("dynamodb-local-" + port + ".log"));
        p.start();
        DynamoDbLocal d = new DynamoDbLocal(port, p);
        try {
            p.awaitPort(port, Duration.ofSeconds(60));
            try (DynamoDbClient c = d.client()) {
                c.listTables(); // the port opens before the service answers
            }
        } catch (Exception | Error e) {
            p.close();
            throw e;
        }
        return d;
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
        return DynamoDbClient.builder().endpointOverride(endpoint()).region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    public DynamoDbStreamsClient streamsClient() {
        return DynamoDbStreamsClient.builder().endpointOverride(endpoint()).region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }

    /** Runs DynamoDB Local until killed: {@code java ... DynamoDbLocal PORT}. */
    public static void main(String[] args) throws Exception {
        DynamoDbLocal d = start(Integer.parseInt(args[0]));
        System.out.println("DynamoDB Local on " + d.endpoint() + " pid " + d.pid());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                d.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        Thread.currentThread().join();
    }

}

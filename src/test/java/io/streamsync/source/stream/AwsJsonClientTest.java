package io.streamsync.source.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The stream client against a local HTTP server that answers as the service would in the cases
 * tested: an answer announcing more bytes than any real one, a server whose clock is far from ours
 * (SigV4's clock-skew error), and closing.
 */
class AwsJsonClientTest {
    private HttpServer server;

    private URI serve(Consumer<com.sun.net.httpserver.HttpExchange> handler) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/",
                exchange -> {
                    try {
                        exchange.getRequestBody().readAllBytes();
                        handler.accept(exchange);
                    } finally {
                        exchange.close();
                    }
                });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static AwsJsonClient client(URI uri, AwsCredentialsProvider credentials) {
        return new AwsJsonClient(
                uri,
                "DynamoDBStreams_20120810",
                "application/x-amz-json-1.0",
                "dynamodb",
                "eu-west-1",
                credentials,
                1);
    }

    private static final AwsCredentialsProvider KEYS =
            () -> AwsBasicCredentials.create("AKIDEXAMPLE", "secret");

    @Test
    void anAnswerAnnouncingMoreThanTheCapIsRefusedBeforeAnythingIsAllocated() throws Exception {
        URI uri =
                serve(
                        exchange -> {
                            try {
                                exchange.getResponseHeaders()
                                        .add("Content-Type", "application/x-amz-json-1.0");
                                exchange.sendResponseHeaders(
                                        200, 1_500_000_000L); // announces 1.5 GB, sends a little
                                exchange.getResponseBody()
                                        .write("{\"Records\":[".getBytes(StandardCharsets.UTF_8));
                            } catch (java.io.IOException e) {
                                // the client hangs up: expected
                            }
                        });
        try (AwsJsonClient c = client(uri, KEYS)) {
            assertThatThrownBy(() -> c.call("GetRecords", "{}".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(StreamApiException.class)
                    .hasMessageContaining(
                            "1500000000 bytes is larger than the "
                                    + AwsJsonClient.MAX_ANSWER_BYTES);
        }
    }

    @Test
    void anAnswerWithoutALengthIsReadOnlyUpToTheCap() throws Exception {
        URI uri =
                serve(
                        exchange -> {
                            try {
                                exchange.sendResponseHeaders(200, 0); // chunked
                                OutputStream out = exchange.getResponseBody();
                                byte[] kb = new byte[1024];
                                java.util.Arrays.fill(kb, (byte) ' ');
                                for (int i = 0; i < 2048; i++) {
                                    out.write(kb);
                                }
                            } catch (java.io.IOException e) {
                                // the client hangs up: expected
                            }
                        });
        try (AwsJsonClient c = client(uri, KEYS)) {
            c.maxAnswerBytes = 1024 * 1024;
            assertThatThrownBy(() -> c.call("GetRecords", "{}".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(StreamApiException.class)
                    .hasMessageContaining("larger than the 1048576 bytes");
        }
    }

    /**
     * A minimal HTTP/1.1 server on a raw socket (the JDK's server always writes its own Date
     * header): answers each request with what {@code answer} makes of its X-Amz-Date, with the
     * given Date header.
     */
    private static java.net.ServerSocket rawServer(
            java.util.function.Function<String, String[]> answer) throws Exception {
        java.net.ServerSocket socket =
                new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t =
                new Thread(
                        () -> {
                            while (!socket.isClosed()) {
                                try (java.net.Socket conn = socket.accept()) {
                                    java.io.BufferedInputStream in =
                                            new java.io.BufferedInputStream(conn.getInputStream());
                                    OutputStream out = conn.getOutputStream();
                                    while (true) {
                                        String amzDate = null;
                                        int length = 0;
                                        String line;
                                        boolean any = false;
                                        while ((line = readLine(in)) != null && !line.isEmpty()) {
                                            any = true;
                                            String lower = line.toLowerCase(java.util.Locale.ROOT);
                                            if (lower.startsWith("x-amz-date:")) {
                                                amzDate = line.substring(11).trim();
                                            } else if (lower.startsWith("content-length:")) {
                                                length =
                                                        Integer.parseInt(line.substring(15).trim());
                                            }
                                        }
                                        if (!any) {
                                            break;
                                        }
                                        in.readNBytes(length);
                                        String[] r =
                                                answer.apply(amzDate); // status line, Date, body
                                        byte[] body = r[2].getBytes(StandardCharsets.UTF_8);
                                        out.write(
                                                (r[0]
                                                                + "\r\nDate: "
                                                                + r[1]
                                                                + "\r\nContent-Type: application/x-amz-json-1.0\r\n"
                                                                + "Content-Length: "
                                                                + body.length
                                                                + "\r\n\r\n")
                                                        .getBytes(StandardCharsets.UTF_8));
                                        out.write(body);
                                        out.flush();
                                    }
                                } catch (java.io.IOException e) {
                                    // closed
                                }
                            }
                        });
        t.setDaemon(true);
        t.start();
        return socket;
    }

    private static String readLine(java.io.InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                return b.toString().replace("\r", "");
            }
            b.append((char) c);
        }
        return b.length() == 0 ? null : b.toString();
    }

    @Test
    void aRequestRefusedForClockSkewIsSignedAgainWithTheServicesTime() throws Exception {
        long serverAhead = 20 * 60_000L; // the service's clock is 20 minutes ahead of ours
        AtomicInteger refused = new AtomicInteger();
        DateTimeFormatter amzDate =
                DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
        try (java.net.ServerSocket raw =
                        rawServer(
                                signedAt -> {
                                    long serverNow = System.currentTimeMillis() + serverAhead;
                                    long signed =
                                            ZonedDateTime.parse(signedAt, amzDate)
                                                    .toInstant()
                                                    .toEpochMilli();
                                    String date =
                                            DateTimeFormatter.RFC_1123_DATE_TIME.format(
                                                    Instant.ofEpochMilli(serverNow)
                                                            .atZone(ZoneOffset.UTC));
                                    if (Math.abs(serverNow - signed) > 5 * 60_000L) {
                                        refused.incrementAndGet();
                                        return new String[] {
                                            "HTTP/1.1 400 Bad Request",
                                            date,
                                            "{\"__type\":\"com.amazon.coral.service#InvalidSignatureException\",\"message\":\"Signature expired: "
                                                    + signedAt
                                                    + " is now earlier than ...\"}"
                                        };
                                    }
                                    return new String[] {
                                        "HTTP/1.1 200 OK", date, "{\"ShardIterator\":\"it-1\"}"
                                    };
                                });
                AwsJsonClient c =
                        client(URI.create("http://127.0.0.1:" + raw.getLocalPort()), KEYS)) {
            byte[] answer = c.call("GetShardIterator", "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(answer, StandardCharsets.UTF_8))
                    .isEqualTo("{\"ShardIterator\":\"it-1\"}");
            assertThat(refused.get())
                    .as("refused once, then signed with the service's time")
                    .isEqualTo(1);
            c.call("GetShardIterator", "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(refused.get()).as("the correction is kept").isEqualTo(1);
        }
    }

    @Test
    void closingTheClientClosesItsCredentialsProvider() {
        AtomicInteger closed = new AtomicInteger();
        class Closable implements AwsCredentialsProvider, SdkAutoCloseable {
            @Override
            public AwsCredentials resolveCredentials() {
                return AwsBasicCredentials.create("a", "b");
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        }
        AwsJsonClient c = client(URI.create("http://127.0.0.1:9"), new Closable());
        c.close();
        assertThat(closed.get()).isEqualTo(1);
    }
}

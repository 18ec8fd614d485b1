package io.streamsync.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP proxy in front of the DynamoDB endpoint (moto in tests) (127.0.0.1 only) that injects faults into the writes of the
 * aggregate table: a share of PutItem calls answered with a ThrottlingException (HTTP 400, as DynamoDB
 * does), and an outage mode in which every PutItem gets HTTP 503. Everything else (the stream reads, the
 * test's own scans) passes through.
 */
public final class FaultyDynamoDbProxy implements AutoCloseable {
    static {
        // The JDK's HttpServer leaves Nagle's algorithm on: its separate header and body writes then wait for the
        // client's delayed ACK, about 40 ms per request (measured: 49 ms per UpdateItem through the proxy against
        // 4 ms direct; 6 ms with this). Read once, when the first HttpServer of the JVM is created.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final java.util.regex.Pattern SCAN_COUNT = java.util.regex.Pattern.compile("\"Count\"\\s*:\\s*(\\d+)");
    private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade");

    private final HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI target;
    private final Random random = new Random(11);
    private volatile double throttleShare;
    private volatile boolean outage;
    public final AtomicLong throttled = new AtomicLong();
    public final AtomicLong refused = new AtomicLong();
    public final AtomicLong putItems = new AtomicLong();
    public final AtomicLong updateItems = new AtomicLong();
    public final AtomicLong scans = new AtomicLong();
    public final AtomicLong scansThrottled = new AtomicLong();
    /** Items returned by all Scan calls (their "Count"): more than the table holds means pages read again. */
    public final AtomicLong scannedItems = new AtomicLong();
    private volatile double scanThrottleShare;

    public FaultyDynamoDbProxy(URI target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public void throttle(double share) {
        this.throttleShare = share;
    }

    /** Refuses this share of Scan calls with a ThrottlingException. */
    public void throttleScans(double share) {
        this.scanThrottleShare = share;
    }

    public void outage(boolean on) {
        this.outage = on;
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            String operation = ex.getRequestHeaders().getFirst("X-Amz-Target");
            if (operation != null && operation.endsWith(".PutItem")) {
                putItems.incrementAndGet();
                if (outage) {
                    refused.incrementAndGet();
                    reply(ex, 503, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ServiceUnavailableException\","
                            + "\"message\":\"injected outage\"}");
                    return;
                }
                if (throttled(ex, throttleShare, throttled)) {
                    return;
                }
            }
            if (operation != null && operation.endsWith(".UpdateItem")) {
                updateItems.incrementAndGet();
            }
            boolean scan = operation != null && operation.endsWith(".Scan");
            if (scan) {
                scans.incrementAndGet();
                if (throttled(ex, scanThrottleShare, scansThrottled)) {
                    return;
                }
            }
            HttpRequest.Builder req = HttpRequest.newBuilder(target.resolve(ex.getRequestURI()))
                    .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            ex.getRequestHeaders().forEach((name, values) -> {
                if (!RESTRICTED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(v -> req.header(name, v));
                }
            });
            HttpResponse<byte[]> resp = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            resp.headers().map().forEach((name, values) -> {
                if (!RESTRICTED.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
                    ex.getResponseHeaders().put(name, values);
                }
            });
            if (scan && resp.statusCode() == 200) {
                java.util.regex.Matcher m = SCAN_COUNT.matcher(new String(resp.body(), StandardCharsets.UTF_8));
                if (m.find()) {
                    scannedItems.addAndGet(Long.parseLong(m.group(1)));
                }
            }
            ex.sendResponseHeaders(resp.statusCode(), resp.body().length == 0 ? -1 : resp.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(resp.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.close();
        } catch (IOException e) {
            ex.close();
        }
    }

    /** Answers with a ThrottlingException for this share of calls; true when it did. */
    private boolean throttled(HttpExchange ex, double share, AtomicLong counter) throws IOException {
        boolean throttle;
        synchronized (random) {
            throttle = random.nextDouble() < share;
        }
        if (throttle) {
            counter.incrementAndGet();
            reply(ex, 400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\","
                    + "\"message\":\"injected throttling\"}");
        }
        return throttle;
    }

    private static void reply(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

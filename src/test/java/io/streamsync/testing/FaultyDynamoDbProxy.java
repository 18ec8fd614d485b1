package io.streamsync.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP proxy in front of the DynamoDB endpoint (moto in tests) (127.0.0.1 only) that injects
 * faults into the writes of the aggregate table: a share of PutItem calls answered with a
 * ThrottlingException (HTTP 400, as DynamoDB does), and an outage mode in which every PutItem gets
 * HTTP 503. Everything else (the stream reads, the test's own scans) passes through.
 */
public final class FaultyDynamoDbProxy extends ForwardingProxy {
    private static final java.util.regex.Pattern SCAN_COUNT =
            java.util.regex.Pattern.compile("\"Count\"\\s*:\\s*(\\d+)");

    private final Random random = new Random(11);
    private volatile double throttleShare;
    private volatile boolean outage;
    public final AtomicLong throttled = new AtomicLong();
    public final AtomicLong refused = new AtomicLong();
    public final AtomicLong putItems = new AtomicLong();
    public final AtomicLong updateItems = new AtomicLong();
    public final AtomicLong scans = new AtomicLong();
    public final AtomicLong scansThrottled = new AtomicLong();

    /**
     * Items returned by all Scan calls (their "Count"): more than the table holds means pages read
     * again.
     */
    public final AtomicLong scannedItems = new AtomicLong();

    private volatile double scanThrottleShare;

    public FaultyDynamoDbProxy(URI target) throws IOException {
        super(target, 16);
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

    private volatile String outageFor;

    /**
     * An outage of the PutItems whose body holds {@code text} (one list's row), 503 like {@link
     * #outage}; null ends it. The other writes go through.
     */
    public void outageFor(String text) {
        this.outageFor = text;
    }

    @Override
    protected boolean intercept(HttpExchange ex, byte[] body) throws IOException {
        String operation = ex.getRequestHeaders().getFirst("X-Amz-Target");
        if (operation != null && operation.endsWith(".PutItem")) {
            putItems.incrementAndGet();
            String only = outageFor;
            if (outage
                    || (only != null && new String(body, StandardCharsets.UTF_8).contains(only))) {
                refused.incrementAndGet();
                reply(
                        ex,
                        503,
                        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ServiceUnavailableException\","
                                + "\"message\":\"injected outage\"}");
                return true;
            }
            if (throttled(ex, throttleShare, throttled)) {
                return true;
            }
        }
        if (operation != null && operation.endsWith(".UpdateItem")) {
            updateItems.incrementAndGet();
        }
        if (operation != null && operation.endsWith(".Scan")) {
            scans.incrementAndGet();
            return throttled(ex, scanThrottleShare, scansThrottled);
        }
        return false;
    }

    @Override
    protected void observe(HttpExchange ex, byte[] body, HttpResponse<byte[]> resp) {
        String operation = ex.getRequestHeaders().getFirst("X-Amz-Target");
        if (operation != null && operation.endsWith(".Scan") && resp.statusCode() == 200) {
            java.util.regex.Matcher m =
                    SCAN_COUNT.matcher(new String(resp.body(), StandardCharsets.UTF_8));
            if (m.find()) {
                scannedItems.addAndGet(Long.parseLong(m.group(1)));
            }
        }
    }

    /** Answers with a ThrottlingException for this share of calls; true when it did. */
    private boolean throttled(HttpExchange ex, double share, AtomicLong counter)
            throws IOException {
        boolean throttle;
        synchronized (random) {
            throttle = random.nextDouble() < share;
        }
        if (throttle) {
            counter.incrementAndGet();
            reply(
                    ex,
                    400,
                    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\","
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
}

package io.streamsync.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A proxy in front of moto that plays a stream whose retention has passed: while {@link
 * #trim(boolean)} is on, GetShardIterator AFTER_SEQUENCE_NUMBER (a job resuming from its
 * checkpointed position) is answered with DynamoDB Streams' TrimmedDataAccessException (HTTP 400),
 * as for a position older than the 24 h the stream keeps. moto itself never trims. Everything else
 * passes through.
 */
public final class TrimmingStreamsProxy extends ForwardingProxy {
    private volatile boolean trim;
    public final AtomicLong refused = new AtomicLong();

    public TrimmingStreamsProxy(URI target) throws IOException {
        super(target, 16);
    }

    public void trim(boolean on) {
        this.trim = on;
    }

    @Override
    protected boolean intercept(HttpExchange ex, byte[] body) throws IOException {
        String operation = ex.getRequestHeaders().getFirst("X-Amz-Target");
        if (trim
                && "DynamoDBStreams_20120810.GetShardIterator".equals(operation)
                && new String(body, StandardCharsets.UTF_8).contains("AFTER_SEQUENCE_NUMBER")) {
            refused.incrementAndGet();
            byte[] answer =
                    ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException\","
                                    + "\"message\":\"The operation attempted to read past the oldest stream record in a shard.\"}")
                            .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
            ex.sendResponseHeaders(400, answer.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(answer);
            }
            return true;
        }
        return false;
    }
}

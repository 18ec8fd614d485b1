package io.streamsync.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A DynamoDB Streams API on 127.0.0.1 that answers as fast as it can, for the source benchmark:
 * DescribeStream (all shards open, one page), GetShardIterator (any type: the shard's start, or
 * after a sequence number) and GetRecords (up to Limit records, 1000 at most, and 1 MB, as DynamoDB
 * Streams answers, of {@code recordsPerShard} per shard, then empty answers). The records are the
 * pipeline benchmark's MODIFY records with both images (about 3.1 KB, {@link
 * PipelineThroughput.ToRecord}): every record a new task with its own sequence number, in the JSON
 * shape DynamoDB Streams' GetRecords returns. Rendering a record is a few array copies of a
 * pre-encoded template; the server's threads' CPU time is measured ({@link #cpuNanos()}) so that it
 * can be subtracted.
 */
final class LoopbackStreamServer implements AutoCloseable {
    private static final Pattern ITERATOR =
            Pattern.compile("\"ShardIterator\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern LIMIT = Pattern.compile("\"Limit\"\\s*:\\s*(\\d+)");
    private static final Pattern SHARD = Pattern.compile("\"ShardId\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern SEQUENCE =
            Pattern.compile("\"SequenceNumber\"\\s*:\\s*\"(\\d+)\"");

    /** A GetRecords answer of DynamoDB Streams holds up to 1,000 records or 1 MB. */
    static final int MAX_ANSWER_BYTES = 1 << 20;

    private final HttpServer server;
    private final ExecutorService pool;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final int shards;
    private final long recordsPerShard;
    private final PipelineThroughput.ToRecord records;
    final AtomicLong served = new AtomicLong();
    final AtomicLong getRecordsCalls = new AtomicLong();
    final String streamArn =
            "arn:aws:dynamodb:us-east-1:123456789012:table/todoListTask/stream/2024-01-01T00:00:00.000";

    LoopbackStreamServer(int shards, long recordsPerShard, int keys) throws IOException {
        this.shards = shards;
        this.recordsPerShard = recordsPerShard;
        this.records = new PipelineThroughput.ToRecord(keys);
        records.map(0L); // builds the templates
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        pool =
                Executors.newFixedThreadPool(
                        Math.max(4, shards),
                        r -> {
                            Thread t = new Thread(r, "loopback-stream-" + threads.size());
                            t.setDaemon(true);
                            threads.add(t);
                            return t;
                        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** CPU time the server's threads have used. */
    long cpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : threads) {
            long n = mx.getThreadCpuTime(t.getId());
            sum += Math.max(0, n);
        }
        return sum;
    }

    private static String shardId(int s) {
        return String.format("shardId-00000001700000000000-%08d", s);
    }

    /**
     * Sequence numbers: shard s, record i is 100000000000000000 + s * recordsPerShard + i (unique,
     * ordered per shard).
     */
    private long globalIndex(int shard, long i) {
        return shard * recordsPerShard + i;
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
        String request = new String(body, StandardCharsets.UTF_8);
        String op = target == null ? "" : target.substring(target.indexOf('.') + 1);
        byte[] answer;
        switch (op) {
            case "DescribeStream":
                {
                    StringBuilder sb =
                            new StringBuilder("{\"StreamDescription\":{\"StreamArn\":\"")
                                    .append(streamArn)
                                    .append(
                                            "\",\"StreamStatus\":\"ENABLED\",\"StreamViewType\":\"NEW_AND_OLD_IMAGES\",\"TableName\":\"todoListTask\",")
                                    .append(
                                            "\"KeySchema\":[{\"AttributeName\":\"listId\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"taskId\",\"KeyType\":\"RANGE\"}],")
                                    .append("\"Shards\":[");
                    for (int s = 0; s < shards; s++) {
                        sb.append(s == 0 ? "" : ",")
                                .append("{\"ShardId\":\"")
                                .append(shardId(s))
                                .append("\",\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"")
                                .append(100000000000000000L + globalIndex(s, 0))
                                .append("\"}}");
                    }
                    answer = sb.append("]}}").toString().getBytes(StandardCharsets.UTF_8);
                    break;
                }
            case "GetShardIterator":
                {
                    Matcher m = SHARD.matcher(request);
                    m.find();
                    String shard = m.group(1);
                    int s = Integer.parseInt(shard.substring(shard.lastIndexOf('-') + 1));
                    long at = 0;
                    Matcher seq = SEQUENCE.matcher(request);
                    if (seq.find()) {
                        at =
                                Long.parseLong(seq.group(1))
                                        - 100000000000000000L
                                        - globalIndex(s, 0)
                                        + 1;
                    }
                    answer =
                            ("{\"ShardIterator\":\"" + s + "|" + at + "\"}")
                                    .getBytes(StandardCharsets.UTF_8);
                    break;
                }
            case "GetRecords":
                {
                    Matcher it = ITERATOR.matcher(request);
                    it.find();
                    String[] parts = it.group(1).split("\\|");
                    int s = Integer.parseInt(parts[0]);
                    long from = Long.parseLong(parts[1]);
                    Matcher lim = LIMIT.matcher(request);
                    int limit = lim.find() ? Math.min(1000, Integer.parseInt(lim.group(1))) : 1000;
                    long end = Math.min(recordsPerShard, from + limit);
                    ByteArrayOutputStream out =
                            new ByteArrayOutputStream(MAX_ANSWER_BYTES + 64 * 1024);
                    out.write("{\"Records\":[".getBytes(StandardCharsets.UTF_8));
                    long to = from;
                    while (to < end) {
                        byte[] record = records.map(globalIndex(s, to)).data;
                        if (to > from && out.size() + record.length + 100 > MAX_ANSWER_BYTES) {
                            break; // DynamoDB Streams answers at most 1 MB per GetRecords
                        }
                        if (to > from) {
                            out.write(',');
                        }
                        out.write(record);
                        to++;
                    }
                    out.write(
                            ("],\"NextShardIterator\":\"" + s + "|" + to + "\"}")
                                    .getBytes(StandardCharsets.UTF_8));
                    answer = out.toByteArray();
                    served.addAndGet(to - from);
                    getRecordsCalls.incrementAndGet();
                    break;
                }
            default:
                answer =
                        ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#UnknownOperationException\",\"message\":\""
                                        + op
                                        + "\"}")
                                .getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
                ex.sendResponseHeaders(400, answer.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(answer);
                }
                return;
        }
        ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        ex.getResponseHeaders().set("x-amzn-RequestId", "bench");
        ex.sendResponseHeaders(200, answer.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(answer);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}

package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The front server of tests on the {@link StreamsModel}: one endpoint on 127.0.0.1 for DynamoDB and
 * DynamoDB Streams, as moto has. DynamoDB calls (and Streams calls for streams no model serves) go
 * on to the target (moto); DescribeStream, GetShardIterator and GetRecords of a modelled stream are
 * answered by its model in the service's JSON and error shapes (HTTP 400 with {@code __type} {@code
 * com.amazonaws.dynamodb.v20120810#Type}). A job's {@code aws.endpoint} points here: its table
 * calls reach moto, its stream reads the model.
 *
 * <p>{@link #tail} fills a model from moto's own stream of a table: a bare reader (the SDK, no code
 * of the job) follows moto's single shard from TRIM_HORIZON and appends each record, rendered as
 * DynamoDB Streams delivers it, with its own sequence number, to the model's shard open at that
 * moment for the record's partition key.
 */
public final class StreamsModelServer extends ForwardingProxy {
    /** A GetRecords answer holds at most 1 MB. */
    static final int MAX_ANSWER_BYTES = 1 << 20;

    private static final String PREFIX = "DynamoDBStreams_20120810.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, StreamsModel> models = new ConcurrentHashMap<>();
    private final Map<String, Thread> tailers = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    public final AtomicLong answered = new AtomicLong();

    public StreamsModelServer(URI target) throws IOException {
        super(target, 16);
    }

    /** Serves {@code model}'s stream from now on. */
    public StreamsModel serve(StreamsModel model) {
        models.put(model.streamArn, model);
        return model;
    }

    /**
     * Follows moto's stream {@code streamArn} (one shard that never closes) with {@code streams}
     * and appends every record to {@code model}, keyed by the table's partition key attribute
     * {@code partitionKey}.
     */
    public void tail(StreamsModel model, DynamoDbStreamsClient streams, String partitionKey) {
        Thread t =
                new Thread(
                        () -> {
                            String shard =
                                    streams.describeStream(b -> b.streamArn(model.streamArn))
                                            .streamDescription()
                                            .shards()
                                            .get(0)
                                            .shardId();
                            String iterator =
                                    streams.getShardIterator(
                                                    b ->
                                                            b.streamArn(model.streamArn)
                                                                    .shardId(shard)
                                                                    .shardIteratorType(
                                                                            ShardIteratorType
                                                                                    .TRIM_HORIZON))
                                            .shardIterator();
                            Follower follower = new Follower(model, partitionKey);
                            while (running && iterator != null) {
                                try {
                                    String it = iterator;
                                    GetRecordsResponse r =
                                            streams.getRecords(
                                                    b -> b.shardIterator(it).limit(1000));
                                    follower.accept(r.records());
                                    iterator = r.nextShardIterator();
                                    if (r.records().isEmpty()) {
                                        Thread.sleep(20); // moto at its head: poll again soon
                                    }
                                } catch (InterruptedException e) {
                                    return;
                                } catch (RuntimeException e) {
                                    if (!running) {
                                        return;
                                    }
                                    try {
                                        Thread.sleep(
                                                100); // moto busy: the same iterator again (moto's
                                        // never expire)
                                    } catch (InterruptedException ie) {
                                        return;
                                    }
                                }
                            }
                        },
                        "streams-model-tail");
        t.setDaemon(true);
        tailers.put(model.streamArn, t);
        t.start();
    }

    /**
     * Appends the records of moto's shard to a model, each once and with a sequence number that
     * grows. Moto's {@code StreamShard.add} reads {@code len(items)} for a record's number before
     * it appends the record, so two writes at one moment can share a number, which a shard of AWS
     * never holds: the later record takes the next number (in its JSON too). Moto's next iterator
     * after a page is "after the page's highest number", so after a shared number it gives the
     * later record again, and a page is read again from the same iterator after a failure in its
     * middle: a record already appended (by its eventID, which moto draws at random for each
     * record) is not appended again.
     */
    static final class Follower {
        /** More than any page holds: a record can come again only in the page after its own. */
        private static final int REMEMBERED = 10_000;

        private final StreamsModel model;
        private final String partitionKey;
        private final Set<String> appended = new LinkedHashSet<>();
        private BigInteger last = BigInteger.valueOf(-1);

        Follower(StreamsModel model, String partitionKey) {
            this.model = model;
            this.partitionKey = partitionKey;
        }

        /** A page moto answered, in order. */
        void accept(List<Record> page) {
            for (Record record : page) {
                if (appended.contains(record.eventID())) {
                    continue;
                }
                String key = record.dynamodb().keys().get(partitionKey).toString();
                BigInteger seq = new BigInteger(record.dynamodb().sequenceNumber());
                if (seq.compareTo(last) <= 0) {
                    seq = last.add(BigInteger.ONE);
                    record =
                            record.toBuilder()
                                    .dynamodb(
                                            record.dynamodb().toBuilder()
                                                    .sequenceNumber(seq.toString())
                                                    .build())
                                    .build();
                }
                model.append(
                        key,
                        seq.toString(),
                        StreamCapture.render(record).getBytes(StandardCharsets.UTF_8));
                last = seq;
                appended.add(record.eventID());
                if (appended.size() > REMEMBERED) {
                    appended.remove(appended.iterator().next());
                }
            }
        }
    }

    @Override
    protected boolean intercept(HttpExchange ex, byte[] body) throws IOException {
        String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
        if (target == null || !target.startsWith(PREFIX)) {
            return false;
        }
        String operation = target.substring(PREFIX.length());
        JsonNode request = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        try {
            switch (operation) {
                case "DescribeStream":
                    {
                        StreamsModel model = models.get(request.path("StreamArn").asText());
                        if (model == null) {
                            return false;
                        }
                        JsonNode filter = request.path("ShardFilter");
                        String childrenOf =
                                "CHILD_SHARDS".equals(filter.path("Type").asText(null))
                                        ? filter.path("ShardId").asText(null)
                                        : null;
                        StreamsModel.Page page =
                                model.describe(
                                        request.path("Limit").asInt(0),
                                        request.path("ExclusiveStartShardId").asText(null),
                                        childrenOf);
                        reply(ex, 200, describeAnswer(model, page));
                        return true;
                    }
                case "GetShardIterator":
                    {
                        StreamsModel model = models.get(request.path("StreamArn").asText());
                        if (model == null) {
                            return false;
                        }
                        String it =
                                model.iterator(
                                        request.path("ShardId").asText(),
                                        request.path("ShardIteratorType").asText(),
                                        request.path("SequenceNumber").asText(null));
                        ObjectNode answer = JSON.createObjectNode().put("ShardIterator", it);
                        reply(ex, 200, JSON.writeValueAsBytes(answer));
                        return true;
                    }
                case "GetRecords":
                    {
                        String it = request.path("ShardIterator").asText(null);
                        if (it == null) {
                            throw new StreamsModel.ServiceError(
                                    "ValidationException", "ShardIterator is required");
                        }
                        if (!StreamsModel.isModelIterator(it)) {
                            return false;
                        }
                        StreamsModel model = modelOf(it);
                        if (model == null) {
                            throw new StreamsModel.ServiceError(
                                    "ResourceNotFoundException", "no stream for this iterator");
                        }
                        reply(
                                ex,
                                200,
                                recordsAnswer(model.records(it, request.path("Limit").asInt(0))));
                        return true;
                    }
                default:
                    return false;
            }
        } catch (StreamsModel.ServiceError e) {
            ObjectNode error =
                    JSON.createObjectNode()
                            .put("__type", "com.amazonaws.dynamodb.v20120810#" + e.type)
                            .put("message", e.getMessage());
            reply(ex, 400, JSON.writeValueAsBytes(error));
            return true;
        } catch (RuntimeException | Error e) {
            ObjectNode error =
                    JSON.createObjectNode()
                            .put("__type", "com.amazonaws.dynamodb.v20120810#InternalServerError")
                            .put("message", "model: " + e);
            reply(ex, 500, JSON.writeValueAsBytes(error));
            return true;
        }
    }

    private StreamsModel modelOf(String iterator) {
        String shard = iterator.split("\\|")[1];
        for (StreamsModel m : models.values()) {
            if (m.shardIds().contains(shard)) {
                return m;
            }
        }
        return null;
    }

    private static byte[] describeAnswer(StreamsModel model, StreamsModel.Page page)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode d = root.putObject("StreamDescription");
        d.put("StreamArn", model.streamArn);
        d.put("StreamLabel", model.streamArn.substring(model.streamArn.lastIndexOf('/') + 1));
        d.put("StreamStatus", "ENABLED");
        d.put("StreamViewType", "NEW_AND_OLD_IMAGES");
        String table = model.streamArn.replaceAll(".*:table/([^/]+)/stream/.*", "$1");
        d.put("TableName", table);
        ArrayNode keys = d.putArray("KeySchema");
        keys.addObject().put("AttributeName", "listId").put("KeyType", "HASH");
        keys.addObject().put("AttributeName", "taskId").put("KeyType", "RANGE");
        ArrayNode shards = d.putArray("Shards");
        for (StreamsModel.Listed s : page.shards) {
            ObjectNode o = shards.addObject();
            o.put("ShardId", s.shardId);
            if (s.parentShardId != null) {
                o.put("ParentShardId", s.parentShardId);
            }
            ObjectNode range = o.putObject("SequenceNumberRange");
            range.put("StartingSequenceNumber", s.startingSequenceNumber);
            if (s.endingSequenceNumber != null) {
                range.put("EndingSequenceNumber", s.endingSequenceNumber);
            }
        }
        if (page.lastEvaluatedShardId != null) {
            d.put("LastEvaluatedShardId", page.lastEvaluatedShardId);
        }
        return JSON.writeValueAsBytes(root);
    }

    private static byte[] recordsAnswer(StreamsModel.Records r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write("{\"Records\":[".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < r.records.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(r.records.get(i));
        }
        out.write(']');
        if (r.nextShardIterator != null) {
            out.write(
                    (",\"NextShardIterator\":" + JSON.writeValueAsString(r.nextShardIterator))
                            .getBytes(StandardCharsets.UTF_8));
        }
        out.write('}');
        return out.toByteArray();
    }

    private void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        answered.incrementAndGet();
        ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        ex.getResponseHeaders().set("x-amzn-RequestId", "model-" + answered.get());
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
        }
    }

    @Override
    public void close() {
        running = false;
        tailers.values().forEach(Thread::interrupt);
        for (Thread t : tailers.values()) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        super.close();
    }
}

package io.streamsync.source.stream;

import io.streamsync.source.RawRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * DynamoDB Streams: DescribeStream (paged by ExclusiveStartShardId), GetShardIterator, GetRecords.
 * A record of a GetRecords answer is handed on as the bytes it has in the answer: exactly the shape
 * the parser reads.
 */
public final class DynamoDbStreamsApi implements ShardStream {
    /** GetRecords returns at most 1000 records per call. */
    public static final int MAX_LIMIT = 1000;

    private final AwsJsonClient client;
    private final String streamArn;

    public DynamoDbStreamsApi(AwsJsonClient client, String streamArn) {
        this.client = client;
        this.streamArn = streamArn;
    }

    @Override
    public List<ListedShard> listShards() throws StreamApiException {
        List<ListedShard> shards = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String after = null;
        do {
            byte[] answer =
                    client.call(
                            "DescribeStream",
                            JsonBodies.object(
                                    "StreamArn",
                                    streamArn,
                                    "Limit",
                                    100,
                                    "ExclusiveStartShardId",
                                    after));
            String last =
                    AnswerParsing.shardPage(
                            "DescribeStream",
                            answer,
                            "StreamDescription",
                            "LastEvaluatedShardId",
                            shards);
            after = last != null && seen.add(last) ? last : null;
        } while (after != null);
        return shards;
    }

    @Override
    public List<ListedShard> childShards(String shardId) throws StreamApiException {
        byte[] request = childShardsRequest(streamArn, shardId);
        List<ListedShard> shards = new ArrayList<>();
        AnswerParsing.shardPage(
                "DescribeStream",
                client.call("DescribeStream", request),
                "StreamDescription",
                "LastEvaluatedShardId",
                shards);
        shards.removeIf(s -> !s.parents.contains(shardId));
        return shards;
    }

    /** DescribeStream of the shards whose parent is {@code shardId} (ShardFilter CHILD_SHARDS). */
    static byte[] childShardsRequest(String streamArn, String shardId) {
        return JsonBodies.withObject(
                JsonBodies.object("StreamArn", streamArn, "Limit", 100),
                "ShardFilter",
                JsonBodies.object("Type", "CHILD_SHARDS", "ShardId", shardId));
    }

    @Override
    public boolean supportsAtTimestamp() {
        return false;
    }

    @Override
    public String shardIterator(String shardId, StartPosition position) throws StreamApiException {
        String sequence = null;
        if (position.type == StartPosition.Type.AFTER_SEQUENCE_NUMBER) {
            sequence = position.sequenceNumber;
        } else if (position.type == StartPosition.Type.AT_TIMESTAMP) {
            throw new IllegalArgumentException("DynamoDB Streams cannot start " + position);
        }
        return AnswerParsing.shardIterator(
                client.call(
                        "GetShardIterator",
                        JsonBodies.object(
                                "StreamArn",
                                streamArn,
                                "ShardId",
                                shardId,
                                "ShardIteratorType",
                                position.type.name(),
                                "SequenceNumber",
                                sequence)));
    }

    @Override
    public RecordBatch getRecords(String shardId, String iterator, int limit)
            throws StreamApiException {
        byte[] answer =
                client.call(
                        "GetRecords", JsonBodies.object("ShardIterator", iterator, "Limit", limit));
        try {
            return parseGetRecords(answer, shardId);
        } catch (IOException e) {
            throw AnswerParsing.malformed("GetRecords", e);
        }
    }

    /**
     * Splits a GetRecords answer into its records' bytes; reads each record's sequence number and
     * creation time.
     */
    static RecordBatch parseGetRecords(byte[] answer, String shardId) throws IOException {
        return AnswerParsing.getRecords(answer, shardId, DynamoDbStreamsApi::record);
    }

    private static RawRecord record(AnswerScanner s, byte[] answer, String shardId)
            throws IOException {
        s.peek();
        int start = s.position();
        String[] sequence = {null};
        long[] created = {-1L};
        s.object(
                name -> {
                    if ("dynamodb".equals(name) && s.peek() == '{') {
                        s.object(
                                field -> {
                                    if ("SequenceNumber".equals(field)) {
                                        sequence[0] = s.stringOrNull();
                                    } else if ("ApproximateCreationDateTime".equals(field)) {
                                        created[0] = s.epochSecondsAsMillis();
                                    } else {
                                        s.skipValue();
                                    }
                                });
                    } else {
                        s.skipValue();
                    }
                });
        // a record without a sequence number goes on to the parse operator, which makes it a dead
        // letter
        return new RawRecord(
                Arrays.copyOfRange(answer, start, s.position()), shardId, sequence[0], created[0]);
    }

    @Override
    public int maxRecordsPerCall() {
        return MAX_LIMIT;
    }

    @Override
    public String describe() {
        return "DynamoDB stream " + streamArn;
    }

    @Override
    public void close() {
        client.close();
    }
}

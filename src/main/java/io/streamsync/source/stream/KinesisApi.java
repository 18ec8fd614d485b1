package io.streamsync.source.stream;

import io.streamsync.source.RawRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Kinesis Data Streams (the stream a table's changes go to with Kinesis Data Streams for DynamoDB):
 * ListShards (paged by NextToken), GetShardIterator, GetRecords. A record's Data is the DynamoDB
 * change record's JSON; it is base64-decoded straight into the bytes the parser reads.
 */
public final class KinesisApi implements ShardStream {
    /** GetRecords returns at most 10000 records per call. */
    public static final int MAX_LIMIT = 10_000;

    private final AwsJsonClient client;

    /** A stream name, or a stream ARN. */
    private final String stream;

    private final String streamField;

    public KinesisApi(AwsJsonClient client, String stream) {
        this.client = client;
        this.stream = stream;
        this.streamField = stream.startsWith("arn:") ? "StreamARN" : "StreamName";
    }

    @Override
    public List<ListedShard> listShards() throws StreamApiException {
        List<ListedShard> shards = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String token = null;
        do {
            byte[] body =
                    token == null
                            ? JsonBodies.object(streamField, stream, "MaxResults", 1000)
                            : JsonBodies.object("NextToken", token, "MaxResults", 1000);
            String next =
                    AnswerParsing.shardPage(
                            "ListShards",
                            client.call("ListShards", body),
                            null,
                            "NextToken",
                            shards);
            token = next != null && seen.add(next) ? next : null;
        } while (token != null);
        return shards;
    }

    @Override
    public String shardIterator(String shardId, StartPosition position) throws StreamApiException {
        String sequence =
                position.type == StartPosition.Type.AFTER_SEQUENCE_NUMBER
                        ? position.sequenceNumber
                        : null;
        BigDecimal timestamp =
                position.type == StartPosition.Type.AT_TIMESTAMP
                        ? BigDecimal.valueOf(position.timestampMillis).movePointLeft(3)
                        : null;
        return AnswerParsing.shardIterator(
                client.call(
                        "GetShardIterator",
                        JsonBodies.object(
                                streamField,
                                stream,
                                "ShardId",
                                shardId,
                                "ShardIteratorType",
                                position.type.name(),
                                "StartingSequenceNumber",
                                sequence,
                                "Timestamp",
                                timestamp)));
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

    static RecordBatch parseGetRecords(byte[] answer, String shardId) throws IOException {
        return AnswerParsing.getRecords(answer, shardId, KinesisApi::record);
    }

    private static RawRecord record(AnswerScanner s, byte[] answer, String shardId)
            throws IOException {
        byte[][] data = {null};
        String[] sequence = {null};
        long[] arrival = {-1L};
        boolean[] badData = {false};
        s.peek();
        int start = s.position();
        s.object(
                name -> {
                    if ("Data".equals(name)) {
                        int at = s.position();
                        try {
                            data[0] = s.base64Value();
                        } catch (IOException notBase64) {
                            badData[0] = true;
                            s.rewind(at);
                            s.skipValue();
                        }
                    } else if ("SequenceNumber".equals(name)) {
                        sequence[0] = s.stringOrNull();
                    } else if ("ApproximateArrivalTimestamp".equals(name)) {
                        arrival[0] = s.epochSecondsAsMillis();
                    } else {
                        s.skipValue();
                    }
                });
        if (sequence[0] == null || data[0] == null || badData[0]) {
            // not a change record we can read (no SequenceNumber, no Data, Data not base64): handed
            // on as the Kinesis
            // record's own bytes, which the parse operator makes a dead letter; failing the batch
            // would fail it again
            // after every restart. With its sequence number the position moves past it.
            return new RawRecord(
                    Arrays.copyOfRange(answer, start, s.position()),
                    shardId,
                    sequence[0],
                    arrival[0]);
        }
        return new RawRecord(data[0], shardId, sequence[0], arrival[0]);
    }

    @Override
    public int maxRecordsPerCall() {
        return MAX_LIMIT;
    }

    @Override
    public String describe() {
        return "Kinesis stream " + stream;
    }

    @Override
    public void close() {
        client.close();
    }
}

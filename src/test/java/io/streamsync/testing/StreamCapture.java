package io.streamsync.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.source.RawRecord;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Reads every record of a DynamoDB stream (all shards, from TRIM_HORIZON) and renders each in the
 * JSON shape DynamoDB Streams delivers, so tests can replay a real stream with injected duplicates
 * and reordering.
 */
public final class StreamCapture {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private StreamCapture() {}

    public static List<RawRecord> readAll(DynamoDbStreamsClient streams, String streamArn) {
        List<RawRecord> out = new ArrayList<>();
        records(
                streams,
                streamArn,
                (shardId, record) ->
                        out.add(
                                new RawRecord(
                                        render(record),
                                        shardId,
                                        record.dynamodb().sequenceNumber(),
                                        -1)));
        return out;
    }

    /**
     * Every record of the stream as the SDK returns it, shard by shard (moto has one), in stream
     * order.
     */
    public static void records(
            DynamoDbStreamsClient streams,
            String streamArn,
            java.util.function.BiConsumer<String, Record> each) {
        for (Shard shard :
                streams.describeStream(b -> b.streamArn(streamArn)).streamDescription().shards()) {
            String iterator =
                    streams.getShardIterator(
                                    b ->
                                            b.streamArn(streamArn)
                                                    .shardId(shard.shardId())
                                                    .shardIteratorType(
                                                            ShardIteratorType.TRIM_HORIZON))
                            .shardIterator();
            while (iterator != null) {
                String it = iterator;
                GetRecordsResponse r = streams.getRecords(b -> b.shardIterator(it).limit(1000));
                for (Record record : r.records()) {
                    each.accept(shard.shardId(), record);
                }
                if (r.records().isEmpty()) {
                    break; // an open shard: caught up
                }
                iterator = r.nextShardIterator();
            }
        }
    }

    static String render(Record r) {
        ObjectNode root = F.objectNode();
        root.put("eventID", r.eventID());
        root.put("eventName", r.eventNameAsString());
        root.put("eventVersion", r.eventVersion());
        root.put("eventSource", r.eventSource());
        root.put("awsRegion", r.awsRegion());
        StreamRecord s = r.dynamodb();
        ObjectNode ddb = root.putObject("dynamodb");
        ddb.put("ApproximateCreationDateTime", s.approximateCreationDateTime().getEpochSecond());
        ddb.set("Keys", map(s.keys()));
        if (s.hasNewImage()) {
            ddb.set("NewImage", map(s.newImage()));
        }
        if (s.hasOldImage()) {
            ddb.set("OldImage", map(s.oldImage()));
        }
        ddb.put("SequenceNumber", s.sequenceNumber());
        ddb.put("SizeBytes", s.sizeBytes());
        ddb.put("StreamViewType", s.streamViewTypeAsString());
        return root.toString();
    }

    private static ObjectNode map(Map<String, AttributeValue> m) {
        ObjectNode o = F.objectNode();
        m.forEach((k, v) -> o.set(k, value(v)));
        return o;
    }

    private static ObjectNode value(AttributeValue v) {
        ObjectNode o = F.objectNode();
        switch (v.type()) {
            case S:
                o.put("S", v.s());
                break;
            case N:
                o.put("N", v.n());
                break;
            case B:
                o.put("B", Base64.getEncoder().encodeToString(v.b().asByteArray()));
                break;
            case BOOL:
                o.put("BOOL", v.bool());
                break;
            case NUL:
                o.put("NULL", true);
                break;
            case M:
                o.set("M", map(v.m()));
                break;
            case L:
                {
                    ArrayNode a = o.putArray("L");
                    v.l().forEach(e -> a.add(value(e)));
                    break;
                }
            case SS:
                v.ss().forEach(o.putArray("SS")::add);
                break;
            case NS:
                v.ns().forEach(o.putArray("NS")::add);
                break;
            case BS:
                {
                    ArrayNode a = o.putArray("BS");
                    v.bs().forEach(b -> a.add(Base64.getEncoder().encodeToString(b.asByteArray())));
                    break;
                }
            default:
                throw new IllegalArgumentException("attribute type " + v.type());
        }
        return o;
    }
}

package io.streamsync.source.scan;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.change.ChangeRecordParser;
import io.streamsync.change.KeySchema;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Renders scanned items as change records in DynamoDB Streams' JSON shape, so that they take the
 * job's one parsing and conversion path: {@code eventName} INSERT, {@code eventSource} {@value
 * ChangeRecordParser#SCAN_EVENT_SOURCE} (parsed as a SNAPSHOT), {@code Keys} from the key schema,
 * the item as {@code NewImage}, sequence number 0. Also (de)serializes a scan's {@code
 * ExclusiveStartKey}, which is part of the scan's checkpointed position.
 */
public final class ScannedItems {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ScannedItems() {}

    /** The change record of one scanned item. */
    public static String changeRecord(
            Map<String, AttributeValue> item, KeySchema keys, String tableName, int segment) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("eventID", "scan-" + segment);
            g.writeStringField("eventName", "INSERT");
            g.writeStringField("eventSource", ChangeRecordParser.SCAN_EVENT_SOURCE);
            g.writeStringField("tableName", tableName);
            g.writeObjectFieldStart("dynamodb");
            g.writeObjectFieldStart("Keys");
            writeKey(g, item, keys.partitionKey());
            if (keys.sortKey() != null) {
                writeKey(g, item, keys.sortKey());
            }
            g.writeEndObject();
            g.writeFieldName("NewImage");
            writeMap(g, item);
            g.writeStringField("SequenceNumber", "0");
            g.writeStringField("StreamViewType", "NEW_IMAGE");
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void writeKey(JsonGenerator g, Map<String, AttributeValue> item, String name)
            throws IOException {
        AttributeValue v = item.get(name);
        if (v != null) { // a missing key attribute makes the record a dead letter, with the
            // parser's reason
            g.writeFieldName(name);
            write(g, v);
        }
    }

    /** An attribute map in DynamoDB JSON ({@code {"name":{"S":"x"},...}}). */
    public static String toJson(Map<String, AttributeValue> map) {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writeMap(g, map);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void writeMap(JsonGenerator g, Map<String, AttributeValue> map)
            throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, AttributeValue> e : map.entrySet()) {
            g.writeFieldName(e.getKey());
            write(g, e.getValue());
        }
        g.writeEndObject();
    }

    private static void write(JsonGenerator g, AttributeValue v) throws IOException {
        g.writeStartObject();
        switch (v.type()) {
            case S:
                g.writeStringField("S", v.s());
                break;
            case N:
                g.writeStringField("N", v.n()); // as text: exact, whatever its digits
                break;
            case B:
                g.writeStringField("B", base64(v.b()));
                break;
            case BOOL:
                g.writeBooleanField("BOOL", v.bool());
                break;
            case NUL:
                g.writeBooleanField("NULL", true);
                break;
            case SS:
                writeStrings(g, "SS", v.ss());
                break;
            case NS:
                writeStrings(g, "NS", v.ns());
                break;
            case BS:
                g.writeArrayFieldStart("BS");
                for (SdkBytes b : v.bs()) {
                    g.writeString(base64(b));
                }
                g.writeEndArray();
                break;
            case L:
                g.writeArrayFieldStart("L");
                for (AttributeValue e : v.l()) {
                    write(g, e);
                }
                g.writeEndArray();
                break;
            case M:
                g.writeFieldName("M");
                writeMap(g, v.m());
                break;
            default:
                throw new IllegalArgumentException(
                        "attribute of a type this SDK does not know: " + v);
        }
        g.writeEndObject();
    }

    private static void writeStrings(JsonGenerator g, String type, List<String> values)
            throws IOException {
        g.writeArrayFieldStart(type);
        for (String s : values) {
            g.writeString(s);
        }
        g.writeEndArray();
    }

    private static String base64(SdkBytes b) {
        return Base64.getEncoder().encodeToString(b.asByteArrayUnsafe());
    }

    /** Reads back a key written by {@link #toJson}: key attributes are S, N or B. */
    public static Map<String, AttributeValue> keyFromJson(String json) {
        try {
            JsonNode root = MAPPER.readTree(json);
            Map<String, AttributeValue> key = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.has("S")) {
                    key.put(e.getKey(), AttributeValue.fromS(v.get("S").textValue()));
                } else if (v.has("N")) {
                    key.put(e.getKey(), AttributeValue.fromN(v.get("N").textValue()));
                } else if (v.has("B")) {
                    key.put(
                            e.getKey(),
                            AttributeValue.fromB(
                                    SdkBytes.fromByteArray(
                                            Base64.getDecoder().decode(v.get("B").textValue()))));
                } else {
                    throw new IllegalArgumentException(
                            "key attribute '" + e.getKey() + "' is not S, N or B: " + v);
                }
            }
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

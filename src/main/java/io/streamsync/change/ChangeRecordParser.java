package io.streamsync.change;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Parses one DynamoDB change record (DynamoDB-JSON text, as delivered by DynamoDB Streams, Lambda or
 * Kinesis Data Streams for DynamoDB) into a {@link ChangeEvent}.
 *
 * <p>Tolerant of the shapes found in the wild: {@code ApproximateCreationDateTime} as integer seconds,
 * milliseconds or microseconds, a float, a string, or missing; missing {@code userIdentity},
 * {@code eventVersion} or {@code eventSourceARN}. A record without {@code eventName} is read as a MODIFY
 * when it carries a NewImage (the item exists with that image) and as a REMOVE when it carries only an
 * OldImage; otherwise it is rejected. Anything that cannot be read raises {@link InvalidRecordException}
 * with the reason. Not thread-safe: one instance per operator instance (it holds an ObjectMapper).
 */
public final class ChangeRecordParser {
    /** epoch seconds below this are seconds (year 5138); between this and {@link #MICROS_FROM} they are ms. */
    private static final BigDecimal MILLIS_FROM = BigDecimal.valueOf(100_000_000_000L);

    private static final BigDecimal MICROS_FROM = BigDecimal.valueOf(100_000_000_000_000L);
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

    /**
     * {@code eventSource} of the records the bootstrap scan makes from scanned items (DynamoDB's own records
     * say {@code aws:dynamodb}): they are parsed as {@link ChangeType#SNAPSHOT}.
     */
    public static final String SCAN_EVENT_SOURCE = "streamsync:table-scan";

    private final KeySchema keySchema;
    private final ObjectMapper mapper;

    public ChangeRecordParser(KeySchema keySchema) {
        this.keySchema = keySchema;
        this.mapper = newMapper();
    }

    /** The mapper settings the parser needs: floats and plain JSON numbers read and written exactly. */
    public static ObjectMapper newMapper() {
        ObjectMapper m = new ObjectMapper();
        m.setNodeFactory(DynamoJson.NODES);
        m.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        return m;
    }

    public ChangeEvent parse(String json) {
        return parse(readTree(json));
    }

    /** The record's JSON tree (numbers exact), or an InvalidRecordException with the reason. */
    public JsonNode readTree(String json) {
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidRecordException("malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRecordException("record is not a JSON object");
        }
        return root;
    }

    public ChangeEvent parse(JsonNode root) {
        JsonNode ddb = root.get("dynamodb");
        if (ddb == null || !ddb.isObject()) {
            throw new InvalidRecordException("record has no 'dynamodb' object");
        }
        ChangeEvent e = new ChangeEvent();
        e.eventId = text(root, "eventID");
        e.tableName = tableName(root);

        ObjectNode keys = DynamoJson.toPlainObject(ddb.get("Keys"), "dynamodb.Keys");
        JsonNode newImageRaw = ddb.get("NewImage");
        JsonNode oldImageRaw = ddb.get("OldImage");
        ObjectNode newImage = present(newImageRaw) ? DynamoJson.toPlainObject(newImageRaw, "dynamodb.NewImage") : null;
        ObjectNode oldImage = present(oldImageRaw) ? DynamoJson.toPlainObject(oldImageRaw, "dynamodb.OldImage") : null;

        e.type = changeType(text(root, "eventName"), newImage != null, oldImage != null);
        if (SCAN_EVENT_SOURCE.equals(text(root, "eventSource"))) {
            if (e.type != ChangeType.INSERT || newImage == null) {
                throw new InvalidRecordException("a record of the table scan must be an INSERT with a NewImage");
            }
            e.type = ChangeType.SNAPSHOT;
        }
        e.keysJson = keys.toString();
        e.newImageJson = newImage == null ? null : newImage.toString();
        e.oldImageJson = oldImage == null ? null : oldImage.toString();
        int expectedKeys = keySchema.sortKey() == null ? 1 : 2;
        if (keys.size() != expectedKeys) {
            throw new InvalidRecordException("dynamodb.Keys " + keys.properties().stream().map(Map.Entry::getKey)
                    .collect(Collectors.toList()) + " do not match the configured key schema (" + keySchema + ")");
        }
        e.partitionKey = keyValue(ddb.get("Keys"), keySchema.partitionKey());
        e.itemKey = ItemKeys.itemKey(
                e.partitionKey, keySchema.sortKey() == null ? null : keyValue(ddb.get("Keys"), keySchema.sortKey()));

        String seq = text(ddb, "SequenceNumber");
        if (seq != null && !SequenceNumbers.isValid(seq)) {
            throw new InvalidRecordException("dynamodb.SequenceNumber '" + DynamoJson.abbreviate(seq) + "' is not a decimal number");
        }
        e.sequenceNumber = seq;
        e.approximateCreationTimeMillis =
                epochMillis(ddb.get("ApproximateCreationDateTime"), text(ddb, "ApproximateCreationDateTimePrecision"));
        e.streamViewType = text(ddb, "StreamViewType");
        e.ttlExpiry = e.type == ChangeType.REMOVE && isTimeToLive(root.get("userIdentity"));
        return e;
    }

    private static boolean present(JsonNode n) {
        return n != null && !n.isNull() && !n.isMissingNode();
    }

    private static ChangeType changeType(String eventName, boolean hasNew, boolean hasOld) {
        if (eventName == null) {
            if (hasNew) {
                return ChangeType.MODIFY;
            }
            if (hasOld) {
                return ChangeType.REMOVE;
            }
            throw new InvalidRecordException("record has no eventName and no image to infer it from");
        }
        switch (eventName) {
            case "INSERT":
                return ChangeType.INSERT;
            case "MODIFY":
                return ChangeType.MODIFY;
            case "REMOVE":
                return ChangeType.REMOVE;
            default:
                throw new InvalidRecordException("unknown eventName '" + DynamoJson.abbreviate(eventName) + "'");
        }
    }

    /**
     * Renders a key attribute as text: S as is, B as its base64 text, N in canonical form (DynamoDB treats
     * {@code 1} and {@code 1.0} as the same key, so they must give the same aggregation key).
     */
    private String keyValue(JsonNode rawKeys, String attribute) {
        JsonNode av = rawKeys.get(attribute);
        if (av == null) {
            throw new InvalidRecordException("dynamodb.Keys has no attribute '" + attribute + "' (configured key schema: "
                    + keySchema + ")");
        }
        JsonNode s = av.get("S");
        if (s != null && s.isTextual()) {
            return s.textValue();
        }
        JsonNode n = av.get("N");
        if (n != null && n.isTextual()) {
            try {
                BigDecimal d = new BigDecimal(n.textValue()).stripTrailingZeros();
                return d.signum() == 0 ? "0" : d.toPlainString();
            } catch (NumberFormatException ex) {
                throw new InvalidRecordException("dynamodb.Keys." + attribute + ": N value is not a number");
            }
        }
        JsonNode b = av.get("B");
        if (b != null && b.isTextual()) {
            try {
                Base64.getDecoder().decode(b.textValue());
            } catch (IllegalArgumentException ex) {
                throw new InvalidRecordException("dynamodb.Keys." + attribute + ": B value is not base64");
            }
            return b.textValue();
        }
        throw new InvalidRecordException("dynamodb.Keys." + attribute + ": a key must be of type S, N or B");
    }

    private static String tableName(JsonNode root) {
        String name = text(root, "tableName");
        if (name != null) {
            return name;
        }
        String arn = text(root, "eventSourceARN");
        if (arn != null) {
            int table = arn.indexOf(":table/");
            if (table >= 0) {
                int end = arn.indexOf('/', table + 7);
                return arn.substring(table + 7, end < 0 ? arn.length() : end);
            }
        }
        return null;
    }

    private static boolean isTimeToLive(JsonNode identity) {
        return identity != null
                && "Service".equals(text(identity, "type"))
                && "dynamodb.amazonaws.com".equals(text(identity, "principalId"));
    }

    /**
     * Reads {@code ApproximateCreationDateTime}. The unit is given by {@code precision} when present
     * (Kinesis Data Streams for DynamoDB: MILLISECOND or MICROSECOND); otherwise it is taken from the
     * magnitude (DynamoDB Streams sends seconds, Kinesis milliseconds). Returns -1 when absent.
     */
    static long epochMillis(JsonNode value, String precision) {
        if (value == null || value.isNull()) {
            return -1L;
        }
        BigDecimal v;
        try {
            if (value.isNumber()) {
                v = value.decimalValue();
            } else if (value.isTextual()) {
                v = new BigDecimal(value.textValue().trim());
            } else {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException ex) {
            throw new InvalidRecordException("dynamodb.ApproximateCreationDateTime '" + DynamoJson.abbreviate(value.toString())
                    + "' is not a number");
        }
        if (v.signum() < 0) {
            throw new InvalidRecordException("dynamodb.ApproximateCreationDateTime is negative");
        }
        BigDecimal millis;
        if ("MICROSECOND".equals(precision)) {
            millis = v.divide(THOUSAND);
        } else if ("MILLISECOND".equals(precision)) {
            millis = v;
        } else if (v.compareTo(MILLIS_FROM) < 0) {
            millis = v.multiply(THOUSAND);
        } else if (v.compareTo(MICROS_FROM) < 0) {
            millis = v;
        } else {
            millis = v.divide(THOUSAND);
        }
        return millis.longValue();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}

package io.streamsync.change;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses one DynamoDB change record (DynamoDB-JSON text, as delivered by DynamoDB Streams, Lambda
 * or Kinesis Data Streams for DynamoDB) into a {@link ChangeEvent}, in one pass over the text: the
 * parser's tokens go straight into the plain-JSON renderings of the keys and images (see {@link
 * DynamoJson}), and fields nobody reads are skipped, so no tree of the record is ever built.
 *
 * <p>Tolerant of the shapes found in the wild: {@code ApproximateCreationDateTime} as integer
 * seconds, milliseconds or microseconds, a float, a string, or missing; missing {@code
 * userIdentity}, {@code eventVersion} or {@code eventSourceARN}; fields in any order. A record
 * without {@code eventName} is read as a MODIFY when it carries a NewImage (the item exists with
 * that image) and as a REMOVE when it carries only an OldImage; otherwise it is rejected. An
 * attribute given twice in one attribute map is refused (which of the two would count is not
 * defined); a record field given twice counts with its last value. Anything that cannot be read
 * raises {@link InvalidRecordException} with the reason. Not thread-safe: one instance per operator
 * instance.
 *
 * <p>Records are untrusted (whoever can write the table chooses names and values; on a Kinesis
 * source, whoever can put records chooses everything), so every size and number is bounded before
 * it is used: the bytes must be well-formed UTF-8 ({@link Utf8}), attribute values obey {@link
 * DynamoJson}'s bounds, {@code ApproximateCreationDateTime} is within 0 .. {@link
 * ChangeEvent#MAX_CREATION_TIME_MILLIS}, a sequence number has at most {@link #MAX_SEQUENCE_DIGITS}
 * digits.
 */
public final class ChangeRecordParser {
    /**
     * epoch seconds below this are seconds (year 5138); between this and {@link #MICROS_FROM} they
     * are ms.
     */
    private static final BigDecimal MILLIS_FROM = BigDecimal.valueOf(100_000_000_000L);

    private static final BigDecimal MICROS_FROM = BigDecimal.valueOf(100_000_000_000_000L);
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

    /** The creation time in milliseconds must be at most this (year 2286). */
    private static final BigDecimal MAX_MILLIS =
            BigDecimal.valueOf(ChangeEvent.MAX_CREATION_TIME_MILLIS);

    /** No creation time in any unit is above this (microseconds of year 2286 are below 1E+16). */
    private static final BigDecimal TIME_CEILING = BigDecimal.ONE.movePointRight(20);

    private static final int MAX_TIME_SCALE = 60;

    /** A creation time given as text longer than this is refused before it is parsed. */
    private static final int MAX_TIME_TEXT = 40;

    /** DynamoDB's sequence numbers have 21 to 40 digits; Kinesis ordering numbers have 32. */
    public static final int MAX_SEQUENCE_DIGITS = 40;

    /** Where a record comes from: decides which {@code eventSource} it must carry. */
    public enum Origin {
        /**
         * Any: the record's {@code eventSource} alone decides whether it is a scan's snapshot
         * (tests, tools).
         */
        ANY,
        /**
         * The DynamoDB stream: a record must not claim to be the table scan's, and needs {@code
         * ApproximateCreationDateTime} (DynamoDB always sets it).
         */
        DYNAMODB_STREAM,
        /**
         * Kinesis Data Streams for DynamoDB: {@code eventSource} must be {@code aws:dynamodb}, and
         * {@code ApproximateCreationDateTime} is required.
         */
        KINESIS,
        /** The job's own bootstrap scan: {@code eventSource} must be {@link #SCAN_EVENT_SOURCE}. */
        TABLE_SCAN
    }

    /** {@code eventSource} of DynamoDB's own change records. */
    public static final String DYNAMODB_EVENT_SOURCE = "aws:dynamodb";

    /**
     * {@code eventSource} of the records the bootstrap scan makes from scanned items (DynamoDB's
     * own records say {@code aws:dynamodb}): they are parsed as {@link ChangeType#SNAPSHOT}.
     */
    public static final String SCAN_EVENT_SOURCE = "streamsync:table-scan";

    private final KeySchema keySchema;
    private final JsonFactory factory;
    private final ObjectMapper mapper;
    private final DynamoJson.Path path = new DynamoJson.Path("dynamodb");
    private final TextOut text = new TextOut();
    private boolean renderOldImage = true;
    private boolean renderNewImage = true;
    private boolean kinesisOrdering;

    /**
     * The path whose name sets check this parser's attribute maps (tests count their work and
     * memory).
     */
    DynamoJson.Path path() {
        return path;
    }

    public ChangeRecordParser(KeySchema keySchema) {
        this.keySchema = keySchema;
        this.mapper = newMapper();
        this.factory = mapper.getFactory();
    }

    /**
     * Whether {@link ChangeEvent#oldImageJson} is rendered (default true). When false, an old image
     * is still read and validated (a malformed one makes the record a dead letter, whatever
     * consumes it) but not written out: the job's operators never read it.
     */
    public ChangeRecordParser renderOldImage(boolean render) {
        this.renderOldImage = render;
        return this;
    }

    /**
     * Whether {@link ChangeEvent#newImageJson} is rendered (default true). When false (a job
     * without an item index: nothing reads it), the new image is read and validated only, as {@link
     * #renderOldImage} does.
     */
    public ChangeRecordParser renderNewImage(boolean render) {
        this.renderNewImage = render;
        return this;
    }

    /**
     * Records from Kinesis Data Streams for DynamoDB carry no sequence number: when set, a record
     * without one (other than a scan snapshot) gets its order from {@link KinesisOrdering}.
     */
    public ChangeRecordParser kinesisOrdering(boolean on) {
        this.kinesisOrdering = on;
        return this;
    }

    /**
     * The mapper settings for reading records as trees (event filters): floats and numbers read
     * exactly.
     */
    public static ObjectMapper newMapper() {
        ObjectMapper m = new ObjectMapper();
        m.setNodeFactory(DynamoJson.NODES);
        m.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        return m;
    }

    /**
     * The record's JSON tree (numbers exact), from its UTF-8 bytes, or an InvalidRecordException
     * with the reason: for event filters.
     */
    public JsonNode readTree(byte[] utf8) {
        JsonNode root = withParser(() -> factory.createParser(utf8), mapper::readTree);
        if (root == null || !root.isObject()) {
            throw new InvalidRecordException("record is not a JSON object");
        }
        return root;
    }

    /**
     * The record, given as text, as a ChangeEvent; an InvalidRecordException with the reason if it
     * is not one.
     */
    public ChangeEvent parse(String json) {
        String bad = Utf8.loneSurrogate(json);
        if (bad != null) {
            throw new InvalidRecordException("malformed JSON: Invalid UTF-8: " + bad);
        }
        origin = Origin.ANY;
        return withParser(() -> factory.createParser(json), this::read);
    }

    /**
     * As {@link #parse(String)}, from the record's UTF-8 bytes (as the stream delivers them: the
     * job's path).
     */
    public ChangeEvent parse(byte[] utf8) {
        return parse(utf8, Origin.ANY);
    }

    /**
     * As {@link #parse(byte[])}, for a record from {@code origin}: a record whose {@code
     * eventSource} does not fit its origin is refused (a Kinesis record must be DynamoDB's, only
     * the table scan makes snapshots).
     */
    public ChangeEvent parse(byte[] utf8, Origin origin) {
        String bad = Utf8.firstError(utf8);
        if (bad != null) {
            throw new InvalidRecordException("malformed JSON: Invalid UTF-8: " + bad);
        }
        this.origin = origin;
        return withParser(() -> factory.createParser(utf8), this::read);
    }

    private Origin origin = Origin.ANY;

    private interface Open {
        JsonParser open() throws IOException;
    }

    private interface Read<T> {
        T read(JsonParser p) throws IOException;
    }

    /**
     * Reads in-memory input; malformed JSON (bytes that are not UTF-8 included) is an invalid
     * record.
     */
    private static <T> T withParser(Open input, Read<T> reader) {
        try (JsonParser p = input.open()) {
            return reader.read(p);
        } catch (JsonProcessingException e) {
            throw new InvalidRecordException("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading memory: not expected
        }
    }

    /** What one record says, as read; turned into a ChangeEvent once the whole record is read. */
    private static final class Fields {
        String eventId;
        String eventName;
        String eventSource;
        String eventSourceArn;
        String tableName;
        String identityType;
        String identityPrincipal;
        boolean dynamodb;
        String keysJson;
        final List<String> keyNames = new ArrayList<>(2);
        String partitionType;
        String partitionText;
        String sortType;
        String sortText;
        boolean hasNewImage;
        String newImageJson;
        boolean hasOldImage;
        String oldImageJson;
        String sequenceNumber;
        JsonNode creationTime;
        String creationPrecision;
        String streamViewType;
    }

    private ChangeEvent read(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new InvalidRecordException("record is not a JSON object");
        }
        Fields f = new Fields();
        path.startRecord();
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "eventID":
                    f.eventId = scalarText(p);
                    break;
                case "eventName":
                    f.eventName = scalarText(p);
                    break;
                case "eventSource":
                    f.eventSource = scalarText(p);
                    break;
                case "eventSourceARN":
                    f.eventSourceArn = scalarText(p);
                    break;
                case "tableName":
                    f.tableName = scalarText(p);
                    break;
                case "userIdentity":
                    readIdentity(p, f);
                    break;
                case "dynamodb":
                    if (t != JsonToken.START_OBJECT) {
                        throw new InvalidRecordException("record has no 'dynamodb' object");
                    }
                    readDynamodb(p, f);
                    f.dynamodb = true;
                    break;
                default:
                    p.skipChildren();
            }
        }
        if (!f.dynamodb) {
            throw new InvalidRecordException("record has no 'dynamodb' object");
        }
        return event(f);
    }

    private void readDynamodb(JsonParser p, Fields f) throws IOException {
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "Keys":
                    readKeys(p, f);
                    break;
                case "NewImage":
                    if (t != JsonToken.VALUE_NULL) {
                        f.hasNewImage = true;
                        f.newImageJson = image(p, "dynamodb.NewImage", renderNewImage);
                    }
                    break;
                case "OldImage":
                    if (t != JsonToken.VALUE_NULL) {
                        f.hasOldImage = true;
                        f.oldImageJson = image(p, "dynamodb.OldImage", renderOldImage);
                    }
                    break;
                case "SequenceNumber":
                    f.sequenceNumber = scalarText(p);
                    break;
                case "ApproximateCreationDateTime":
                    f.creationTime = timeValue(p, t);
                    break;
                case "ApproximateCreationDateTimePrecision":
                    f.creationPrecision = scalarText(p);
                    break;
                case "StreamViewType":
                    f.streamViewType = scalarText(p);
                    break;
                default:
                    p.skipChildren();
            }
        }
    }

    /**
     * An attribute map rendered as plain JSON, or only validated (null) when {@code render} is
     * false.
     */
    private String image(JsonParser p, String where, boolean render) throws IOException {
        if (!render) {
            DynamoJson.writePlainObject(p, null, path.reset(where));
            return null;
        }
        try (JsonGenerator g = factory.createGenerator(text.reset())) {
            DynamoJson.writePlainObject(p, g, path.reset(where));
        }
        return text.toString();
    }

    /** Keys rendered as plain JSON, and the key attributes' values kept for the aggregation key. */
    private void readKeys(JsonParser p, Fields f) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new InvalidRecordException(
                    "dynamodb.Keys: expected an attribute map (JSON object)");
        }
        f.keyNames.clear();
        try (JsonGenerator g = factory.createGenerator(text.reset())) {
            g.writeStartObject();
            String name;
            while ((name = p.nextFieldName()) != null) {
                g.writeFieldName(name);
                p.nextToken();
                DynamoJson.Path at = path.reset("dynamodb.Keys");
                at.pushName(name);
                // converted and checked like any attribute (so a bad one gets the same reason),
                // then held to S, N or B
                String type = DynamoJson.writePlain(p, g, at.keepScalar(true));
                String value = at.scalar();
                at.keepScalar(false);
                if (!"S".equals(type) && !"N".equals(type) && !"B".equals(type)) {
                    throw new InvalidRecordException(at + ": a key must be of type S, N or B");
                }
                f.keyNames.add(name);
                if (f.keyNames.size() > 2) {
                    throw new InvalidRecordException(
                            "dynamodb.Keys "
                                    + abbreviatedNames(f.keyNames)
                                    + " do not match the configured key schema ("
                                    + keySchema
                                    + ")");
                }
                if (name.equals(keySchema.partitionKey())) {
                    f.partitionType = type;
                    f.partitionText = value;
                } else if (name.equals(keySchema.sortKey())) {
                    f.sortType = type;
                    f.sortText = value;
                }
            }
            g.writeEndObject();
        }
        f.keysJson = text.toString();
    }

    private static String abbreviatedNames(List<String> names) {
        List<String> out = new ArrayList<>(names.size());
        for (String n : names) {
            out.add(DynamoJson.abbreviate(n));
        }
        return out.toString();
    }

    private static void readIdentity(JsonParser p, Fields f) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        String name;
        while ((name = p.nextFieldName()) != null) {
            p.nextToken();
            if ("type".equals(name)) {
                f.identityType = scalarText(p);
            } else if ("principalId".equals(name)) {
                f.identityPrincipal = scalarText(p);
            } else {
                p.skipChildren();
            }
        }
    }

    /**
     * A scalar field's text (numbers as written, booleans as true/false), null for null, "" for a
     * container.
     */
    private static String scalarText(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            p.skipChildren();
            return "";
        }
        return p.getText();
    }

    /**
     * ApproximateCreationDateTime as a small node: a number exactly, a string as it is (parsed
     * later).
     */
    private static JsonNode timeValue(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return DynamoJson.NODES.numberNode(p.getDecimalValue());
            case VALUE_STRING:
                return DynamoJson.NODES.textNode(p.getText());
            case VALUE_NULL:
                return null;
            case VALUE_TRUE:
            case VALUE_FALSE:
                return DynamoJson.NODES.booleanNode(t == JsonToken.VALUE_TRUE);
            default:
                p.skipChildren();
                return t == JsonToken.START_ARRAY
                        ? DynamoJson.NODES.arrayNode()
                        : DynamoJson.NODES.objectNode();
        }
    }

    private ChangeEvent event(Fields f) {
        if (f.keysJson == null) {
            throw new InvalidRecordException(
                    "dynamodb.Keys: expected an attribute map (JSON object)");
        }
        ChangeEvent e = new ChangeEvent();
        e.eventId = f.eventId;
        e.tableName = tableName(f.tableName, f.eventSourceArn);
        e.type = changeType(f.eventName, f.hasNewImage, f.hasOldImage);
        checkOrigin(f.eventSource);
        if (SCAN_EVENT_SOURCE.equals(f.eventSource)) {
            if (e.type != ChangeType.INSERT || !f.hasNewImage) {
                throw new InvalidRecordException(
                        "a record of the table scan must be an INSERT with a NewImage");
            }
            e.type = ChangeType.SNAPSHOT;
        }
        e.keysJson = f.keysJson;
        e.newImageJson = f.newImageJson;
        e.oldImageJson = f.oldImageJson;
        int expectedKeys = keySchema.sortKey() == null ? 1 : 2;
        if (f.keyNames.size() != expectedKeys) {
            throw new InvalidRecordException(
                    "dynamodb.Keys "
                            + f.keyNames
                            + " do not match the configured key schema ("
                            + keySchema
                            + ")");
        }
        e.partitionKey = keyValue(keySchema.partitionKey(), f.partitionType, f.partitionText);
        e.itemKey =
                ItemKeys.itemKey(
                        e.partitionKey,
                        keySchema.sortKey() == null
                                ? null
                                : keyValue(keySchema.sortKey(), f.sortType, f.sortText));

        String seq = f.sequenceNumber;
        if (seq != null && !SequenceNumbers.isValid(seq)) {
            throw new InvalidRecordException(
                    "dynamodb.SequenceNumber '"
                            + DynamoJson.abbreviate(seq)
                            + "' is not a decimal number");
        }
        if (seq != null && seq.length() > MAX_SEQUENCE_DIGITS) {
            throw new InvalidRecordException(
                    "dynamodb.SequenceNumber '"
                            + DynamoJson.abbreviate(seq)
                            + "' has more than "
                            + MAX_SEQUENCE_DIGITS
                            + " digits");
        }
        e.sequenceNumber = seq;
        e.approximateCreationTimeMillis = epochMillis(f.creationTime, f.creationPrecision);
        if (!e.hasCreationTime()
                && e.type != ChangeType.SNAPSHOT
                && (origin == Origin.KINESIS || origin == Origin.DYNAMODB_STREAM)) {
            // DynamoDB sets it on every stream record; the windows and lateness need it, and a
            // reading clock
            // instead would make the result depend on when the record is read (a replay could
            // differ)
            throw new InvalidRecordException(
                    "record has no dynamodb.ApproximateCreationDateTime; DynamoDB sets it on "
                            + "every stream record");
        }
        e.streamViewType = f.streamViewType;
        e.ttlExpiry =
                e.type == ChangeType.REMOVE
                        && "Service".equals(f.identityType)
                        && "dynamodb.amazonaws.com".equals(f.identityPrincipal);
        if (kinesisOrdering && e.sequenceNumber == null && e.type != ChangeType.SNAPSHOT) {
            if (f.creationTime == null || f.creationTime.isNull()) {
                throw new InvalidRecordException(
                        "a Kinesis record needs dynamodb.ApproximateCreationDateTime to be ordered");
            }
            e.sequenceNumber =
                    KinesisOrdering.sequenceNumber(
                            epochMicros(f.creationTime, f.creationPrecision), f.eventId);
        }
        return e;
    }

    private void checkOrigin(String eventSource) {
        if (SCAN_EVENT_SOURCE.equals(eventSource)
                && (origin == Origin.KINESIS || origin == Origin.DYNAMODB_STREAM)) {
            throw new InvalidRecordException(
                    "record of eventSource '"
                            + SCAN_EVENT_SOURCE
                            + "' read from the stream: only the table scan makes those");
        }
        switch (origin) {
            case KINESIS:
                if (!DYNAMODB_EVENT_SOURCE.equals(eventSource)) {
                    throw new InvalidRecordException(
                            eventSource == null
                                    ? "record has no eventSource; a Kinesis record of DynamoDB says '"
                                            + DYNAMODB_EVENT_SOURCE
                                            + "'"
                                    : "record of eventSource '"
                                            + DynamoJson.abbreviate(eventSource)
                                            + "'; a Kinesis record of DynamoDB says '"
                                            + DYNAMODB_EVENT_SOURCE
                                            + "'");
                }
                break;
            case TABLE_SCAN:
                if (!SCAN_EVENT_SOURCE.equals(eventSource)) {
                    throw new InvalidRecordException(
                            "a table scan record must have eventSource '"
                                    + SCAN_EVENT_SOURCE
                                    + "'");
                }
                break;
            default:
                break;
        }
    }

    private static ChangeType changeType(String eventName, boolean hasNew, boolean hasOld) {
        if (eventName == null) {
            if (hasNew) {
                return ChangeType.MODIFY;
            }
            if (hasOld) {
                return ChangeType.REMOVE;
            }
            throw new InvalidRecordException(
                    "record has no eventName and no image to infer it from");
        }
        switch (eventName) {
            case "INSERT":
                return ChangeType.INSERT;
            case "MODIFY":
                return ChangeType.MODIFY;
            case "REMOVE":
                return ChangeType.REMOVE;
            default:
                throw new InvalidRecordException(
                        "unknown eventName '" + DynamoJson.abbreviate(eventName) + "'");
        }
    }

    /**
     * Renders a key attribute as text: S as is, B as its base64 text, N in canonical form (DynamoDB
     * treats {@code 1} and {@code 1.0} as the same key, so they must give the same aggregation
     * key).
     */
    private String keyValue(String attribute, String type, String value) {
        if (type == null) {
            throw new InvalidRecordException(
                    "dynamodb.Keys has no attribute '"
                            + attribute
                            + "' (configured key schema: "
                            + keySchema
                            + ")");
        }
        switch (type) {
            case "N":
                // within DynamoDB's range (DynamoJson.checkNumber ran on it): at most 132
                // characters when written out
                try {
                    BigDecimal d = new BigDecimal(value).stripTrailingZeros();
                    return d.signum() == 0 ? "0" : d.toPlainString();
                } catch (NumberFormatException ex) {
                    throw new InvalidRecordException(
                            "dynamodb.Keys." + attribute + ": N value is not a number");
                }
            case "B":
                if (!DynamoJson.isBase64(
                        value)) { // checked by DynamoJson already; kept as the key's own guard
                    throw new InvalidRecordException(
                            "dynamodb.Keys." + attribute + ": B value is not base64");
                }
                return value;
            default:
                return value;
        }
    }

    private static String tableName(String name, String arn) {
        if (name != null) {
            return name;
        }
        if (arn != null) {
            int table = arn.indexOf(":table/");
            if (table >= 0) {
                int end = arn.indexOf('/', table + 7);
                return arn.substring(table + 7, end < 0 ? arn.length() : end);
            }
        }
        return null;
    }

    /**
     * Reads {@code ApproximateCreationDateTime}. The unit is given by {@code precision} when
     * present (Kinesis Data Streams for DynamoDB: MILLISECOND or MICROSECOND); otherwise it is
     * taken from the magnitude (DynamoDB Streams sends seconds, Kinesis milliseconds). Returns
     * {@link ChangeEvent#NO_CREATION_TIME} when absent; a time below 0 or above {@link
     * ChangeEvent#MAX_CREATION_TIME_MILLIS} is refused (it would wrap a long, or overflow a
     * window's end or a version in microseconds).
     */
    static long epochMillis(JsonNode value, String precision) {
        if (value == null || value.isNull()) {
            return ChangeEvent.NO_CREATION_TIME;
        }
        BigDecimal v = timeNumber(value);
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
        if (millis.compareTo(MAX_MILLIS) > 0) {
            throw beyondBound(value);
        }
        return millis.longValue();
    }

    /**
     * The creation time in microseconds for {@link KinesisOrdering}, with the arithmetic it always
     * had (a record read again must get the same number): MICROSECOND as given, MILLISECOND times
     * 1000, and by magnitude whole milliseconds times 1000, or microseconds as given; bounded like
     * {@link #epochMillis}.
     */
    static long epochMicros(JsonNode value, String precision) {
        BigDecimal v = timeNumber(value);
        BigDecimal micros;
        if ("MICROSECOND".equals(precision)) {
            micros = v;
        } else if ("MILLISECOND".equals(precision)) {
            micros = v.movePointRight(3);
        } else if (v.compareTo(MICROS_FROM) >= 0) {
            micros = v;
        } else {
            return epochMillis(value, null) * 1000L; // bounded there
        }
        if (micros.compareTo(MAX_MILLIS.movePointRight(3).add(BigDecimal.valueOf(999))) > 0) {
            throw beyondBound(value);
        }
        return micros.longValue();
    }

    /**
     * The time's value as a number, refused when it is not a non-negative number or its text is too
     * long.
     */
    private static BigDecimal timeNumber(JsonNode value) {
        BigDecimal v;
        try {
            if (value.isNumber()) {
                v = value.decimalValue();
            } else if (value.isTextual() && value.textValue().length() <= MAX_TIME_TEXT) {
                v = new BigDecimal(value.textValue().trim());
            } else {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException ex) {
            throw new InvalidRecordException(
                    "dynamodb.ApproximateCreationDateTime '"
                            + DynamoJson.abbreviate(value.toString())
                            + "' is not a number");
        }
        if (v.signum() < 0) {
            throw new InvalidRecordException("dynamodb.ApproximateCreationDateTime is negative");
        }
        if (v.compareTo(TIME_CEILING) > 0) { // compares exponents first: cheap whatever the value
            throw beyondBound(value);
        }
        if (v.scale()
                > MAX_TIME_SCALE) { // the arithmetic below would work on a billion-digit fraction
            throw new InvalidRecordException(
                    "dynamodb.ApproximateCreationDateTime '"
                            + DynamoJson.abbreviate(value.toString())
                            + "' has more than "
                            + MAX_TIME_SCALE
                            + " fraction digits");
        }
        return v;
    }

    private static InvalidRecordException beyondBound(JsonNode value) {
        return new InvalidRecordException(
                "dynamodb.ApproximateCreationDateTime '"
                        + DynamoJson.abbreviate(value.toString())
                        + "' is after "
                        + java.time.Instant.ofEpochMilli(ChangeEvent.MAX_CREATION_TIME_MILLIS)
                        + ", the latest creation time accepted");
    }

    /** A Writer into a reused StringBuilder: one per parser, no synchronisation. */
    private static final class TextOut extends java.io.Writer {
        private final StringBuilder sb = new StringBuilder(1024);

        TextOut reset() {
            sb.setLength(0);
            return this;
        }

        @Override
        public void write(char[] cbuf, int off, int len) {
            sb.append(cbuf, off, len);
        }

        @Override
        public void write(String str, int off, int len) {
            sb.append(str, off, off + len);
        }

        @Override
        public void write(int c) {
            sb.append((char) c);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}

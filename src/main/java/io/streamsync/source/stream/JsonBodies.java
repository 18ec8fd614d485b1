package io.streamsync.source.stream;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Request bodies and small answers of the stream APIs: flat JSON objects. */
final class JsonBodies {
    static final JsonFactory JSON = new JsonFactory();

    private JsonBodies() {}

    /**
     * A JSON object of the given fields; null values are left out, Numbers are written as numbers.
     */
    static byte[] object(Object... keysAndValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            for (int i = 0; i < keysAndValues.length; i += 2) {
                Object v = keysAndValues[i + 1];
                if (v == null) {
                    continue;
                }
                g.writeFieldName((String) keysAndValues[i]);
                if (v instanceof Integer || v instanceof Long) {
                    g.writeNumber(((Number) v).longValue());
                } else if (v instanceof java.math.BigDecimal) {
                    g.writeNumber((java.math.BigDecimal) v);
                } else {
                    g.writeString(v.toString());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * {@code body} (a JSON object) with one more field whose value is the JSON object {@code
     * value}.
     */
    static byte[] withObject(byte[] body, String field, byte[] value) {
        String json = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        String name =
                new String(
                        object(field, ""), java.nio.charset.StandardCharsets.UTF_8); // {"field":""}
        String fieldJson = name.substring(1, name.length() - 3); // "field":
        String joined =
                json.substring(0, json.length() - 1)
                        + (json.length() > 2 ? "," : "")
                        + fieldJson
                        + new String(value, java.nio.charset.StandardCharsets.UTF_8)
                        + "}";
        return joined.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The top-level string fields of an answer (nested values skipped). */
    static Map<String, String> topLevelStrings(byte[] body) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("answer is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_STRING) {
                    out.put(name, p.getText());
                } else {
                    p.skipChildren();
                }
            }
        }
        return out;
    }
}

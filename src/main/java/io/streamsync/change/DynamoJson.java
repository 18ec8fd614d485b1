package io.streamsync.change;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Converts DynamoDB-JSON (attribute values such as {@code {"N": "1.50"}}) into plain JSON.
 *
 * <p>Guarantees, for every attribute type:
 *
 * <ul>
 *   <li>{@code S} stays the same string; {@code B} stays the same base64 text (it is not decoded);
 *   <li>{@code N} becomes a JSON number with exactly the record's decimal value: integers that fit a
 *       {@code long} become long nodes, everything else an exact {@link BigDecimal} (never a double, so
 *       {@code 0.10} keeps its scale and 38-digit numbers keep every digit);
 *   <li>{@code BOOL}/{@code NULL} become {@code true}/{@code false}/{@code null};
 *   <li>{@code M} and {@code L} are converted recursively; {@code SS}, {@code NS}, {@code BS} become arrays
 *       in record order (duplicates and empty sets are kept as they are).
 * </ul>
 *
 * Anything else (an unknown type tag, a wrong JSON shape, a number that does not parse) raises {@link
 * InvalidRecordException} naming the attribute path. Pure code: no Flink types, thread-safe.
 */
public final class DynamoJson {

    /** Keeps BigDecimal scale: {@code 0.10} must not become {@code 0.1}. */
    public static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private DynamoJson() {}

    /** Converts an attribute map ({@code Keys}, {@code NewImage}, {@code OldImage}) into a plain object. */
    public static ObjectNode toPlainObject(JsonNode attributeMap, String path) {
        if (attributeMap == null || !attributeMap.isObject()) {
            throw new InvalidRecordException(path + ": expected an attribute map (JSON object)");
        }
        ObjectNode out = NODES.objectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = attributeMap.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            out.set(field.getKey(), toPlain(field.getValue(), path + "." + field.getKey()));
        }
        return out;
    }

    /** Converts one attribute value such as {@code {"SS": ["a", "b"]}}. */
    public static JsonNode toPlain(JsonNode attributeValue, String path) {
        if (attributeValue == null || !attributeValue.isObject() || attributeValue.size() != 1) {
            throw new InvalidRecordException(
                    path + ": expected an attribute value with exactly one type tag, got " + describe(attributeValue));
        }
        Map.Entry<String, JsonNode> tagged = attributeValue.fields().next();
        String type = tagged.getKey();
        JsonNode value = tagged.getValue();
        switch (type) {
            case "S":
            case "B":
                return requireText(value, path, type);
            case "N":
                return number(requireText(value, path, type).textValue(), path);
            case "BOOL":
                if (!value.isBoolean()) {
                    throw new InvalidRecordException(path + ": BOOL must be true or false, got " + describe(value));
                }
                return value;
            case "NULL":
                return NODES.nullNode();
            case "M":
                return toPlainObject(value, path);
            case "L":
                return list(value, path);
            case "SS":
            case "BS":
                return set(value, path, type, false);
            case "NS":
                return set(value, path, type, true);
            default:
                throw new InvalidRecordException(path + ": unknown attribute type '" + type + "'");
        }
    }

    /**
     * Parses a DynamoDB number exactly. Plain integers that fit a long become long nodes (the common case,
     * and what a search engine maps as {@code long}); any other value is kept as an exact BigDecimal.
     */
    public static JsonNode number(String text, String path) {
        if (isPlainLong(text)) {
            return NODES.numberNode(Long.parseLong(text));
        }
        try {
            return NODES.numberNode(new BigDecimal(text));
        } catch (NumberFormatException e) {
            throw new InvalidRecordException(path + ": N value '" + abbreviate(text) + "' is not a number");
        }
    }

    private static boolean isPlainLong(String text) {
        int n = text.length();
        int start = text.startsWith("-") ? 1 : 0;
        // 18 digits always fit a long; longer integers go through BigDecimal.
        if (n - start < 1 || n - start > 18) {
            return false;
        }
        if (n - start > 1 && text.charAt(start) == '0') {
            return false; // keep "007" out of the fast path; BigDecimal keeps its value
        }
        for (int i = start; i < n; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return !"-0".equals(text);
    }

    private static ArrayNode list(JsonNode value, String path) {
        if (!value.isArray()) {
            throw new InvalidRecordException(path + ": L must be an array, got " + describe(value));
        }
        ArrayNode out = NODES.arrayNode(value.size());
        int i = 0;
        for (JsonNode element : value) {
            out.add(toPlain(element, path + "[" + i++ + "]"));
        }
        return out;
    }

    private static ArrayNode set(JsonNode value, String path, String type, boolean numbers) {
        if (!value.isArray()) {
            throw new InvalidRecordException(path + ": " + type + " must be an array, got " + describe(value));
        }
        ArrayNode out = NODES.arrayNode(value.size());
        int i = 0;
        for (JsonNode member : value) {
            String memberPath = path + "[" + i++ + "]";
            if (!member.isTextual()) {
                throw new InvalidRecordException(memberPath + ": " + type + " members must be strings, got " + describe(member));
            }
            out.add(numbers ? number(member.textValue(), memberPath) : member);
        }
        return out;
    }

    private static JsonNode requireText(JsonNode value, String path, String type) {
        if (!value.isTextual()) {
            throw new InvalidRecordException(path + ": " + type + " must be a string, got " + describe(value));
        }
        return value;
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + abbreviate(node.toString());
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}

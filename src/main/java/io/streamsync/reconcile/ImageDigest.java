package io.streamsync.reconcile;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * A short digest of an item's image as plain JSON, the same for the source table's item (rendered
 * by the job's own parser) and for the item document's {@code _source}: both are read as trees with
 * exact decimals and written with their keys sorted, so an image and a document have the same
 * digest exactly when they hold the same attributes with the same values (numbers by value: 0.10 is
 * 0.1).
 */
final class ImageDigest {
    static final ObjectMapper MAPPER =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private ImageDigest() {}

    static String of(String json) {
        try {
            return of(MAPPER.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String of(JsonNode tree) {
        try {
            byte[] d =
                    MessageDigest.getInstance("SHA-256")
                            .digest(canonical(tree).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder()
                    .withoutPadding()
                    .encodeToString(java.util.Arrays.copyOf(d, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keys sorted at every level, decimals as written. */
    private static String canonical(JsonNode n) {
        if (n.isObject()) {
            java.util.TreeMap<String, JsonNode> sorted = new java.util.TreeMap<>();
            n.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
            StringBuilder b = new StringBuilder("{");
            sorted.forEach(
                    (k, v) -> {
                        if (b.length() > 1) {
                            b.append(',');
                        }
                        b.append(com.fasterxml.jackson.databind.node.TextNode.valueOf(k))
                                .append(':')
                                .append(canonical(v));
                    });
            return b.append('}').toString();
        }
        if (n.isArray()) {
            StringBuilder b = new StringBuilder("[");
            for (JsonNode e : n) {
                if (b.length() > 1) {
                    b.append(',');
                }
                b.append(canonical(e));
            }
            return b.append(']').toString();
        }
        if (n.isBigDecimal()) {
            return n.decimalValue().toString();
        }
        return n.toString();
    }
}

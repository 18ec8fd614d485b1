package io.streamsync.change;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Deterministic identifiers for items, derived only from their primary key, so that a replayed
 * change addresses the same search document instead of creating a duplicate.
 *
 * <p>The id is {@code partition|sort} with {@code \} and {@code |} inside a value escaped by a
 * backslash, which keeps distinct keys distinct (no value can forge the separator) and readable.
 * Ids longer than {@value #MAX_ID_BYTES} bytes (the Elasticsearch/OpenSearch limit) become {@code
 * sha256:<hex>} of the readable form; a readable id that itself starts with {@code sha256:} gets a
 * leading {@code \} (which escaping never puts before another character), so it cannot collide with
 * a hashed id.
 */
public final class ItemKeys {
    /** Elasticsearch and OpenSearch reject document ids longer than 512 bytes. */
    public static final int MAX_ID_BYTES = 512;

    private static final String HASHED = "sha256:";

    private ItemKeys() {}

    public static String itemKey(String partitionValue, String sortValue) {
        String id =
                sortValue == null
                        ? escape(partitionValue)
                        : escape(partitionValue) + '|' + escape(sortValue);
        if (id.startsWith(HASHED)) {
            id = '\\' + id; // a readable id never reads like a hashed one (escaping puts a
            // backslash only before '|' or a backslash)
        }
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        return utf8.length <= MAX_ID_BYTES ? id : HASHED + sha256Hex(utf8);
    }

    private static String escape(String value) {
        if (value.indexOf('|') < 0 && value.indexOf('\\') < 0) {
            return value;
        }
        StringBuilder sb = new StringBuilder(value.length() + 4);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '|' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            StringBuilder sb = new StringBuilder(64);
            for (byte b : digest) {
                sb.append(Character.forDigit((b >> 4) & 0xF, 16))
                        .append(Character.forDigit(b & 0xF, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }
}

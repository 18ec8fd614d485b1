package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Comparator;

/**
 * JSON equality where numbers compare by exact decimal value (so 35, 35L and 35.0 in BigDecimal
 * agree).
 */
public final class JsonCompare {
    private static final Comparator<JsonNode> NUMERIC =
            (a, b) -> {
                if (a.isNumber() && b.isNumber()) {
                    return a.decimalValue().compareTo(b.decimalValue());
                }
                return a.equals(b) ? 0 : 1;
            };

    private JsonCompare() {}

    public static boolean same(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.equals(NUMERIC, b);
    }
}

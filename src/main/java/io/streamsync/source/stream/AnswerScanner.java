package io.streamsync.source.stream;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * A structural scanner over a JSON answer's bytes: it finds where values begin and end (strings
 * with their escapes, nested objects and arrays) without tokenizing what it skips, and reads the
 * few scalars the source needs (iterators, sequence numbers, times). Cutting a GetRecords answer
 * into records this way costs a fraction of a tokenizer pass (the profile of the source benchmark
 * had Jackson's skipChildren at 70% of the fetcher thread); every record is then parsed, fully and
 * once, by the parse operator, which also refuses what is not valid JSON. Malformed answers end in
 * an {@link IOException}.
 */
final class AnswerScanner {
    private final byte[] b;
    private int i;

    AnswerScanner(byte[] answer) {
        this.b = answer;
    }

    int position() {
        return i;
    }

    /** Goes back to {@code position} (a value's start seen before). */
    void rewind(int position) {
        i = position;
    }

    void skipWhitespace() {
        while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
            i++;
        }
    }

    /** The next significant byte, not consumed. */
    byte peek() throws IOException {
        skipWhitespace();
        if (i >= b.length) {
            throw new IOException("answer ends early, at byte " + i);
        }
        return b[i];
    }

    void expect(char c) throws IOException {
        if (peek() != c) {
            throw new IOException(
                    "expected '" + c + "' at byte " + i + ", found '" + (char) b[i] + "'");
        }
        i++;
    }

    /** Consumes a ',' if there is one; true if there was. */
    boolean comma() throws IOException {
        if (peek() == ',') {
            i++;
            return true;
        }
        return false;
    }

    /** Reads a string (the scanner is on its opening quote) and returns it decoded. */
    String string() throws IOException {
        int start = i;
        skipString();
        boolean escaped = false;
        for (int k = start + 1; k < i - 1; k++) {
            if (b[k] == '\\') {
                escaped = true;
                break;
            }
        }
        if (!escaped) {
            return new String(b, start + 1, i - start - 2, StandardCharsets.UTF_8);
        }
        try (JsonParser p = JsonBodies.JSON.createParser(b, start, i - start)) {
            p.nextToken();
            return p.getText();
        }
    }

    /** An object's field name and its colon; the scanner is then on the value. */
    String fieldName() throws IOException {
        if (peek() != '"') {
            throw new IOException("expected a field name at byte " + i);
        }
        String name = string();
        expect(':');
        peek();
        return name;
    }

    /**
     * What to do with one field of an object: the scanner is on its value, which the handler must
     * read or skip.
     */
    interface FieldHandler {
        void field(String name) throws IOException;
    }

    /**
     * Reads an object (the scanner is on its opening brace), handing each field to {@code handler}.
     */
    void object(FieldHandler handler) throws IOException {
        expect('{');
        if (peek() != '}') {
            do {
                handler.field(fieldName());
            } while (comma());
        }
        expect('}');
    }

    /**
     * Reads an array (the scanner is on its opening bracket), calling {@code element} once per
     * element.
     */
    void array(ElementHandler element) throws IOException {
        expect('[');
        if (peek() != ']') {
            do {
                element.element();
            } while (comma());
        }
        expect(']');
    }

    /** Reads one array element (the scanner is on it). */
    interface ElementHandler {
        void element() throws IOException;
    }

    /** A string value, or null for a JSON null (anything else is skipped and read as null). */
    String stringOrNull() throws IOException {
        if (peek() == '"') {
            return string();
        }
        skipValue();
        return null;
    }

    /** A base64 string value decoded (Kinesis' Data); null for anything else. */
    byte[] base64Value() throws IOException {
        if (peek() != '"') {
            skipValue();
            return null;
        }
        int start = i;
        skipString();
        try {
            for (int k = start + 1; k < i - 1; k++) {
                if (b[k] == '\\') { // an escaped '/' ("\/"): decode the string first
                    i = start;
                    return java.util.Base64.getDecoder().decode(string());
                }
            }
            java.nio.ByteBuffer decoded =
                    java.util.Base64.getDecoder()
                            .decode(java.nio.ByteBuffer.wrap(b, start + 1, i - start - 2));
            byte[] out = new byte[decoded.remaining()];
            decoded.get(out);
            return out;
        } catch (IllegalArgumentException e) {
            throw new IOException("Data at byte " + start + " is not base64: " + e.getMessage(), e);
        }
    }

    /**
     * Epoch seconds (a number, maybe with a fraction or exponent, or a numeric string) as epoch ms;
     * -1 if not a number.
     */
    long epochSecondsAsMillis() throws IOException {
        int start = i;
        if (peek() == '"') {
            String text = string();
            return millis(text);
        }
        skipValue();
        return millis(new String(b, start, i - start, StandardCharsets.US_ASCII).trim());
    }

    /** A number value as a long (MillisBehindLatest); -1 if it is not one. */
    long longValue() throws IOException {
        int start = i;
        skipValue();
        try {
            return Long.parseLong(
                    new String(b, start, i - start, StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            return -1L;
        }
    }

    private static long millis(String text) {
        try {
            return new BigDecimal(text).movePointRight(3).longValue();
        } catch (NumberFormatException e) {
            return -1L;
        }
    }

    /**
     * Skips any value: a string, an object or array (with everything in it), a number or a literal.
     */
    void skipValue() throws IOException {
        byte c = peek();
        if (c == '"') {
            skipString();
        } else if (c == '{' || c == '[') {
            skipNested();
        } else {
            while (i < b.length
                    && b[i] != ','
                    && b[i] != '}'
                    && b[i] != ']'
                    && b[i] != ' '
                    && b[i] != '\n'
                    && b[i] != '\r'
                    && b[i] != '\t') {
                i++;
            }
        }
    }

    private void skipString() throws IOException {
        int k = i + 1;
        while (k < b.length) {
            byte c = b[k];
            if (c == '"') {
                i = k + 1;
                return;
            }
            k += c == '\\' ? 2 : 1;
        }
        throw new IOException("unterminated string from byte " + i);
    }

    private void skipNested() throws IOException {
        int depth = 0;
        int k = i;
        while (k < b.length) {
            byte c = b[k];
            if (c == '"') {
                i = k;
                skipString();
                k = i;
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
                if (depth == 0) {
                    i = k + 1;
                    return;
                }
            }
            k++;
        }
        throw new IOException("unterminated object or array from byte " + i);
    }
}

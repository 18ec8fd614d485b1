package io.streamsync.change;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;

/**
 * Converts DynamoDB-JSON (attribute values such as {@code {"N": "1.50"}}) into plain JSON, token by
 * token: from a {@link JsonParser} positioned on the value straight into a {@link JsonGenerator},
 * with no tree in between (building trees was 43% of the job's CPU time, see src/bench/PROFILE.md).
 *
 * <p>Guarantees, for every attribute type:
 *
 * <ul>
 *   <li>{@code S} stays the same string; {@code B} stays the same base64 text (it is not decoded);
 *   <li>{@code N} becomes a JSON number with exactly the record's decimal value: integers that fit
 *       a {@code long} keep their digits, everything else is written as the exact {@link
 *       BigDecimal} (never a double, so {@code 0.10} keeps its scale and 38-digit numbers keep
 *       every digit);
 *   <li>{@code BOOL}/{@code NULL} become {@code true}/{@code false}/{@code null};
 *   <li>{@code M} and {@code L} are converted recursively; {@code SS}, {@code NS}, {@code BS}
 *       become arrays in record order (duplicates and empty sets are kept as they are).
 * </ul>
 *
 * Anything else (an unknown type tag, a wrong JSON shape, a number that does not parse) raises
 * {@link InvalidRecordException} naming the attribute path. With a null generator the value is only
 * validated. Pure code: no Flink types; the static methods are thread-safe, a {@link Path} is not.
 *
 * <p>Records are untrusted input, so every size is bounded before work is done on it, and all work
 * is linear in the record's size: a number has at most 38 significant digits and a magnitude within
 * DynamoDB's 1E-130..9.99E+125 ({@link #checkNumber}; its text is never expanded), a {@code B}
 * value must be base64, M and L nest at most {@link #MAX_DEPTH} deep, a map holds at most {@link
 * #MAX_ATTRIBUTES_PER_MAP} attributes and a record {@link #MAX_ATTRIBUTES_PER_RECORD}, and the
 * duplicate-name check stays linear whatever the names' hash codes ({@link NameSet}).
 */
public final class DynamoJson {

    /** Keeps BigDecimal scale: {@code 0.10} must not become {@code 0.1}. */
    public static final JsonNodeFactory NODES = new JsonNodeFactory(true);

    private static final JsonFactory FACTORY = new JsonFactory();

    /** Attributes one attribute map may hold (a 400 KB item holds about 100,000 at most). */
    public static final int MAX_ATTRIBUTES_PER_MAP = 131_072;

    /** Attributes one record may hold, over its keys, both images and every nested map. */
    public static final int MAX_ATTRIBUTES_PER_RECORD = 262_144;

    /** Nesting levels of M and L (DynamoDB allows 32). */
    public static final int MAX_DEPTH = 32;

    /** Significant digits of a DynamoDB number. */
    public static final int MAX_NUMBER_DIGITS = 38;

    /**
     * The least and greatest decimal exponent of a number's first significant digit (1E-130 ..
     * 9.99E+125).
     */
    public static final int MIN_NUMBER_EXPONENT = -130;

    public static final int MAX_NUMBER_EXPONENT = 125;

    /**
     * The longest number text read: DynamoDB's longest rendering is about 170 characters ({@code
     * -0.}, 129 zeros, 38 digits); longer text is refused before it is scanned further.
     */
    public static final int MAX_NUMBER_LENGTH = 200;

    private DynamoJson() {}

    /**
     * Converts the attribute map on which {@code p} stands ({@code Keys}, {@code NewImage}, {@code
     * OldImage}, or an {@code M}) into a plain object, leaving {@code p} on its END_OBJECT.
     */
    public static void writePlainObject(JsonParser p, JsonGenerator g, Path path)
            throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new InvalidRecordException(path + ": expected an attribute map (JSON object)");
        }
        if (g != null) {
            g.writeStartObject();
        }
        NameSet seen = path.openObject();
        String name;
        int attributes = 0;
        while ((name = p.nextFieldName()) != null) {
            if (++attributes > MAX_ATTRIBUTES_PER_MAP) {
                throw new InvalidRecordException(
                        path + ": more than " + MAX_ATTRIBUTES_PER_MAP + " attributes in one map");
            }
            if (++path.recordAttributes > MAX_ATTRIBUTES_PER_RECORD) {
                throw new InvalidRecordException(
                        path
                                + ": more than "
                                + MAX_ATTRIBUTES_PER_RECORD
                                + " attributes in one record");
            }
            if (!seen.add(name)) {
                throw new InvalidRecordException(
                        path + ": attribute '" + abbreviate(name) + "' is given twice");
            }
            if (g != null) {
                g.writeFieldName(name);
            }
            p.nextToken();
            path.pushName(name);
            writePlain(p, g, path);
            path.pop();
        }
        path.closeObject();
        if (g != null) {
            g.writeEndObject();
        }
    }

    /**
     * Converts the attribute value on which {@code p} stands, such as {@code {"SS": ["a", "b"]}},
     * leaving {@code p} on its END_OBJECT. Returns the type tag.
     */
    public static String writePlain(JsonParser p, JsonGenerator g, Path path) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new InvalidRecordException(
                    path
                            + ": expected an attribute value with exactly one type tag, got "
                            + describe(p));
        }
        String type = p.nextFieldName();
        if (type == null) {
            throw new InvalidRecordException(
                    path + ": expected an attribute value with exactly one type tag, got {}");
        }
        JsonToken value = p.nextToken();
        switch (type) {
            case "S":
            case "B":
                if (value != JsonToken.VALUE_STRING) {
                    throw new InvalidRecordException(
                            path + ": " + type + " must be a string, got " + describe(p));
                }
                if (type.equals("B")
                        && !isBase64(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())) {
                    throw new InvalidRecordException(path + ": B value is not base64");
                }
                if (path.keepScalar) {
                    path.scalar = p.getText();
                }
                if (g != null) {
                    g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                }
                break;
            case "N":
                if (value != JsonToken.VALUE_STRING) {
                    throw new InvalidRecordException(
                            path + ": N must be a string, got " + describe(p));
                }
                String number = p.getText();
                if (path.keepScalar) {
                    path.scalar = number;
                }
                writeNumber(number, g, path);
                break;
            case "BOOL":
                if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                    throw new InvalidRecordException(
                            path + ": BOOL must be true or false, got " + describe(p));
                }
                if (g != null) {
                    g.writeBoolean(value == JsonToken.VALUE_TRUE);
                }
                break;
            case "NULL":
                p.skipChildren(); // DynamoDB writes true; the value carries no information
                if (g != null) {
                    g.writeNull();
                }
                break;
            case "M":
                path.enter();
                writePlainObject(p, g, path);
                path.leave();
                break;
            case "L":
                path.enter();
                list(p, g, path);
                path.leave();
                break;
            case "SS":
            case "BS":
                set(p, g, path, type, false);
                break;
            case "NS":
                set(p, g, path, type, true);
                break;
            default:
                throw new InvalidRecordException(
                        path + ": unknown attribute type '" + abbreviate(type) + "'");
        }
        String extra = p.nextFieldName();
        if (extra != null) {
            throw new InvalidRecordException(
                    path
                            + ": expected an attribute value with exactly one type tag, got '"
                            + abbreviate(type)
                            + "' and '"
                            + abbreviate(extra)
                            + "'");
        }
        return type;
    }

    /**
     * Writes a DynamoDB number exactly: as the exact {@link BigDecimal} it denotes, in BigDecimal's
     * own rendering (so {@code 0.10} keeps its scale, 38-digit numbers keep every digit, {@code
     * 007} becomes {@code 7}). Most numbers are already written that way ({@code 42}, {@code
     * -3.25}); they are copied as they are, without building the BigDecimal (see {@link
     * #isCanonical}). A number outside DynamoDB's range is refused first ({@link #checkNumber}), so
     * no BigDecimal is ever built from unbounded text.
     */
    public static void writeNumber(String text, JsonGenerator g, Path path) throws IOException {
        // the common case first: canonical text of at most 38 characters has at most 38 digits and
        // a magnitude
        // between 1E-36 and 1E+38, so it is within DynamoDB's range without checking
        boolean shortAndCanonical = text.length() <= MAX_NUMBER_DIGITS && isCanonical(text);
        if (!shortAndCanonical) {
            checkNumber(text, path);
        }
        if (shortAndCanonical || isCanonical(text)) {
            if (g != null) {
                g.writeNumber(text);
            }
            return;
        }
        BigDecimal d;
        try {
            d = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new InvalidRecordException(
                    path + ": N value '" + abbreviate(text) + "' is not a number");
        }
        if (g != null) {
            g.writeNumber(d);
        }
    }

    /**
     * Refuses, in one pass over at most {@link #MAX_NUMBER_LENGTH} characters, a text that is not a
     * decimal number (BigDecimal's syntax: sign, digits with at most one point, an optional
     * exponent) or that is outside DynamoDB's numbers: more than {@link #MAX_NUMBER_DIGITS}
     * significant digits (leading and trailing zeros do not count), or a non-zero magnitude below
     * 1E-130 or from 1E+126 on. The exponent is read with saturation, never expanded. A zero is
     * accepted with any exponent up to nine digits.
     */
    static void checkNumber(String text, Path path) {
        int n = text.length();
        if (n > MAX_NUMBER_LENGTH) {
            throw new InvalidRecordException(
                    path
                            + ": N value '"
                            + abbreviate(text)
                            + "' is longer than "
                            + MAX_NUMBER_LENGTH
                            + " characters (DynamoDB numbers have at most "
                            + MAX_NUMBER_DIGITS
                            + " digits)");
        }
        int i = 0;
        if (i < n && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
            i++;
        }
        int digits = 0;
        int firstNonZero = -1; // index among all mantissa digits
        int lastNonZero = -1;
        int pointAt = -1; // number of mantissa digits before the point
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (isDigit(c)) {
                if (c != '0') {
                    if (firstNonZero < 0) {
                        firstNonZero = digits;
                    }
                    lastNonZero = digits;
                }
                digits++;
            } else if (c == '.' && pointAt < 0) {
                pointAt = digits;
            } else {
                break;
            }
        }
        long exponent = 0;
        if (i < n) {
            char c = text.charAt(i);
            if (c != 'e' && c != 'E' || digits == 0) {
                throw notANumber(text, path);
            }
            i++;
            boolean negative = false;
            if (i < n && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
                negative = text.charAt(i) == '-';
                i++;
            }
            if (i == n) {
                throw notANumber(text, path);
            }
            for (; i < n; i++) {
                c = text.charAt(i);
                if (!isDigit(c)) {
                    throw notANumber(text, path);
                }
                exponent =
                        Math.min(
                                exponent * 10 + (c - '0'),
                                10_000_000_000L); // saturates, stays exact below
            }
            if (negative) {
                exponent = -exponent;
            }
        }
        if (digits == 0) {
            throw notANumber(text, path);
        }
        if (Math.abs(exponent) > 999_999_999L) {
            throw outOfRange(text, path);
        }
        if (firstNonZero < 0) {
            return; // a zero
        }
        if (lastNonZero - firstNonZero + 1 > MAX_NUMBER_DIGITS) {
            throw new InvalidRecordException(
                    path
                            + ": N value '"
                            + abbreviate(text)
                            + "' has more than "
                            + MAX_NUMBER_DIGITS
                            + " significant digits (DynamoDB's limit)");
        }
        int integerDigits = pointAt < 0 ? digits : pointAt;
        long firstDigitExponent = exponent + integerDigits - 1 - firstNonZero;
        if (firstDigitExponent < MIN_NUMBER_EXPONENT || firstDigitExponent > MAX_NUMBER_EXPONENT) {
            throw outOfRange(text, path);
        }
    }

    private static InvalidRecordException notANumber(String text, Path path) {
        return new InvalidRecordException(
                path + ": N value '" + abbreviate(text) + "' is not a number");
    }

    private static InvalidRecordException outOfRange(String text, Path path) {
        return new InvalidRecordException(
                path
                        + ": N value '"
                        + abbreviate(text)
                        + "' is outside DynamoDB's range (1E-130 to 9.9999999999999999999999999999999999999E+125)");
    }

    /**
     * True when {@code new BigDecimal(text).toString()} is {@code text} itself: an optional minus,
     * an integer part without leading zeros, an optional fraction, no exponent, not a negative
     * zero, and not so small that BigDecimal would switch to exponent notation (adjusted exponent
     * below -6).
     */
    static boolean isCanonical(String text) {
        int n = text.length();
        int i = n > 0 && text.charAt(0) == '-' ? 1 : 0;
        int intStart = i;
        while (i < n && isDigit(text.charAt(i))) {
            i++;
        }
        int intDigits = i - intStart;
        if (intDigits == 0 || intDigits > 1 && text.charAt(intStart) == '0') {
            return false;
        }
        boolean nonZero = intDigits > 1 || text.charAt(intStart) != '0';
        int leadingFractionZeros = 0;
        if (i < n) {
            if (text.charAt(i) != '.') {
                return false;
            }
            int fracStart = ++i;
            while (i < n && isDigit(text.charAt(i))) {
                if (!nonZero) {
                    if (text.charAt(i) == '0') {
                        leadingFractionZeros++;
                    } else {
                        nonZero = true;
                    }
                }
                i++;
            }
            if (i != n || i == fracStart) {
                return false;
            }
        }
        if (!nonZero) {
            // zero: BigDecimal drops the minus, and writes 0E-7 from seven fraction digits on
            return intStart == 0 && leadingFractionZeros <= 6;
        }
        // 0.000000x (six zeros) and smaller go to exponent notation; an integer part >= 1 never
        // does
        return intDigits > 1 || text.charAt(intStart) != '0' || leadingFractionZeros <= 5;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static void list(JsonParser p, JsonGenerator g, Path path) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidRecordException(path + ": L must be an array, got " + describe(p));
        }
        if (g != null) {
            g.writeStartArray();
        }
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            path.pushIndex(i++);
            writePlain(p, g, path);
            path.pop();
        }
        if (g != null) {
            g.writeEndArray();
        }
    }

    private static void set(JsonParser p, JsonGenerator g, Path path, String type, boolean numbers)
            throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidRecordException(
                    path + ": " + type + " must be an array, got " + describe(p));
        }
        if (g != null) {
            g.writeStartArray();
        }
        int i = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            path.pushIndex(i++);
            if (t != JsonToken.VALUE_STRING) {
                throw new InvalidRecordException(
                        path + ": " + type + " members must be strings, got " + describe(p));
            }
            if (numbers) {
                writeNumber(p.getText(), g, path);
                path.pop();
                continue;
            }
            if (type.equals("BS")
                    && !isBase64(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())) {
                throw new InvalidRecordException(path + ": B value is not base64");
            }
            if (g != null) {
                g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            }
            path.pop();
        }
        if (g != null) {
            g.writeEndArray();
        }
    }

    /** The current token for an error message: its kind and, for scalars, its text. */
    private static String describe(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "nothing";
        }
        switch (t) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_STRING:
                return "string \"" + abbreviate(p.getText()) + "\"";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "number " + abbreviate(p.getText());
            default:
                return abbreviate(p.getText());
        }
    }

    /**
     * Converts one attribute value given as DynamoDB-JSON text, e.g. {@code {"N":"1.50"}} to {@code
     * 1.50}.
     */
    public static String toPlainJson(String attributeValue) {
        try (JsonParser p = FACTORY.createParser(attributeValue)) {
            p.nextToken();
            java.io.StringWriter out = new java.io.StringWriter();
            try (JsonGenerator g = FACTORY.createGenerator(out)) {
                writePlain(p, g, new Path("value"));
            }
            return out.toString();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidRecordException("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when {@code s} is base64 as {@link java.util.Base64#getDecoder()} accepts it. */
    static boolean isBase64(String s) {
        return isBase64(s.toCharArray(), 0, s.length());
    }

    /**
     * True when the characters are base64 exactly as {@link java.util.Base64#getDecoder()} accepts
     * it (the basic alphabet; padding optional, but when present it is complete and ends the text),
     * without decoding.
     */
    static boolean isBase64(char[] text, int offset, int length) {
        int bits = 0; // characters in the current unit of four
        int end = offset + length;
        int i = offset;
        for (; i < end; i++) {
            char c = text[i];
            if (c == '=') {
                // "=" or "x=" end nothing; "xx=" needs its second '='
                if (bits < 2 || bits == 2 && (i + 1 == end || text[++i] != '=')) {
                    return false;
                }
                i++;
                return i == end;
            }
            if (!(c >= 'A' && c <= 'Z'
                    || c >= 'a' && c <= 'z'
                    || c >= '0' && c <= '9'
                    || c == '+'
                    || c == '/')) {
                return false;
            }
            bits = (bits + 1) & 3;
        }
        return bits != 1; // one dangling character carries too few bits
    }

    /** The text cut to 60 characters, for a reason that quotes record data. */
    public static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /**
     * The attribute path being converted, such as {@code dynamodb.NewImage.tags[2]}: kept as a
     * stack and rendered only for an error message, so converting allocates no path strings.
     */
    public static final class Path {
        private String root;
        private String[] names = new String[16];
        private int[] indices = new int[16];
        private int depth;

        private boolean keepScalar;
        private String scalar;

        /** M and L values entered and not yet left. */
        private int nesting;

        /** Attributes seen since {@link #startRecord}, in every map. */
        private int recordAttributes;

        /**
         * The attribute names of each attribute map being converted, outermost first, reused across
         * records.
         */
        private NameSet[] objects = new NameSet[4];

        private int openObjects;

        public Path(String root) {
            this.root = root;
        }

        /** Starts counting a new record's attributes (see {@link #MAX_ATTRIBUTES_PER_RECORD}). */
        public Path startRecord() {
            this.recordAttributes = 0;
            return this;
        }

        /** Starts over at a new root, e.g. {@code dynamodb.Keys}. */
        public Path reset(String newRoot) {
            this.root = newRoot;
            this.depth = 0;
            this.nesting = 0;
            while (openObjects > 0) {
                closeObject(); // left open by a record that failed half-way
            }
            return this;
        }

        /**
         * While on, the text of each S, N or B value converted is kept (for key attributes); see
         * {@link #scalar}.
         */
        public Path keepScalar(boolean on) {
            this.keepScalar = on;
            this.scalar = null;
            return this;
        }

        /** The text of the last S, N or B value converted while {@link #keepScalar} was on. */
        public String scalar() {
            return scalar;
        }

        void enter() {
            if (++nesting > MAX_DEPTH) {
                throw new InvalidRecordException(
                        this
                                + ": attribute values nested deeper than "
                                + MAX_DEPTH
                                + " levels (DynamoDB's limit)");
            }
        }

        void leave() {
            nesting--;
        }

        NameSet openObject() {
            if (openObjects == objects.length) {
                objects = java.util.Arrays.copyOf(objects, openObjects * 2);
            }
            if (objects[openObjects] == null) {
                objects[openObjects] = new NameSet();
            }
            return objects[openObjects++];
        }

        void closeObject() {
            objects[--openObjects].clear();
        }

        /**
         * Work done by the name sets of every nesting level so far: slots probed, names moved or
         * added (tests).
         */
        long nameWork() {
            long w = 0;
            for (NameSet s : objects) {
                w += s == null ? 0 : s.work;
            }
            return w;
        }

        /** How many times a name set of this path moved to its fallback (tests). */
        long nameFallbacks() {
            long f = 0;
            for (NameSet s : objects) {
                f += s == null ? 0 : s.fallbacks;
            }
            return f;
        }

        /**
         * Slots and fallback entries the name sets keep between records, all levels together
         * (tests).
         */
        long retainedNameCapacity() {
            long c = 0;
            for (NameSet s : objects) {
                c += s == null ? 0 : s.retainedCapacity();
            }
            return c;
        }

        void pushName(String name) {
            grow();
            names[depth] = name;
            indices[depth++] = -1;
        }

        void pushIndex(int index) {
            grow();
            names[depth] = null;
            indices[depth++] = index;
        }

        void pop() {
            depth--;
        }

        private void grow() {
            if (depth == names.length) {
                names = java.util.Arrays.copyOf(names, depth * 2);
                indices = java.util.Arrays.copyOf(indices, depth * 2);
            }
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(root);
            for (int i = 0; i < depth; i++) {
                if (names[i] != null) {
                    sb.append('.').append(names[i]);
                } else {
                    sb.append('[').append(indices[i]).append(']');
                }
            }
            return sb.toString();
        }
    }

    /**
     * The names seen in one attribute map, to refuse a name given twice (which of the two a
     * consumer would take is not defined). An open-addressing table that is cleared slot by slot,
     * so reusing it costs nothing per record; a Jackson-level duplicate check (a new HashSet per
     * object) was 10% of the parse.
     *
     * <p>Names are chosen by whoever writes the table, so their {@code String.hashCode()} can be
     * made to collide ("Aa", "BB" and "C#" share one; nine such blocks give 19,683 names with one
     * hash code): linear probing would then cost O(n²) per map. So a probe is never longer than
     * {@link #MAX_PROBE}: the first add that would need more moves the map's names into a {@link
     * java.util.HashSet}, whose bins become balanced trees for colliding comparable keys (String),
     * so that every later add costs O(log n). Ordinary maps rarely reach the bound (the table is at
     * most half full; a map of some 20,000 random names can, which costs nothing but the HashSet's
     * speed). UntrustedRecordsTest counts the work ({@link #work}): at most about MAX_PROBE + 2
     * operations per name under flooding, against ~n²/2 probes without the bound.
     */
    static final class NameSet {
        /** Longest linear probe before the set falls back to a {@link java.util.HashSet}. */
        static final int MAX_PROBE = 16;

        /**
         * A fallback set holding more names than this is dropped, not cleared, when the map is
         * done.
         */
        private static final int KEEP_FALLBACK_UP_TO = 1024;

        /**
         * A table of more slots than this (a map of more than 2,048 names) is dropped when the map
         * is done, so a parser keeps at most about 24 KB of table per nesting level between
         * records.
         */
        static final int KEEP_SLOTS = 4096;

        private static final int INITIAL_SLOTS = 64;

        private String[] slots = new String[INITIAL_SLOTS];
        private int[] used = new int[INITIAL_SLOTS / 2];
        private int size;
        private java.util.HashSet<String> fallback;
        private boolean inFallback;

        /**
         * Slots probed, names moved (growth, fallback) and names added to the fallback, since
         * creation (tests).
         */
        long work;

        /** Moves to the fallback since creation (tests). */
        long fallbacks;

        /** Table slots plus fallback capacity kept between records (tests). */
        long retainedCapacity() {
            return slots.length
                    + used.length
                    + (fallback == null ? 0 : Math.max(fallback.size(), 16));
        }

        /** False when the name is already in the set. */
        boolean add(String name) {
            if (inFallback) {
                work++;
                return fallback.add(name);
            }
            if (size * 2 >= slots.length) {
                grow();
                if (inFallback) {
                    work++;
                    return fallback.add(name);
                }
            }
            int mask = slots.length - 1;
            int h = name.hashCode();
            int i = (h ^ (h >>> 16)) & mask;
            String at;
            int probes = 0;
            while ((at = slots[i]) != null) {
                work++;
                if (at.equals(name)) {
                    return false;
                }
                if (++probes > MAX_PROBE) {
                    toFallback();
                    work++;
                    return fallback.add(name);
                }
                i = (i + 1) & mask;
            }
            work++;
            slots[i] = name;
            used[size++] = i;
            return true;
        }

        void clear() {
            if (slots.length > KEEP_SLOTS) {
                // a very large map: do not keep its table for the parser's life (up to 2 x 131,072
                // slots per
                // nesting level); the next large map grows a new one, at a cost linear in its names
                slots = new String[INITIAL_SLOTS];
                used = new int[INITIAL_SLOTS / 2];
            } else {
                for (int k = 0; k < size; k++) {
                    slots[used[k]] = null;
                }
            }
            size = 0;
            if (inFallback) {
                if (fallback.size() > KEEP_FALLBACK_UP_TO) {
                    fallback = null; // HashSet.clear() costs its capacity: do not pay it on every
                    // later record
                } else {
                    fallback.clear();
                }
                inFallback = false;
            }
        }

        private void toFallback() {
            fallbacks++;
            work += size;
            if (fallback == null) {
                fallback = new java.util.HashSet<>();
            }
            for (int k = 0; k < size; k++) {
                fallback.add(slots[used[k]]);
                slots[used[k]] = null;
            }
            size = 0;
            inFallback = true;
        }

        private void grow() {
            String[] names = new String[size];
            for (int k = 0; k < size; k++) {
                names[k] = slots[used[k]];
            }
            work += size;
            slots = new String[slots.length * 2];
            used = new int[slots.length / 2];
            size = 0;
            for (int k = 0; k < names.length; k++) {
                if (inFallback) {
                    fallback.add(names[k]);
                } else {
                    add(names[k]);
                }
            }
        }
    }
}

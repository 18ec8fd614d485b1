package io.streamsync.filter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Event filters with the pattern syntax of AWS Lambda event-source filter criteria (EventBridge
 * event patterns), applied to a change record as DynamoDB writes it ({@code eventName}, {@code
 * userIdentity}, {@code dynamodb.Keys}, {@code dynamodb.NewImage.status.S}, ...). A filter is one
 * pattern or a JSON array of patterns; a record passes when any pattern matches it.
 *
 * <p>A pattern is an object whose fields are nested patterns (objects) or lists of matchers
 * (arrays); all fields must match. {@code "$or": [pattern, ...]} at any level needs one of its
 * patterns to match. A list matches when any of its matchers matches any value at that path; a
 * value that is an array in the record matches when any element does. Matchers: a string, number
 * (compared numerically), boolean or null literal; {@code {"prefix": s}}, {@code {"suffix": s}}
 * (both also with {@code {"equals-ignore-case": s}}); {@code {"equals-ignore-case": s}}; {@code
 * {"wildcard": "a*b"}}; {@code {"anything-but": literal | [literals] |
 * {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": ...}}}; {@code {"numeric": [">", 0, "<=",
 * 5]}}; {@code {"exists": true|false}}. Numbers in a record's DynamoDB {@code N} strings are
 * numbers to {@code numeric} and to number literals (DynamoDB sends them as text).
 *
 * <p>Invalid patterns are refused when the filter is built, with the pattern's number, the line and
 * column and the JSON path of the error.
 */
public final class EventFilter implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final JsonFactory JSON = new JsonFactory();

    private final List<Pattern> patterns;
    private final String source;

    private EventFilter(List<Pattern> patterns, String source) {
        this.patterns = patterns;
        this.source = source;
    }

    /**
     * The filter of {@code filter.patterns}, or null when none is configured (every record counts).
     * An invalid filter fails with a {@link ConfigException} naming the key, the pattern's number,
     * line and column.
     */
    public static EventFilter fromConfig(JobConfig c) {
        if (c.filterPatterns == null) {
            return null;
        }
        try {
            return parse(c.filterPatterns);
        } catch (PatternException e) {
            throw new ConfigException(
                    "config key '"
                            + ConfigKey.FILTER_PATTERNS.key()
                            + "' is not a valid filter: "
                            + e.getMessage());
        }
    }

    /** Parses one pattern object or an array of them. */
    public static EventFilter parse(String json) {
        List<Pattern> patterns = new ArrayList<>();
        try (JsonParser p = JSON.createParser(json)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) {
                        throw error(p, "$", patterns.size() + 1, "unexpected end of the filter");
                    }
                    patterns.add(
                            parsePattern(p, "$[" + patterns.size() + "]", patterns.size() + 1));
                }
            } else {
                patterns.add(parsePattern(p, "$", 1));
            }
            if (p.nextToken() != null) {
                throw error(p, "$", patterns.size(), "unexpected content after the filter");
            }
        } catch (PatternException e) {
            throw e;
        } catch (IOException e) {
            JsonLocation at =
                    e instanceof com.fasterxml.jackson.core.JsonProcessingException
                            ? ((com.fasterxml.jackson.core.JsonProcessingException) e).getLocation()
                            : null;
            throw new PatternException(
                    "filter is not valid JSON"
                            + (at == null
                                    ? ""
                                    : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                            + ": "
                            + (e instanceof com.fasterxml.jackson.core.JsonProcessingException
                                    ? ((com.fasterxml.jackson.core.JsonProcessingException) e)
                                            .getOriginalMessage()
                                    : e.getMessage()));
        }
        if (patterns.isEmpty()) {
            throw new PatternException(
                    "filter has no pattern: give an object, or an array of at least one");
        }
        return new EventFilter(patterns, json);
    }

    /** True when any pattern matches the record. */
    public boolean matches(JsonNode record) {
        for (Pattern p : patterns) {
            if (p.matches(Collections.singletonList(record))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Top-level record paths the patterns read, two levels deep (e.g. "eventName",
     * "dynamodb.NewImage").
     */
    public Set<String> referencedPaths() {
        Set<String> out = new TreeSet<>();
        for (Pattern p : patterns) {
            p.collectPaths("", 0, out);
        }
        return out;
    }

    @Override
    public String toString() {
        return source;
    }

    // ---------------------------------------------------------------- parsing

    private static PatternException error(JsonParser p, String path, int pattern, String what) {
        JsonLocation at = p.currentTokenLocation();
        return new PatternException(
                "filter pattern "
                        + pattern
                        + ", line "
                        + at.getLineNr()
                        + ", column "
                        + at.getColumnNr()
                        + " ("
                        + path
                        + "): "
                        + what);
    }

    private static Pattern parsePattern(JsonParser p, String path, int n) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw error(p, path, n, "a pattern must be a JSON object");
        }
        Pattern pattern = new Pattern();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
            String field = p.currentName();
            String fieldPath = path + "." + field;
            t = p.nextToken();
            if ("$or".equals(field)) {
                if (t != JsonToken.START_ARRAY) {
                    throw error(p, fieldPath, n, "$or takes an array of at least two patterns");
                }
                List<Pattern> alternatives = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    alternatives.add(
                            parsePattern(p, fieldPath + "[" + alternatives.size() + "]", n));
                }
                if (alternatives.size() < 2) {
                    throw error(p, fieldPath, n, "$or takes an array of at least two patterns");
                }
                pattern.ors.add(alternatives);
            } else if (t == JsonToken.START_OBJECT) {
                pattern.fields.add(new Field(field, parsePattern(p, fieldPath, n), null));
            } else if (t == JsonToken.START_ARRAY) {
                List<Matcher> matchers = new ArrayList<>();
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    matchers.add(parseMatcher(p, fieldPath + "[" + matchers.size() + "]", n));
                }
                if (matchers.isEmpty()) {
                    throw error(
                            p,
                            fieldPath,
                            n,
                            "an empty list matches nothing: give at least one matcher");
                }
                pattern.fields.add(new Field(field, null, matchers));
            } else {
                String literal =
                        t == JsonToken.VALUE_STRING ? "\"" + p.getText() + "\"" : p.getText();
                throw error(
                        p,
                        fieldPath,
                        n,
                        "a field's value must be an array of matchers or a nested pattern object, not "
                                + literal
                                + " (write ["
                                + literal
                                + "])");
            }
        }
        if (pattern.fields.isEmpty() && pattern.ors.isEmpty()) {
            throw error(p, path, n, "an empty pattern");
        }
        return pattern;
    }

    private static Matcher parseMatcher(JsonParser p, String path, int n) throws IOException {
        switch (p.currentToken()) {
            case VALUE_STRING:
                return Matcher.exact(p.getText());
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return Matcher.number(p.getDecimalValue());
            case VALUE_TRUE:
            case VALUE_FALSE:
                return Matcher.bool(p.getBooleanValue());
            case VALUE_NULL:
                return Matcher.isNull();
            case START_OBJECT:
                break;
            default:
                throw error(
                        p,
                        path,
                        n,
                        "a matcher must be a literal or an operator object, not "
                                + p.currentToken());
        }
        if (p.nextToken() != JsonToken.FIELD_NAME) {
            throw error(p, path, n, "an operator object needs one operator");
        }
        String op = p.currentName();
        String opPath = path + "." + op;
        p.nextToken();
        Matcher m;
        switch (op) {
            case "prefix":
            case "suffix":
                m = textOperator(p, opPath, n, op);
                break;
            case "equals-ignore-case":
                m = Matcher.ignoreCase(string(p, opPath, n, op));
                break;
            case "wildcard":
                m = Matcher.wildcard(wildcardPattern(p, opPath, n));
                break;
            case "anything-but":
                m = anythingBut(p, opPath, n);
                break;
            case "numeric":
                m = numeric(p, opPath, n);
                break;
            case "exists":
                if (p.currentToken() != JsonToken.VALUE_TRUE
                        && p.currentToken() != JsonToken.VALUE_FALSE) {
                    throw error(p, opPath, n, "exists takes true or false");
                }
                m = Matcher.exists(p.getBooleanValue());
                break;
            default:
                throw error(
                        p,
                        opPath,
                        n,
                        "unknown operator '"
                                + op
                                + "' (known: prefix, suffix, equals-ignore-case, wildcard,"
                                + " anything-but, numeric, exists)");
        }
        if (p.nextToken() != JsonToken.END_OBJECT) {
            throw error(
                    p,
                    path,
                    n,
                    "one operator per object: '" + p.currentName() + "' follows '" + op + "'");
        }
        return m;
    }

    private static String string(JsonParser p, String path, int n, String op) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw error(p, path, n, op + " takes a string");
        }
        return p.getText();
    }

    /** prefix / suffix: a string, or {"equals-ignore-case": string}. */
    private static Matcher textOperator(JsonParser p, String path, int n, String op)
            throws IOException {
        boolean ignoreCase = false;
        String value;
        if (p.currentToken() == JsonToken.START_OBJECT) {
            if (p.nextToken() != JsonToken.FIELD_NAME
                    || !"equals-ignore-case".equals(p.currentName())) {
                throw error(p, path, n, op + " takes a string or {\"equals-ignore-case\": string}");
            }
            p.nextToken();
            value = string(p, path, n, op);
            ignoreCase = true;
            if (p.nextToken() != JsonToken.END_OBJECT) {
                throw error(p, path, n, op + " takes a string or {\"equals-ignore-case\": string}");
            }
        } else {
            value = string(p, path, n, op);
        }
        if (value.isEmpty() && "prefix".equals(op)) {
            // an empty prefix matches every string: allowed, as in EventBridge
        }
        return "prefix".equals(op)
                ? Matcher.prefix(value, ignoreCase)
                : Matcher.suffix(value, ignoreCase);
    }

    private static String wildcardPattern(JsonParser p, String path, int n) throws IOException {
        String w = string(p, path, n, "wildcard");
        if (w.contains("**")) {
            throw error(p, path, n, "wildcard: consecutive '*' are not allowed");
        }
        return w;
    }

    private static Matcher anythingBut(JsonParser p, String path, int n) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_ARRAY) {
            List<Matcher> literals = new ArrayList<>();
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    throw error(p, path, n, "anything-but takes literals in its list");
                }
                literals.add(parseMatcher(p, path + "[" + literals.size() + "]", n));
            }
            if (literals.isEmpty()) {
                throw error(p, path, n, "anything-but takes a non-empty list");
            }
            return Matcher.not(Matcher.any(literals));
        }
        if (t == JsonToken.START_OBJECT) {
            if (p.nextToken() != JsonToken.FIELD_NAME) {
                throw error(
                        p,
                        path,
                        n,
                        "anything-but takes a literal, a list, or one of prefix, suffix, equals-ignore-case, wildcard");
            }
            String op = p.currentName();
            p.nextToken();
            Matcher inner;
            switch (op) {
                case "prefix":
                    inner = Matcher.prefix(string(p, path + "." + op, n, op), false);
                    break;
                case "suffix":
                    inner = Matcher.suffix(string(p, path + "." + op, n, op), false);
                    break;
                case "equals-ignore-case":
                    inner = stringOrList(p, path + "." + op, n, op, Matcher::ignoreCase);
                    break;
                case "wildcard":
                    inner = stringOrList(p, path + "." + op, n, op, Matcher::wildcard);
                    break;
                default:
                    throw error(
                            p,
                            path + "." + op,
                            n,
                            "anything-but takes prefix, suffix, equals-ignore-case or wildcard, not '"
                                    + op
                                    + "'");
            }
            if (p.nextToken() != JsonToken.END_OBJECT) {
                throw error(p, path, n, "anything-but: one operator per object");
            }
            return Matcher.not(inner);
        }
        if (t == JsonToken.VALUE_STRING
                || t == JsonToken.VALUE_NUMBER_INT
                || t == JsonToken.VALUE_NUMBER_FLOAT
                || t == JsonToken.VALUE_TRUE
                || t == JsonToken.VALUE_FALSE
                || t == JsonToken.VALUE_NULL) {
            return Matcher.not(parseMatcher(p, path, n));
        }
        throw error(
                p,
                path,
                n,
                "anything-but takes a literal, a list, or one of prefix, suffix, equals-ignore-case, wildcard");
    }

    private static Matcher stringOrList(
            JsonParser p,
            String path,
            int n,
            String op,
            java.util.function.Function<String, Matcher> make)
            throws IOException {
        if (p.currentToken() == JsonToken.START_ARRAY) {
            List<Matcher> all = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                all.add(make.apply(string(p, path, n, op)));
            }
            return Matcher.any(all);
        }
        return make.apply(string(p, path, n, op));
    }

    private static Matcher numeric(JsonParser p, String path, int n) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw error(
                    p,
                    path,
                    n,
                    "numeric takes [op, number] or [op, number, op, number], op one of = < <= > >=");
        }
        List<String> ops = new ArrayList<>();
        List<BigDecimal> bounds = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING
                    || !Set.of("=", "<", "<=", ">", ">=").contains(p.getText())) {
                throw error(
                        p,
                        path,
                        n,
                        "numeric: expected an operator (= < <= > >=), found " + p.getText());
            }
            ops.add(p.getText());
            t = p.nextToken();
            if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                throw error(
                        p,
                        path,
                        n,
                        "numeric: operator '"
                                + ops.get(ops.size() - 1)
                                + "' needs a number, found "
                                + p.getText());
            }
            bounds.add(p.getDecimalValue());
        }
        if (ops.isEmpty() || ops.size() > 2) {
            throw error(p, path, n, "numeric takes one comparison or a range of two");
        }
        if (ops.size() == 2) {
            boolean lower = ops.get(0).startsWith(">");
            boolean upper = ops.get(1).startsWith("<");
            if (!lower || !upper || bounds.get(0).compareTo(bounds.get(1)) > 0) {
                throw error(
                        p,
                        path,
                        n,
                        "a numeric range is [\">\" or \">=\", low, \"<\" or \"<=\", high] with low <= high");
            }
        }
        return Matcher.numeric(ops, bounds);
    }

    // ---------------------------------------------------------------- the compiled pattern

    /** All fields must match, and one alternative of each $or. */
    private static final class Pattern implements Serializable {
        private static final long serialVersionUID = 1L;
        final List<Field> fields = new ArrayList<>();
        final List<List<Pattern>> ors = new ArrayList<>();

        boolean matches(List<JsonNode> nodes) {
            for (Field f : fields) {
                List<JsonNode> values = new ArrayList<>();
                for (JsonNode node : nodes) {
                    collect(node.get(f.name), values);
                }
                if (f.nested != null) {
                    // a missing object has no fields: only "exists": false can match inside it
                    if (!f.nested.matches(values)) {
                        return false;
                    }
                } else if (!anyMatcher(f.matchers, values)) {
                    return false;
                }
            }
            for (List<Pattern> alternatives : ors) {
                boolean one = false;
                for (Pattern alt : alternatives) {
                    if (alt.matches(nodes)) {
                        one = true;
                        break;
                    }
                }
                if (!one) {
                    return false;
                }
            }
            return true;
        }

        void collectPaths(String prefix, int depth, Set<String> out) {
            for (Field f : fields) {
                String path = prefix.isEmpty() ? f.name : prefix + "." + f.name;
                if (depth == 1 || f.nested == null) {
                    out.add(path);
                } else {
                    f.nested.collectPaths(path, depth + 1, out);
                }
            }
            for (List<Pattern> alternatives : ors) {
                for (Pattern alt : alternatives) {
                    alt.collectPaths(prefix, depth, out);
                }
            }
        }
    }

    /** Values at a path: arrays are flattened (any element may match). */
    private static void collect(JsonNode value, List<JsonNode> out) {
        if (value == null || value.isMissingNode()) {
            return;
        }
        if (value.isArray()) {
            value.forEach(v -> collect(v, out));
        } else {
            out.add(value);
        }
    }

    private static boolean anyMatcher(List<Matcher> matchers, List<JsonNode> values) {
        for (Matcher m : matchers) {
            if (m.matchesField(values)) {
                return true;
            }
        }
        return false;
    }

    private static final class Field implements Serializable {
        private static final long serialVersionUID = 1L;
        final String name;
        final Pattern nested;
        final List<Matcher> matchers;

        Field(String name, Pattern nested, List<Matcher> matchers) {
            this.name = name;
            this.nested = nested;
            this.matchers = matchers;
        }
    }

    /** Lower-cases for equals-ignore-case the way EventBridge does: locale-independent. */
    static String fold(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}

package io.streamsync.filter;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.List;

/** One matcher of a field's list: a literal or an operator of the EventBridge pattern syntax. */
abstract class Matcher implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The field's values (arrays flattened); empty when the field is missing. */
    boolean matchesField(List<JsonNode> values) {
        for (JsonNode v : values) {
            if (test(v)) {
                return true;
            }
        }
        return false;
    }

    /** One value. */
    abstract boolean test(JsonNode v);

    /** A number, or text that is a number (DynamoDB's N values are strings); null otherwise. */
    static BigDecimal number(JsonNode v) {
        if (v.isNumber()) {
            return v.decimalValue();
        }
        if (v.isTextual()) {
            String s = v.textValue().trim();
            if (!s.isEmpty()
                    && s.length() <= 64
                    && (Character.isDigit(s.charAt(s.length() - 1)) || s.endsWith("."))) {
                try {
                    return new BigDecimal(s);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    static Matcher exact(String s) {
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                return v.isTextual() && v.textValue().equals(s);
            }
        };
    }

    static Matcher number(BigDecimal n) {
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                BigDecimal d = number(v);
                return d != null && d.compareTo(n) == 0;
            }
        };
    }

    static Matcher bool(boolean b) {
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                return v.isBoolean() && v.booleanValue() == b;
            }
        };
    }

    static Matcher isNull() {
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                return v.isNull();
            }
        };
    }

    static Matcher prefix(String p, boolean ignoreCase) {
        String folded = EventFilter.fold(p);
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                return v.isTextual()
                        && (ignoreCase
                                ? EventFilter.fold(v.textValue()).startsWith(folded)
                                : v.textValue().startsWith(p));
            }
        };
    }

    static Matcher suffix(String p, boolean ignoreCase) {
        String folded = EventFilter.fold(p);
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                return v.isTextual()
                        && (ignoreCase
                                ? EventFilter.fold(v.textValue()).endsWith(folded)
                                : v.textValue().endsWith(p));
            }
        };
    }

    static Matcher ignoreCase(String s) {
        String folded = EventFilter.fold(s);
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                return v.isTextual() && EventFilter.fold(v.textValue()).equals(folded);
            }
        };
    }

    /**
     * '*' matches any run of characters; "\\*" is a literal star. Matched in time linear in the
     * text (record values are untrusted; a regular expression with one {@code .*} per star
     * backtracks polynomially): the pattern is cut at its stars into literal segments; the first
     * must start the text, the last must end it, and each one between is found, left to right, at
     * its earliest place after the previous one (the earliest place leaves the most room for the
     * rest, so a match exists exactly when this finds one), with a Knuth-Morris-Pratt search that
     * reads each character once.
     */
    static Matcher wildcard(String w) {
        Wildcard compiled = compile(w);
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                return v.isTextual() && compiled.matches(v.textValue());
            }
        };
    }

    /**
     * The wildcard {@code w} ({@code *} any run of characters, {@code \\*} a star) cut at its
     * stars.
     */
    static Wildcard compile(String w) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < w.length(); i++) {
            char c = w.charAt(i);
            if (c == '\\'
                    && i + 1 < w.length()
                    && (w.charAt(i + 1) == '*' || w.charAt(i + 1) == '\\')) {
                literal.append(w.charAt(++i));
            } else if (c == '*') {
                parts.add(literal.toString());
                literal.setLength(0);
            } else {
                literal.append(c);
            }
        }
        parts.add(literal.toString());
        return new Wildcard(parts);
    }

    /**
     * A wildcard cut at its stars: {@code segments[0]} * ... * {@code segments[n-1]}, with KMP
     * tables.
     */
    static final class Wildcard implements Serializable {
        private static final long serialVersionUID = 1L;

        private final String[] segments;
        private final int[][] failure;

        /**
         * Characters compared so far by the searches of the middle segments (each text character
         * read, and each step back through a failure table), for tests: at most twice the text's
         * length per match.
         */
        transient long comparisons;

        Wildcard(java.util.List<String> parts) {
            segments = parts.toArray(new String[0]);
            failure = new int[segments.length][];
            for (int k = 0; k < segments.length; k++) {
                failure[k] = failureTable(segments[k]);
            }
        }

        boolean matches(String text) {
            int last = segments.length - 1;
            if (last == 0) {
                return text.equals(segments[0]);
            }
            String head = segments[0];
            String tail = segments[last];
            if (text.length() < head.length() + tail.length()
                    || !text.startsWith(head)
                    || !text.endsWith(tail)) {
                return false;
            }
            int from = head.length();
            int to = text.length() - tail.length(); // the middle segments must fit in [from, to)
            for (int k = 1; k < last; k++) {
                int at = indexOf(text, from, to, segments[k], failure[k]);
                if (at < 0) {
                    return false;
                }
                from = at + segments[k].length();
            }
            return true;
        }

        /** The first index in [from, to) where {@code p} occurs wholly before {@code to}, or -1. */
        private int indexOf(String text, int from, int to, String p, int[] fail) {
            int m = p.length();
            if (m == 0) {
                return from;
            }
            int q = 0;
            long steps = 0;
            for (int i = from; i < to; i++) {
                char c = text.charAt(i);
                steps++;
                while (q > 0 && p.charAt(q) != c) {
                    q = fail[q - 1];
                    steps++;
                }
                if (p.charAt(q) == c) {
                    q++;
                }
                if (q == m) {
                    comparisons += steps;
                    return i - m + 1;
                }
            }
            comparisons += steps;
            return -1;
        }

        /** fail[i]: the length of the longest proper prefix of p[0..i] that is also its suffix. */
        private static int[] failureTable(String p) {
            int[] fail = new int[p.length()];
            int q = 0;
            for (int i = 1; i < p.length(); i++) {
                while (q > 0 && p.charAt(q) != p.charAt(i)) {
                    q = fail[q - 1];
                }
                if (p.charAt(q) == p.charAt(i)) {
                    q++;
                }
                fail[i] = q;
            }
            return fail;
        }
    }

    static Matcher any(List<Matcher> all) {
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                for (Matcher m : all) {
                    if (m.test(v)) {
                        return true;
                    }
                }
                return false;
            }
        };
    }

    /**
     * anything-but: a present value that the inner matcher refuses (a missing field does not
     * match).
     */
    static Matcher not(Matcher inner) {
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                return !inner.test(v);
            }
        };
    }

    static Matcher numeric(List<String> ops, List<BigDecimal> bounds) {
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                BigDecimal d = number(v);
                if (d == null) {
                    return false;
                }
                for (int i = 0; i < ops.size(); i++) {
                    int c = d.compareTo(bounds.get(i));
                    boolean ok;
                    switch (ops.get(i)) {
                        case "=":
                            ok = c == 0;
                            break;
                        case "<":
                            ok = c < 0;
                            break;
                        case "<=":
                            ok = c <= 0;
                            break;
                        case ">":
                            ok = c > 0;
                            break;
                        default:
                            ok = c >= 0;
                    }
                    if (!ok) {
                        return false;
                    }
                }
                return true;
            }
        };
    }

    static Matcher exists(boolean wanted) {
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean matchesField(List<JsonNode> values) {
                return values.isEmpty() != wanted;
            }

            @Override
            boolean test(JsonNode v) {
                return wanted;
            }
        };
    }
}

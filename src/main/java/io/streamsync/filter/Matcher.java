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
            if (!s.isEmpty() && s.length() <= 64 && (Character.isDigit(s.charAt(s.length() - 1)) || s.endsWith("."))) {
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
                return v.isTextual() && (ignoreCase ? EventFilter.fold(v.textValue()).startsWith(folded) : v.textValue().startsWith(p));
            }
        };
    }

    static Matcher suffix(String p, boolean ignoreCase) {
        String folded = EventFilter.fold(p);
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                return v.isTextual() && (ignoreCase ? EventFilter.fold(v.textValue()).endsWith(folded) : v.textValue().endsWith(p));
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

    /** '*' matches any run of characters; "\\*" is a literal star. */
    static Matcher wildcard(String w) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < w.length(); i++) {
            char c = w.charAt(i);
            if (c == '\\' && i + 1 < w.length() && (w.charAt(i + 1) == '*' || w.charAt(i + 1) == '\\')) {
                literal.append(w.charAt(++i));
            } else if (c == '*') {
                regex.append(java.util.regex.Pattern.quote(literal.toString())).append(".*");
                literal.setLength(0);
            } else {
                literal.append(c);
            }
        }
        regex.append(java.util.regex.Pattern.quote(literal.toString()));
        java.util.regex.Pattern compiled = java.util.regex.Pattern.compile(regex.toString(), java.util.regex.Pattern.DOTALL);
        return new Matcher() {
            private static final long serialVersionUID = 1L;

            @Override
            boolean test(JsonNode v) {
                return v.isTextual() && compiled.matcher(v.textValue()).matches();
            }
        };
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

    /** anything-but: a present value that the inner matcher refuses (a missing field does not match). */
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

package io.streamsync.change;

/**
 * Strict UTF-8 (RFC 3629) for change records, checked in one pass before they are parsed: Jackson's
 * byte parser decodes overlong forms ({@code C0 80} as U+0000), encoded surrogates ({@code ED A0
 * 80}) and code points above U+10FFFF without complaint, and a JSON escape can name a lone
 * surrogate ({@code "\\uD800"}); the parsed text would then not be the bytes DynamoDB holds, and
 * two different keys could render alike. DynamoDB's own strings are always valid UTF-8, so such a
 * record is refused. ASCII, the common case, costs one comparison per byte.
 */
public final class Utf8 {
    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
                    long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long ONES = 0x0101010101010101L;
    private static final long BACKSLASHES = 0x5c5c5c5c5c5c5c5cL;

    private Utf8() {}

    /**
     * Null when {@code b} is well-formed UTF-8 with no escaped lone surrogate; else what is wrong,
     * and where.
     */
    public static String firstError(byte[] b) {
        int n = b.length;
        int i = 0;
        while (i < n) {
            // eight bytes at a time while they are ASCII without a backslash (most of a record)
            while (i + 8 <= n) {
                long w = (long) LONGS.get(b, i);
                long x = w ^ BACKSLASHES; // a zero byte where w has a backslash
                if (((w | ((x - ONES) & ~x)) & HIGH_BITS) != 0) {
                    break;
                }
                i += 8;
            }
            if (i >= n) {
                break;
            }
            int c = b[i];
            if (c >= 0) { // ASCII
                if (c == '\\' && i + 1 < n) {
                    int len = escapeLength(b, i, n);
                    if (len < 0) {
                        return "escaped lone surrogate \\u"
                                + new String(
                                        b, i + 2, 4, java.nio.charset.StandardCharsets.ISO_8859_1)
                                + " at byte "
                                + i;
                    }
                    i += len;
                } else {
                    i++;
                }
                continue;
            }
            c &= 0xff;
            int need;
            int min;
            if (c >= 0xc2 && c <= 0xdf) {
                need = 1;
                min = 0x80;
            } else if (c >= 0xe0 && c <= 0xef) {
                need = 2;
                min = 0x800;
            } else if (c >= 0xf0 && c <= 0xf4) {
                need = 3;
                min = 0x10000;
            } else if (c == 0xc0 || c == 0xc1) {
                return "overlong encoding at byte " + i;
            } else if (c <= 0xbf) {
                return "unexpected continuation byte 0x" + Integer.toHexString(c) + " at byte " + i;
            } else {
                return "byte 0x" + Integer.toHexString(c) + " (never used by UTF-8) at byte " + i;
            }
            if (i + need >= n) {
                return "truncated sequence at byte " + i;
            }
            int cp = c & (0x3f >> need);
            for (int k = 1; k <= need; k++) {
                int cont = b[i + k] & 0xff;
                if ((cont & 0xc0) != 0x80) {
                    return "missing continuation byte at byte " + (i + k);
                }
                cp = (cp << 6) | (cont & 0x3f);
            }
            if (cp < min) {
                return "overlong encoding at byte " + i;
            }
            if (cp >= 0xd800 && cp <= 0xdfff) {
                return "encoded surrogate U+"
                        + Integer.toHexString(cp).toUpperCase(java.util.Locale.ROOT)
                        + " at byte "
                        + i;
            }
            if (cp > 0x10ffff) {
                return "code point above U+10FFFF at byte " + i;
            }
            i += need + 1;
        }
        return null;
    }

    /**
     * At a backslash: the length of its escape (2; 6 for a {@code \\uXXXX}; 12 for a surrogate
     * pair), or -1 for an escaped lone surrogate. JSON syntax (four hex digits) is the parser's to
     * check.
     */
    private static int escapeLength(byte[] b, int i, int n) {
        if (b[i + 1] != 'u') {
            return 2;
        }
        int unit = hex4(b, i + 2, n);
        if (unit < 0xd800 || unit > 0xdfff) {
            return unit < 0 ? 2 : 6;
        }
        if (unit <= 0xdbff && i + 7 < n && b[i + 6] == '\\' && b[i + 7] == 'u') {
            int low = hex4(b, i + 8, n);
            if (low >= 0xdc00 && low <= 0xdfff) {
                return 12;
            }
        }
        return -1;
    }

    private static int hex4(byte[] b, int from, int n) {
        if (from + 4 > n) {
            return -1;
        }
        int v = 0;
        for (int k = from; k < from + 4; k++) {
            int d = Character.digit(b[k], 16);
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /**
     * For records given as text: null when it holds no lone surrogate, raw or escaped; else which
     * and where.
     */
    public static String loneSurrogate(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)
                    && i + 1 < n
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                i += 2;
            } else if (Character.isSurrogate(c)) {
                return "lone surrogate at character " + i;
            } else if (c == '\\' && i + 1 < n) {
                int end = Math.min(n, i + 12);
                byte[] ascii = new byte[end - i];
                for (int k = i; k < end; k++) {
                    char e = s.charAt(k);
                    ascii[k - i] = e < 128 ? (byte) e : (byte) '?';
                }
                int len = escapeLength(ascii, 0, ascii.length);
                if (len < 0) {
                    return "escaped lone surrogate \\u"
                            + s.substring(i + 2, i + 6)
                            + " at character "
                            + i;
                }
                i += len;
            } else {
                i++;
            }
        }
        return null;
    }
}

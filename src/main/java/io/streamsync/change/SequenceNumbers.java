package io.streamsync.change;

/**
 * Orders DynamoDB stream sequence numbers. They are decimal strings of up to 40 digits (more than a
 * long holds), so they are compared as numbers without allocating: first by significant length,
 * then by digits.
 */
public final class SequenceNumbers {
    private SequenceNumbers() {}

    /**
     * Negative, zero or positive as {@code a} is below, equal to or above {@code b}; null sorts
     * first.
     */
    public static int compare(String a, String b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        int ia = firstSignificant(a);
        int ib = firstSignificant(b);
        int la = a.length() - ia;
        int lb = b.length() - ib;
        if (la != lb) {
            return Integer.compare(la, lb);
        }
        for (int k = 0; k < la; k++) {
            int d = Character.compare(a.charAt(ia + k), b.charAt(ib + k));
            if (d != 0) {
                return d;
            }
        }
        return 0;
    }

    /** True when the text is a non-empty run of decimal digits. */
    public static boolean isValid(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static int firstSignificant(String s) {
        int i = 0;
        while (i < s.length() - 1 && s.charAt(i) == '0') {
            i++;
        }
        return i;
    }
}

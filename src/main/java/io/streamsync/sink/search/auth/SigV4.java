package io.streamsync.sink.search.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for one HTTP request, as the AWS General Reference describes it: canonical
 * request, string to sign, derived signing key, signature. Pure and deterministic (time and credentials
 * are arguments), so it is checked against the published test-suite values.
 */
public final class SigV4 {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private SigV4() {}

    /** What signing produced: the Authorization header and the intermediate values (for tests and diagnostics). */
    public static final class Signed {
        public final String canonicalRequest;
        public final String stringToSign;
        public final String signedHeaders;
        public final String signature;
        public final String authorization;

        Signed(String canonicalRequest, String stringToSign, String signedHeaders, String signature, String authorization) {
            this.canonicalRequest = canonicalRequest;
            this.stringToSign = stringToSign;
            this.signedHeaders = signedHeaders;
            this.signature = signature;
            this.authorization = authorization;
        }
    }

    /**
     * Signs a request.
     *
     * @param path the path as sent on the wire (percent-encoded)
     * @param rawQuery the query as sent, without '?', or null
     * @param headers the headers to sign (host and x-amz-date included), any case
     * @param payloadSha256 hex SHA-256 of the body (of the empty string when there is none)
     * @param doubleEncodePath true for every AWS service but S3 (the wire path is encoded once more)
     */
    public static Signed sign(String method, String path, String rawQuery, Map<String, String> headers, String payloadSha256,
            String accessKeyId, String secretKey, String region, String service, Instant time, boolean doubleEncodePath) {
        TreeMap<String, String> canonicalHeaders = new TreeMap<>();
        headers.forEach((k, v) -> canonicalHeaders.merge(k.toLowerCase(Locale.ROOT), v.trim().replaceAll(" +", " "),
                (a, b) -> a + "," + b));
        String signedHeaders = String.join(";", canonicalHeaders.keySet());
        StringBuilder ch = new StringBuilder();
        canonicalHeaders.forEach((k, v) -> ch.append(k).append(':').append(v).append('\n'));

        String canonicalRequest = method + "\n" + canonicalPath(path, doubleEncodePath) + "\n" + canonicalQuery(rawQuery) + "\n"
                + ch + "\n" + signedHeaders + "\n" + payloadSha256;
        String amzDate = AMZ_DATE.format(time);
        String day = amzDate.substring(0, 8);
        String scope = day + "/" + region + "/" + service + "/aws4_request";
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        String signature = hex(hmac(signingKey(secretKey, day, region, service), stringToSign));
        String authorization = ALGORITHM + " Credential=" + accessKeyId + "/" + scope + ", SignedHeaders=" + signedHeaders
                + ", Signature=" + signature;
        return new Signed(canonicalRequest, stringToSign, signedHeaders, signature, authorization);
    }

    /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request"). */
    public static byte[] signingKey(String secretKey, String day, String region, String service) {
        byte[] k = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), day);
        k = hmac(k, region);
        k = hmac(k, service);
        return hmac(k, "aws4_request");
    }

    static String canonicalPath(String path, boolean doubleEncode) {
        if (path == null || path.isEmpty()) {
            return "/";
        }
        if (!doubleEncode) {
            return path;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            out.append(c == '/' ? "/" : encode(String.valueOf(c)));
        }
        return out.toString();
    }

    static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> params = new ArrayList<>();
        for (String part : rawQuery.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            String v = eq < 0 ? "" : part.substring(eq + 1);
            params.add(new String[] {encode(decode(k)), encode(decode(v))});
        }
        params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder out = new StringBuilder();
        for (String[] p : params) {
            if (out.length() > 0) {
                out.append('&');
            }
            out.append(p[0]).append('=').append(p[1]);
        }
        return out.toString();
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters, upper-case hex. */
    static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
                    || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(HEX[c >> 4])).append(Character.toUpperCase(HEX[c & 15]));
            }
        }
        return out.toString();
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 15];
            out[2 * i + 1] = HEX[bytes[i] & 15];
        }
        return new String(out);
    }
}

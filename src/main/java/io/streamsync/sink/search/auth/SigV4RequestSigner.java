package io.streamsync.sink.search.auth;

import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.http.Header;
import org.apache.http.HttpEntity;
import org.apache.http.HttpEntityEnclosingRequest;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.HttpRequestInterceptor;
import org.apache.http.protocol.HttpContext;
import org.apache.http.protocol.HttpCoreContext;
import org.apache.http.util.EntityUtils;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Signs every request of the REST client with SigV4 for Amazon OpenSearch Service (service {@code es}) or
 * OpenSearch Serverless ({@code aoss}), as the last interceptor (after the client set its headers). Signs
 * host, x-amz-date, x-amz-content-sha256 (the body's hash: OpenSearch Serverless requires it), the session
 * token when the credentials have one, and content-type. Credentials come from the provider on every
 * request (the default chain caches and refreshes them).
 */
public final class SigV4RequestSigner implements HttpRequestInterceptor {
    private final AwsCredentialsProvider credentials;
    private final String region;
    private final String service;
    private final Clock clock;

    public SigV4RequestSigner(AwsCredentialsProvider credentials, String region, String service, Clock clock) {
        this.credentials = credentials;
        this.region = region;
        this.service = service;
        this.clock = clock;
    }

    @Override
    public void process(HttpRequest request, HttpContext context) throws IOException {
        byte[] body = new byte[0];
        if (request instanceof HttpEntityEnclosingRequest) {
            HttpEntity entity = ((HttpEntityEnclosingRequest) request).getEntity();
            if (entity != null) {
                if (!entity.isRepeatable()) {
                    throw new IOException("cannot sign a request whose body can be read only once");
                }
                body = EntityUtils.toByteArray(entity);
            }
        }
        Header hostHeader = request.getFirstHeader("Host"); // set by the client's own interceptors, which run first
        String host;
        if (hostHeader != null) {
            host = hostHeader.getValue();
        } else {
            HttpHost target = (HttpHost) context.getAttribute(HttpCoreContext.HTTP_TARGET_HOST);
            host = target.getHostName() + (target.getPort() > 0 && !isDefaultPort(target) ? ":" + target.getPort() : "");
            request.setHeader("Host", host);
        }
        String uri = request.getRequestLine().getUri();
        if (uri.startsWith("http://") || uri.startsWith("https://")) {
            uri = uri.substring(uri.indexOf('/', uri.indexOf("//") + 2) < 0 ? uri.length() : uri.indexOf('/', uri.indexOf("//") + 2));
        }
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? null : uri.substring(q + 1);

        AwsCredentials c = credentials.resolveCredentials();
        String payloadHash = SigV4.hex(SigV4.sha256(body));
        java.time.Instant now = clock.instant();
        String amzDate = SigV4.AMZ_DATE.format(now);
        for (String name : new String[] {"Authorization", "X-Amz-Date", "X-Amz-Content-SHA256", "X-Amz-Security-Token"}) {
            request.removeHeaders(name);
        }
        request.setHeader("X-Amz-Date", amzDate);
        request.setHeader("X-Amz-Content-SHA256", payloadHash);
        if (c instanceof AwsSessionCredentials) {
            request.setHeader("X-Amz-Security-Token", ((AwsSessionCredentials) c).sessionToken());
        }
        Map<String, String> signed = new LinkedHashMap<>();
        signed.put("host", host);
        for (Header h : request.getAllHeaders()) {
            String name = h.getName().toLowerCase(java.util.Locale.ROOT);
            if (name.startsWith("x-amz-") || name.equals("content-type")) {
                signed.merge(name, h.getValue(), (a, b) -> a + "," + b);
            }
        }
        SigV4.Signed s = SigV4.sign(request.getRequestLine().getMethod(), path, query, signed, payloadHash, c.accessKeyId(),
                c.secretAccessKey(), region, service, now, true);
        request.setHeader("Authorization", s.authorization);
    }

    private static boolean isDefaultPort(HttpHost h) {
        return ("https".equals(h.getSchemeName()) && h.getPort() == 443) || ("http".equals(h.getSchemeName()) && h.getPort() == 80);
    }
}

package io.streamsync.sink.search.auth;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.List;
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
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Signs every request of the search REST client with SigV4 for Amazon OpenSearch Service (service
 * {@code es}) or OpenSearch Serverless ({@code aoss}), as the last interceptor (after the client
 * set its headers), with the AWS SDK v2's signer ({@link AwsV4HttpSigner}): this class only carries
 * the Apache request into an SDK request and the signed headers back. Signed: host, x-amz-date,
 * content-type, the session token when the credentials have one, and x-amz-content-sha256 (the
 * body's hash; the SDK's signer always sends it, and OpenSearch Serverless requires it).
 * Credentials come from the provider on every request (the SDK's providers cache and refresh them).
 */
public final class SigV4RequestSigner implements HttpRequestInterceptor {
    /** The headers the signer sets (replaced on a retried request). */
    private static final List<String> SIGNING_HEADERS =
            List.of("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256");

    private final AwsCredentialsProvider credentials;
    private final String region;
    private final String service;
    private final Clock clock;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    public SigV4RequestSigner(
            AwsCredentialsProvider credentials, String region, String service, Clock clock) {
        this.credentials = credentials;
        this.region = region;
        this.service = service;
        this.clock = clock;
    }

    @Override
    public void process(HttpRequest request, HttpContext context) throws IOException {
        byte[] body = null;
        if (request instanceof HttpEntityEnclosingRequest) {
            HttpEntity entity = ((HttpEntityEnclosingRequest) request).getEntity();
            if (entity != null) {
                if (!entity.isRepeatable()) {
                    throw new IOException("cannot sign a request whose body can be read only once");
                }
                body = EntityUtils.toByteArray(entity);
            }
        }
        for (String name : SIGNING_HEADERS) {
            request.removeHeaders(name);
        }
        SdkHttpFullRequest.Builder sdk =
                SdkHttpFullRequest.builder()
                        .method(SdkHttpMethod.fromValue(request.getRequestLine().getMethod()));
        HttpHost target = (HttpHost) context.getAttribute(HttpCoreContext.HTTP_TARGET_HOST);
        URI uri = URI.create(request.getRequestLine().getUri());
        if (uri.getHost() != null) { // an absolute request line (through a proxy)
            target = new HttpHost(uri.getHost(), uri.getPort(), uri.getScheme());
        }
        if (target == null) {
            throw new IOException("cannot sign a request without its target host");
        }
        sdk.protocol(target.getSchemeName()).host(target.getHostName());
        if (target.getPort() > 0) {
            sdk.port(target.getPort());
        }
        sdk.encodedPath(
                uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
        if (uri.getRawQuery() != null) {
            for (Map.Entry<String, List<String>> p : SdkHttpUtils.uriParams(uri).entrySet()) {
                sdk.putRawQueryParameter(p.getKey(), p.getValue());
            }
        }
        for (Header h : request.getAllHeaders()) {
            if (h.getName().equalsIgnoreCase("Content-Type")) {
                sdk.appendHeader(h.getName(), h.getValue());
            }
        }
        ContentStreamProvider content =
                ContentStreamProvider.fromByteArrayUnsafe(body == null ? new byte[0] : body);
        SdkHttpRequest signed =
                signer.sign(
                                r ->
                                        r.identity(credentials.resolveCredentials())
                                                .request(sdk.build())
                                                .payload(content)
                                                .putProperty(
                                                        AwsV4HttpSigner.SERVICE_SIGNING_NAME,
                                                        service)
                                                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                                                .putProperty(HttpSigner.SIGNING_CLOCK, clock))
                        .request();
        for (String name : SIGNING_HEADERS) {
            signed.firstMatchingHeader(name).ifPresent(v -> request.setHeader(name, v));
        }
        // the host as signed (the client's own Host header could differ, in the default port for
        // one)
        signed.firstMatchingHeader("Host").ifPresent(v -> request.setHeader("Host", v));
    }
}

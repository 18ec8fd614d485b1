package io.streamsync.sink.search.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.entity.ContentType;
import org.apache.http.message.BasicHttpEntityEnclosingRequest;
import org.apache.http.message.BasicHttpRequest;
import org.apache.http.nio.entity.NStringEntity;
import org.apache.http.protocol.BasicHttpContext;
import org.apache.http.protocol.HttpCoreContext;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.utils.BinaryUtils;

/**
 * The search client's signing interceptor (the SDK's signer does the signing; this tests the
 * wiring), anchored to the values AWS publishes in its Signature Version 4 test suite (credentials
 * AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service"): the SDK's older signer (module
 * auth, an implementation independent of the one the job uses) reproduces them, and every request
 * the interceptor signs (the suite's, a bulk body, encoded document ids, session tokens, OpenSearch
 * Serverless) carries the signature that reference gives for the same request. The job's signer
 * always adds x-amz-content-sha256, which the suite's requests lack, so the reference signs them
 * with that header set.
 */
class SigV4RequestSignerTest {
    private static final String KEY = "AKIDEXAMPLE";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final Instant TIME = Instant.parse("2015-08-30T12:36:00Z");
    private static final String SUITE_HOST = "example.amazonaws.com";
    private static final String HOST = "search-todo.eu-west-1.es.amazonaws.com";
    private static final AwsCredentials SUITE = AwsBasicCredentials.create(KEY, SECRET);

    private static HttpRequest sign(
            HttpRequest request, String host, AwsCredentials creds, String region, String service)
            throws Exception {
        BasicHttpContext context = new BasicHttpContext();
        context.setAttribute(HttpCoreContext.HTTP_TARGET_HOST, new HttpHost(host, 443, "https"));
        new SigV4RequestSigner(
                        StaticCredentialsProvider.create(creds),
                        region,
                        service,
                        Clock.fixed(TIME, ZoneOffset.UTC))
                .process(request, context);
        return request;
    }

    private static SdkHttpFullRequest.Builder reference(
            SdkHttpMethod method, String host, String path) {
        return SdkHttpFullRequest.builder()
                .method(method)
                .protocol("https")
                .host(host)
                .encodedPath(path);
    }

    @Test
    void theReferenceSignerReproducesThePublishedSuite() {
        assertThat(
                        referenceSigned(
                                reference(SdkHttpMethod.GET, SUITE_HOST, "/"),
                                null,
                                SUITE,
                                "us-east-1",
                                "service",
                                false))
                .isEqualTo(
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                                + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
        assertThat(
                        referenceSigned(
                                reference(SdkHttpMethod.GET, SUITE_HOST, "/")
                                        .putRawQueryParameter("Param2", "value2")
                                        .putRawQueryParameter("Param1", "value1"),
                                null,
                                SUITE,
                                "us-east-1",
                                "service",
                                false))
                .endsWith(
                        "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
        assertThat(
                        referenceSigned(
                                reference(SdkHttpMethod.POST, SUITE_HOST, "/"),
                                null,
                                SUITE,
                                "us-east-1",
                                "service",
                                false))
                .endsWith(
                        "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
    }

    @Test
    void theSuitesRequestsAreSignedAsTheReferenceSignsThem() throws Exception {
        HttpRequest get =
                sign(new BasicHttpRequest("GET", "/"), SUITE_HOST, SUITE, "us-east-1", "service");
        assertThat(get.getFirstHeader("X-Amz-Date").getValue()).isEqualTo("20150830T123600Z");
        assertThat(get.getFirstHeader("Host").getValue()).isEqualTo(SUITE_HOST);
        assertThat(get.getFirstHeader("X-Amz-Content-SHA256").getValue()).isEqualTo(sha256(""));
        assertThat(get.getFirstHeader("Authorization").getValue())
                .isEqualTo(
                        referenceSigned(
                                reference(SdkHttpMethod.GET, SUITE_HOST, "/"),
                                "",
                                SUITE,
                                "us-east-1",
                                "service",
                                true));
        HttpRequest query =
                sign(
                        new BasicHttpRequest("GET", "/?Param2=value2&Param1=value1"),
                        SUITE_HOST,
                        SUITE,
                        "us-east-1",
                        "service");
        assertThat(query.getFirstHeader("Authorization").getValue())
                .isEqualTo(
                        referenceSigned(
                                reference(SdkHttpMethod.GET, SUITE_HOST, "/")
                                        .putRawQueryParameter("Param2", "value2")
                                        .putRawQueryParameter("Param1", "value1"),
                                "",
                                SUITE,
                                "us-east-1",
                                "service",
                                true));
        HttpRequest post =
                sign(new BasicHttpRequest("POST", "/"), SUITE_HOST, SUITE, "us-east-1", "service");
        assertThat(post.getFirstHeader("Authorization").getValue())
                .isEqualTo(
                        referenceSigned(
                                reference(SdkHttpMethod.POST, SUITE_HOST, "/"),
                                "",
                                SUITE,
                                "us-east-1",
                                "service",
                                true));
    }

    @Test
    void aBulkRequestWithASessionTokenIsSignedAsTheReferenceSignsIt() throws Exception {
        String body =
                "{\"index\":{\"_index\":\"todo-list-task\",\"_id\":\"a|1\",\"version\":5,\"version_type\":\"external\"}}\n"
                        + "{\"listId\":\"a\",\"title\":\"\u2713 done\"}\n";
        AwsSessionCredentials creds =
                AwsSessionCredentials.create(KEY, SECRET, "SESSIONTOKEN/example+=");
        HttpRequest request = sign(bulk("/_bulk", body), HOST, creds, "eu-west-1", "es");

        assertThat(request.getFirstHeader("X-Amz-Security-Token").getValue())
                .isEqualTo("SESSIONTOKEN/example+=");
        assertThat(request.getFirstHeader("X-Amz-Content-SHA256").getValue())
                .isEqualTo(sha256(body));
        String authorization = request.getFirstHeader("Authorization").getValue();
        assertThat(authorization)
                .startsWith(
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/es/aws4_request, "
                                + "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=");
        assertThat(authorization)
                .isEqualTo(
                        referenceSigned(
                                reference(SdkHttpMethod.POST, HOST, "/_bulk")
                                        .putHeader(
                                                "Content-Type",
                                                "application/x-ndjson; charset=UTF-8"),
                                body,
                                creds,
                                "eu-west-1",
                                "es",
                                true));
    }

    @Test
    void encodedDocumentIdsAndQueriesAreSignedAsSent() throws Exception {
        String path = "/todo-list-task/_doc/list%7C1%2Fb%20c";
        HttpRequest request =
                sign(
                        new BasicHttpRequest(
                                "GET", path + "?realtime=true&_source_includes=taskCount"),
                        HOST,
                        SUITE,
                        "eu-west-1",
                        "es");
        assertThat(request.getFirstHeader("Authorization").getValue())
                .isEqualTo(
                        referenceSigned(
                                reference(SdkHttpMethod.GET, HOST, path)
                                        .putRawQueryParameter("realtime", "true")
                                        .putRawQueryParameter("_source_includes", "taskCount"),
                                "",
                                SUITE,
                                "eu-west-1",
                                "es",
                                true));
    }

    @Test
    void forOpenSearchServerlessThePayloadHashIsSentAndSigned() throws Exception {
        String body = "{\"index\":{\"_index\":\"t\",\"_id\":\"1\"}}\n{\"a\":1}\n";
        String host = "abc.eu-west-1.aoss.amazonaws.com";
        HttpRequest request = sign(bulk("/_bulk", body), host, SUITE, "eu-west-1", "aoss");
        assertThat(request.getFirstHeader("X-Amz-Content-SHA256").getValue())
                .isEqualTo(sha256(body));
        assertThat(request.getFirstHeader("Authorization").getValue())
                .isEqualTo(
                        referenceSigned(
                                reference(SdkHttpMethod.POST, host, "/_bulk")
                                        .putHeader(
                                                "Content-Type",
                                                "application/x-ndjson; charset=UTF-8"),
                                body,
                                SUITE,
                                "eu-west-1",
                                "aoss",
                                true));
    }

    @Test
    void aRetriedRequestIsSignedAgainWithOneSetOfHeaders() throws Exception {
        HttpRequest request = bulk("/_bulk", "{}\n");
        AwsSessionCredentials creds = AwsSessionCredentials.create(KEY, SECRET, "T");
        sign(request, HOST, creds, "eu-west-1", "es");
        String first = request.getFirstHeader("Authorization").getValue();
        sign(request, HOST, creds, "eu-west-1", "es");
        for (String name :
                new String[] {
                    "Authorization",
                    "X-Amz-Security-Token",
                    "X-Amz-Date",
                    "X-Amz-Content-SHA256",
                    "Host"
                }) {
            assertThat(request.getHeaders(name)).as(name).hasSize(1);
        }
        assertThat(request.getFirstHeader("Authorization").getValue()).isEqualTo(first);
    }

    private static String sha256(String s) throws Exception {
        return BinaryUtils.toHex(
                MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static HttpRequest bulk(String path, String body) {
        BasicHttpEntityEnclosingRequest request = new BasicHttpEntityEnclosingRequest("POST", path);
        request.setEntity(
                new NStringEntity(
                        body, ContentType.create("application/x-ndjson", StandardCharsets.UTF_8)));
        request.setHeader("Content-Type", "application/x-ndjson; charset=UTF-8");
        return request;
    }

    /**
     * The reference: the SDK's older signer (deprecated in favour of the one the job uses). {@code
     * body} null: no payload; {@code withPayloadHash}: the request carries x-amz-content-sha256, as
     * the job's signer sends it.
     */
    @SuppressWarnings("deprecation")
    private static String referenceSigned(
            SdkHttpFullRequest.Builder request,
            String body,
            AwsCredentials creds,
            String region,
            String service,
            boolean withPayloadHash) {
        try {
            if (body != null) {
                request.contentStreamProvider(
                        RequestBody.fromString(body, StandardCharsets.UTF_8)
                                .contentStreamProvider());
            }
            if (withPayloadHash) {
                request.putHeader("X-Amz-Content-SHA256", sha256(body == null ? "" : body));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        SdkHttpFullRequest signed =
                Aws4Signer.create()
                        .sign(
                                request.build(),
                                Aws4SignerParams.builder()
                                        .awsCredentials(creds)
                                        .signingName(service)
                                        .signingRegion(Region.of(region))
                                        .signingClockOverride(Clock.fixed(TIME, ZoneOffset.UTC))
                                        .build());
        return signed.firstMatchingHeader("Authorization").orElseThrow();
    }
}

package io.streamsync.sink.search.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.http.HttpHost;
import org.apache.http.entity.ContentType;
import org.apache.http.message.BasicHttpEntityEnclosingRequest;
import org.apache.http.nio.entity.NStringEntity;
import org.apache.http.protocol.BasicHttpContext;
import org.apache.http.protocol.HttpCoreContext;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

/**
 * SigV4 against the values AWS publishes in its Signature Version 4 test suite (credentials AKIDEXAMPLE,
 * 2015-08-30T12:36:00Z, us-east-1, service "service"), and the request signer of the search client against
 * the AWS SDK's own signer for the same request.
 */
class SigV4Test {
    private static final String KEY = "AKIDEXAMPLE";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final Instant TIME = Instant.parse("2015-08-30T12:36:00Z");
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static Map<String, String> vanillaHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "example.amazonaws.com");
        h.put("X-Amz-Date", "20150830T123600Z");
        return h;
    }

    private static SigV4.Signed suite(String method, String path, String query) {
        return SigV4.sign(method, path, query, vanillaHeaders(), EMPTY_SHA256, KEY, SECRET, "us-east-1", "service", TIME, false);
    }

    @Test
    void derivesThePublishedSigningKey() {
        assertThat(SigV4.hex(SigV4.signingKey(SECRET, "20150830", "us-east-1", "service")))
                .isEqualTo("938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75");
        assertThat(SigV4.hex(SigV4.sha256(new byte[0]))).isEqualTo(EMPTY_SHA256);
    }

    @Test
    void getVanilla() {
        SigV4.Signed s = suite("GET", "/", null);
        assertThat(s.canonicalRequest).isEqualTo("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                + "host;x-amz-date\n" + EMPTY_SHA256);
        assertThat(s.stringToSign).isEqualTo("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
        assertThat(s.authorization).isEqualTo("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }

    @Test
    void getVanillaQueryOrderKeyCase() {
        assertThat(suite("GET", "/", "Param2=value2&Param1=value1").signature)
                .isEqualTo("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
    }

    @Test
    void postVanilla() {
        assertThat(suite("POST", "/", null).signature).isEqualTo("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
    }

    @Test
    void getUtf8() {
        assertThat(suite("GET", "/%E1%88%B4", null).signature)
                .isEqualTo("8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
    }

    @Test
    void theSearchClientsSignerSignsTheBulkRequestAsTheAwsSdkDoes() throws Exception {
        String body = "{\"index\":{\"_index\":\"todo-list-task\",\"_id\":\"a|1\",\"version\":5,\"version_type\":\"external\"}}\n"
                + "{\"listId\":\"a\",\"title\":\"\u2713 done\"}\n";
        AwsSessionCredentials creds = AwsSessionCredentials.create(KEY, SECRET, "SESSIONTOKEN/example+=");
        BasicHttpEntityEnclosingRequest request = new BasicHttpEntityEnclosingRequest("POST", "/_bulk");
        request.setEntity(new NStringEntity(body, ContentType.create("application/x-ndjson", StandardCharsets.UTF_8)));
        request.setHeader("Content-Type", "application/x-ndjson; charset=UTF-8");
        request.setHeader("Host", "search-todo.eu-west-1.es.amazonaws.com");
        BasicHttpContext context = new BasicHttpContext();
        context.setAttribute(HttpCoreContext.HTTP_TARGET_HOST, new HttpHost("search-todo.eu-west-1.es.amazonaws.com", 443, "https"));

        new SigV4RequestSigner(StaticCredentialsProvider.create(creds), "eu-west-1", "es", Clock.fixed(TIME, ZoneOffset.UTC))
                .process(request, context);

        String bodyHash = SigV4.hex(SigV4.sha256(body.getBytes(StandardCharsets.UTF_8)));
        assertThat(request.getFirstHeader("X-Amz-Date").getValue()).isEqualTo("20150830T123600Z");
        assertThat(request.getFirstHeader("X-Amz-Content-SHA256").getValue()).isEqualTo(bodyHash);
        assertThat(request.getFirstHeader("X-Amz-Security-Token").getValue()).isEqualTo("SESSIONTOKEN/example+=");
        String authorization = request.getFirstHeader("Authorization").getValue();
        assertThat(authorization).startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/es/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=");

        // the same request, signed by the AWS SDK's signer: same signature
        SdkHttpFullRequest sdkRequest = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).protocol("https")
                .host("search-todo.eu-west-1.es.amazonaws.com").encodedPath("/_bulk")
                .putHeader("Content-Type", "application/x-ndjson; charset=UTF-8")
                .putHeader("X-Amz-Content-SHA256", bodyHash)
                .contentStreamProvider(RequestBody.fromString(body, StandardCharsets.UTF_8).contentStreamProvider())
                .build();
        SdkHttpFullRequest signed = Aws4Signer.create().sign(sdkRequest, Aws4SignerParams.builder().awsCredentials(creds)
                .signingName("es").signingRegion(Region.EU_WEST_1).signingClockOverride(Clock.fixed(TIME, ZoneOffset.UTC)).build());
        assertThat(authorization).isEqualTo(signed.firstMatchingHeader("Authorization").orElseThrow());
    }

    @Test
    void withoutASessionTokenNoTokenHeaderIsSent() throws Exception {
        BasicHttpEntityEnclosingRequest request = new BasicHttpEntityEnclosingRequest("GET", "/todo-task-count/_mapping");
        BasicHttpContext context = new BasicHttpContext();
        context.setAttribute(HttpCoreContext.HTTP_TARGET_HOST, new HttpHost("search-todo.eu-west-1.es.amazonaws.com", 443, "https"));
        new SigV4RequestSigner(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET)), "eu-west-1", "es",
                Clock.fixed(TIME, ZoneOffset.UTC)).process(request, context);
        assertThat(request.getFirstHeader("X-Amz-Security-Token")).isNull();
        assertThat(request.getFirstHeader("Host").getValue()).isEqualTo("search-todo.eu-west-1.es.amazonaws.com");
        assertThat(request.getFirstHeader("X-Amz-Content-SHA256").getValue()).isEqualTo(EMPTY_SHA256);
        assertThat(request.getFirstHeader("Authorization").getValue()).contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date,");
    }
}

package io.streamsync.source.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Calls one AWS JSON-protocol API (DynamoDB Streams, Kinesis) and hands back the response body as
 * bytes: the AWS SDK v2 signs (SigV4) and sends, but does not unmarshal. The source splits a
 * GetRecords answer into its records' own bytes, which the parse operator reads once; through the
 * SDK's model every record would be unmarshalled and then written out again for our parser.
 */
final class AwsJsonClient implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * The largest answer read (issue 31: never allocate what an untrusted Content-Length says): a
     * Kinesis GetRecords answer holds up to 10 MiB of data, base64-encoded (4/3) in JSON; DynamoDB
     * Streams' up to 1 MB of records.
     */
    static final int MAX_ANSWER_BYTES = 24 * 1024 * 1024;

    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(AwsJsonClient.class);

    private final URI endpoint;
    private final String targetPrefix;
    private final String contentType;
    private final String signingName;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    /** The cap on answers (tests lower it). */
    int maxAnswerBytes = MAX_ANSWER_BYTES;

    /**
     * How far the service's clock is ahead of ours (ms), learnt from a clock-skew error's Date
     * header.
     */
    private volatile long clockSkewMillis;

    /**
     * @param targetPrefix the X-Amz-Target prefix, e.g. {@code DynamoDBStreams_20120810}
     * @param contentType {@code application/x-amz-json-1.0} (DynamoDB Streams) or {@code -1.1}
     *     (Kinesis)
     * @param signingName the SigV4 service name ({@code dynamodb} for DynamoDB Streams, {@code
     *     kinesis})
     */
    AwsJsonClient(
            URI endpoint,
            String targetPrefix,
            String contentType,
            String signingName,
            String region,
            AwsCredentialsProvider credentials,
            int maxConnections) {
        this.endpoint = endpoint;
        this.targetPrefix = targetPrefix;
        this.contentType = contentType;
        this.signingName = signingName;
        this.region = region;
        this.credentials = credentials;
        this.http =
                Apache5HttpClient.builder()
                        .maxConnections(maxConnections)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(30))
                        .tcpKeepAlive(true)
                        .build();
    }

    /**
     * Posts {@code body} as operation {@code operation}; returns the answer's bytes, or throws a
     * classified error. A request refused because our clock is off (a signature expired or not yet
     * current) is signed again once with the clock corrected by the service's Date header, as the
     * AWS SDKs do.
     */
    byte[] call(String operation, byte[] body) throws StreamApiException {
        long skewBefore = clockSkewMillis;
        try {
            return send(operation, body);
        } catch (StreamApiException e) {
            if (e.clockSkew && clockSkewMillis != skewBefore) {
                LOG.warn(
                        "{} on {}: the clock differs from the service's by {} ms; signing with the service's time",
                        operation,
                        endpoint,
                        clockSkewMillis);
                return send(operation, body);
            }
            throw e;
        }
    }

    private byte[] send(String operation, byte[] body) throws StreamApiException {
        SdkHttpFullRequest request =
                SdkHttpFullRequest.builder()
                        .method(SdkHttpMethod.POST)
                        .uri(endpoint)
                        .encodedPath("/")
                        .putHeader("Content-Type", contentType)
                        .putHeader("X-Amz-Target", targetPrefix + "." + operation)
                        .putHeader("Content-Length", Integer.toString(body.length))
                        .build();
        int status = -1;
        try {
            SignedRequest signed =
                    signer.sign(
                            r ->
                                    r.identity(credentials.resolveCredentials())
                                            .request(request)
                                            .payload(
                                                    ContentStreamProvider.fromByteArrayUnsafe(body))
                                            .putProperty(
                                                    AwsV4HttpSigner.SERVICE_SIGNING_NAME,
                                                    signingName)
                                            .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                                            .putProperty(
                                                    AwsV4HttpSigner.SIGNING_CLOCK,
                                                    java.time.Clock.offset(
                                                            java.time.Clock.systemUTC(),
                                                            Duration.ofMillis(clockSkewMillis))));
            HttpExecuteResponse response =
                    http.prepareRequest(
                                    HttpExecuteRequest.builder()
                                            .request(signed.request())
                                            .contentStreamProvider(signed.payload().orElse(null))
                                            .build())
                            .call();
            status = response.httpResponse().statusCode();
            byte[] answer;
            if (response.responseBody().isPresent()) {
                try (InputStream in = response.responseBody().get()) {
                    answer =
                            readBody(
                                    in,
                                    response.httpResponse()
                                            .firstMatchingHeader("Content-Length")
                                            .orElse(null),
                                    maxAnswerBytes);
                }
            } else {
                answer = new byte[0];
            }
            if (status / 100 == 2) {
                return answer;
            }
            String header =
                    response.httpResponse().firstMatchingHeader("x-amzn-ErrorType").orElse(null);
            StreamApiException error = error(operation, status, header, answer);
            if (error.clockSkew) {
                learnSkew(response.httpResponse().firstMatchingHeader("Date").orElse(null));
            }
            throw error;
        } catch (StreamApiException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new StreamApiException(
                    StreamApiException.Kind.RETRYABLE,
                    operation + " on " + endpoint + " failed: " + e,
                    null,
                    status,
                    e);
        }
    }

    private void learnSkew(String date) {
        if (date == null) {
            return;
        }
        try {
            long server =
                    java.time.ZonedDateTime.parse(
                                    date, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
                            .toInstant()
                            .toEpochMilli();
            clockSkewMillis = server - System.currentTimeMillis();
        } catch (java.time.format.DateTimeParseException e) {
            // no usable Date: the error stands
        }
    }

    /**
     * The answer's bytes, read into one array of the announced length when there is one (answers
     * are up to 1 MB or more), never more than {@code cap} bytes whatever the answer announces.
     */
    static byte[] readBody(InputStream in, String contentLength, int cap) throws IOException {
        if (contentLength != null) {
            try {
                long announced = Long.parseLong(contentLength.trim());
                if (announced > cap || announced < 0) {
                    throw new IOException(
                            "answer of "
                                    + announced
                                    + " bytes is larger than the "
                                    + cap
                                    + " bytes read at most");
                }
                int length = (int) announced;
                byte[] body = new byte[length];
                int read = in.readNBytes(body, 0, length);
                if (read != length) {
                    throw new IOException(
                            "answer ended after " + read + " of " + length + " bytes");
                }
                return body;
            } catch (NumberFormatException e) {
                // not a length: read to the end
            }
        }
        byte[] body = in.readNBytes(cap + 1);
        if (body.length > cap) {
            throw new IOException("answer is larger than the " + cap + " bytes read at most");
        }
        return body;
    }

    /**
     * An error answer as an exception: its {@code __type} (or the x-amzn-ErrorType header) and
     * message.
     */
    static StreamApiException error(String operation, int status, String headerType, byte[] body) {
        String type = headerType;
        String message = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    if ("__type".equals(name)) {
                        type = p.getValueAsString();
                    } else if ("message".equalsIgnoreCase(name)) {
                        message = p.getValueAsString();
                    } else {
                        p.skipChildren();
                    }
                }
            }
        } catch (IOException | RuntimeException notJson) {
            message =
                    new String(
                            body,
                            0,
                            Math.min(body.length, 300),
                            java.nio.charset.StandardCharsets.UTF_8);
        }
        String shortType =
                type == null ? null : type.substring(type.lastIndexOf('#') + 1).split(":")[0];
        StreamApiException.Kind kind = StreamApiException.classify(shortType, status);
        boolean skew = StreamApiException.isClockSkew(shortType, message);
        return new StreamApiException(
                skew ? StreamApiException.Kind.RETRYABLE : kind,
                operation
                        + " failed: HTTP "
                        + status
                        + (shortType == null ? "" : " " + shortType)
                        + (message == null ? "" : ": " + message),
                shortType,
                status,
                null,
                skew);
    }

    @Override
    public void close() {
        http.close();
        if (credentials instanceof software.amazon.awssdk.utils.SdkAutoCloseable) {
            ((software.amazon.awssdk.utils.SdkAutoCloseable) credentials)
                    .close(); // each client has its own provider
        }
    }
}

package io.streamsync.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * The witness of the visibility tests fails on its own errors and on outputs it did not see: it
 * never passes because it saw nothing. The table and the search node are stand-ins here (the
 * auditor's reading, not the services, is under test); the ITs run it against moto and a real node.
 */
class VisibilityAuditorTest {
    private HttpServer node;
    private final Map<String, Supplier<String[]>> answers = new ConcurrentHashMap<>();
    private final AtomicInteger scans = new AtomicInteger();

    @BeforeEach
    void startNode() throws Exception {
        node = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        node.createContext(
                "/",
                exchange -> {
                    String index = exchange.getRequestURI().getPath().split("/")[1];
                    String[] answer =
                            answers.getOrDefault(index, () -> new String[] {"404", "{}"}).get();
                    byte[] body = answer[1].getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(Integer.parseInt(answer[0]), body.length);
                    exchange.getResponseBody().write(body);
                    exchange.close();
                });
        node.start();
    }

    @AfterEach
    void stopNode() {
        node.stop(0);
    }

    private SearchHttp search() {
        return new SearchHttp(URI.create("http://127.0.0.1:" + node.getAddress().getPort()));
    }

    /** A table answering {@code rows}, or failing with {@code failure} when it is not null. */
    private DynamoDbClient table(
            Supplier<List<Map<String, AttributeValue>>> rows, RuntimeException failure) {
        return new DynamoDbClient() {
            @Override
            public ScanResponse scan(ScanRequest request) {
                scans.incrementAndGet();
                if (failure != null) {
                    throw failure;
                }
                return ScanResponse.builder().items(rows.get()).build();
            }

            @Override
            public String serviceName() {
                return "dynamodb";
            }

            @Override
            public void close() {}
        };
    }

    private static Map<String, AttributeValue> row(String list, String version, String count) {
        return version == null
                ? Map.of(
                        "listId",
                        AttributeValue.fromS(list),
                        "taskCount",
                        AttributeValue.fromN(count))
                : Map.of(
                        "listId",
                        AttributeValue.fromS(list),
                        "version",
                        AttributeValue.fromN(version),
                        "taskCount",
                        AttributeValue.fromN(count));
    }

    private static String hits(String... hits) {
        return "{\"hits\":{\"hits\":[" + String.join(",", hits) + "]}}";
    }

    private void answer(String index, int status, String body) {
        answers.put(index, () -> new String[] {Integer.toString(status), body});
    }

    private VisibilityAuditor audit(DynamoDbClient ddb, int rounds) throws Exception {
        VisibilityAuditor auditor = new VisibilityAuditor(ddb, "counts", search(), "agg", "items");
        Poll.until(
                Duration.ofSeconds(30),
                () -> scans.get() >= rounds ? null : scans.get() + " rounds so far");
        auditor.close();
        return auditor;
    }

    private void healthyIndices() {
        answer("agg", 200, hits("{\"_id\":\"a\",\"_source\":{\"version\":3,\"taskCount\":2}}"));
        answer(
                "items",
                200,
                hits("{\"_id\":\"a|t1\",\"_version\":2,\"_source\":{\"listId\":\"a\"}}"));
    }

    @Test
    void seesEachOutputAndHasNoErrorsWhenAllAnswer() throws Exception {
        healthyIndices();
        VisibilityAuditor auditor = audit(table(() -> List.of(row("a", "3", "2")), null), 3);
        assertThat(auditor.errors()).isEmpty();
        assertThat(auditor.observations()).allSatisfy((output, n) -> assertThat(n).isPositive());
        assertThat(auditor.ownProblems(2)).isEmpty(); // rounds 1 and 2 read all three
    }

    @Test
    void aRowItCannotReadIsAnErrorNotSkipped() throws Exception {
        healthyIndices();
        // a row without a version: the old auditor's NullPointerException was swallowed as "moto
        // busy"
        VisibilityAuditor auditor = audit(table(() -> List.of(row("a", null, "2")), null), 3);
        assertThat(auditor.ownProblems(0))
                .isNotEmpty()
                .allMatch(p -> p.startsWith("auditor: cannot read an observation"));
    }

    @Test
    void aDocumentWithoutANumericVersionIsAnErrorNotAZero() throws Exception {
        answer("agg", 200, hits("{\"_id\":\"a\",\"_source\":{\"taskCount\":2}}"));
        answer("items", 200, hits());
        VisibilityAuditor auditor = audit(table(List::of, null), 3);
        assertThat(auditor.errors()).anyMatch(e -> e.contains("no whole number version"));
        assertThat(auditor.seen()).noneMatch(s -> s.output.equals("aggregate document"));
    }

    @Test
    void aRequestTheNodeRefusesAsMalformedIsAnError() throws Exception {
        answer("agg", 400, "{\"error\":{\"type\":\"parsing_exception\"}}");
        answer("items", 200, hits());
        VisibilityAuditor auditor = audit(table(List::of, null), 3);
        assertThat(auditor.errors()).anyMatch(e -> e.contains("HTTP 400"));
    }

    @Test
    void servicesThatAreDownBusyOrNotReadyAreRetriedInSilence() throws Exception {
        answer("agg", 503, "{}");
        answer("items", 429, "{}");
        // "index_not_found" (404) for any other index: none here
        VisibilityAuditor auditor =
                audit(table(null, SdkClientException.create("connection refused")), 3);
        assertThat(auditor.errors()).isEmpty();
    }

    @Test
    void anOutputSeenFewerTimesThanRequiredIsAProblem() throws Exception {
        // the item index is never there (404): its documents are never seen
        answer("agg", 200, hits("{\"_id\":\"a\",\"_source\":{\"version\":3,\"taskCount\":2}}"));
        VisibilityAuditor auditor = audit(table(() -> List.of(row("a", "3", "2")), null), 3);
        assertThat(auditor.errors()).isEmpty();
        assertThat(auditor.observations()).containsEntry("item document", 0L);
        assertThat(auditor.ownProblems(1))
                .containsExactly("auditor: 0 observations of the item documents, fewer than 1");
    }
}

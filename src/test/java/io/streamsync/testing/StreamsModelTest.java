package io.streamsync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.config.JobConfig;
import io.streamsync.source.stream.ListedShard;
import io.streamsync.source.stream.RecordBatch;
import io.streamsync.source.stream.ShardStream;
import io.streamsync.source.stream.StartPosition;
import io.streamsync.source.stream.StreamApiException;
import io.streamsync.source.stream.StreamEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each behaviour of the {@link StreamsModel}, through {@link StreamsModelServer} on HTTP, read with
 * the job's own DynamoDB Streams client ({@code DynamoDbStreamsApi}, opened as the job opens it) or
 * raw HTTP for what that client does not send (ShardFilter). Time is the test's clock: no sleeps.
 */
class StreamsModelTest {
    private static final String ARN =
            "arn:aws:dynamodb:us-east-1:123456789012:table/modelTasks/stream/2026-01-01T00:00:00.000";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicLong clock = new AtomicLong(1_800_000_000_000L);
    private StreamsModelServer server;
    private ShardStream api;
    private StreamsModel model;
    private long sequence = 1000;

    private StreamsModel start(StreamsModel.Settings settings) throws Exception {
        server =
                new StreamsModelServer(
                        URI.create("http://127.0.0.1:9")); // nothing to forward in these tests
        model = server.serve(new StreamsModel(ARN, settings, clock::get));
        Map<String, String> p = new HashMap<>();
        p.put("aws.region", "us-east-1");
        p.put("aws.endpoint", server.endpoint().toString());
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", "local");
        p.put("aws.credentials.secret.access.key", "local");
        p.put("sink.search.hosts", "http://127.0.0.1:9");
        api = StreamEndpoint.dynamoDbStreams(JobConfig.from(p), ARN).open(4);
        return model;
    }

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static StreamsModel.Settings oneLineage() {
        return new StreamsModel.Settings()
                .lineages(1)
                .rolloverMs(10_000)
                .childListingDelayMs(0)
                .parentCloseDelayMs(0);
    }

    /** Appends a record of list {@code list}; returns its sequence number. */
    private String append(String list, int bytes) {
        String seq = Long.toString(++sequence);
        String padding = "x".repeat(Math.max(0, bytes));
        String json =
                "{\"eventID\":\"e"
                        + seq
                        + "\",\"eventName\":\"INSERT\",\"dynamodb\":{\"ApproximateCreationDateTime\":"
                        + clock.get() / 1000
                        + ",\"Keys\":{\"listId\":{\"S\":\""
                        + list
                        + "\"},\"taskId\":{\"S\":\"t"
                        + seq
                        + "\"}},\"NewImage\":{\"pad\":{\"S\":\""
                        + padding
                        + "\"}},\"SequenceNumber\":\""
                        + seq
                        + "\",\"SizeBytes\":10,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}";
        model.append(list, seq, json.getBytes(StandardCharsets.UTF_8));
        return seq;
    }

    private static List<String> seqs(RecordBatch b) {
        return b.records.stream().map(r -> r.sequenceNumber).collect(Collectors.toList());
    }

    private List<ListedShard> shards() throws Exception {
        return api.listShards();
    }

    private JsonNode raw(String operation, String body) throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(server.endpoint())
                                        .header(
                                                "X-Amz-Target",
                                                "DynamoDBStreams_20120810." + operation)
                                        .header("Content-Type", "application/x-amz-json-1.0")
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    @Test
    void rollsAShardOverIntoAChildThatTakesTheNewRecordsAndIsListedOnlyAfterItsDelay()
            throws Exception {
        start(oneLineage().rolloverMs(1_000).childListingDelayMs(500));
        String first = shards().get(0).id;
        String a = append("list-1", 10);
        clock.addAndGet(1_000); // rollover: the child takes the next record
        String b = append("list-1", 10);
        assertThat(shards()).extracting(s -> s.id).containsExactly(first);
        clock.addAndGet(499);
        assertThat(shards()).hasSize(1);
        clock.addAndGet(1);
        List<ListedShard> listed = shards();
        assertThat(listed).hasSize(2);
        assertThat(listed.get(0).closed).isTrue();
        assertThat(listed.get(1).parents).containsExactly(first);
        assertThat(listed.get(1).closed).isFalse();
        assertThat(model.layout())
                .containsEntry(first, List.of(a))
                .containsEntry(listed.get(1).id, List.of(b));
    }

    @Test
    void aClosedParentAnswersEmptyPagesAsIfOpenUntilItsCloseShows() throws Exception {
        start(oneLineage().rolloverMs(1_000).parentCloseDelayMs(2_000));
        String parent = shards().get(0).id;
        String a = append("list-1", 10);
        clock.addAndGet(1_000);
        append("list-1", 10); // into the child
        String it = api.shardIterator(parent, StartPosition.TRIM_HORIZON);
        RecordBatch page = api.getRecords(parent, it, 1000);
        assertThat(seqs(page)).containsExactly(a);
        page = api.getRecords(parent, page.nextIterator, 1000);
        assertThat(page.records).isEmpty();
        assertThat(page.nextIterator).as("the parent still looks open").isNotNull();
        assertThat(shards().get(0).closed).isFalse();
        clock.addAndGet(2_000);
        page = api.getRecords(parent, page.nextIterator, 1000);
        assertThat(page.records).isEmpty();
        assertThat(page.nextIterator).as("closed and read to its end").isNull();
        assertThat(shards().get(0).closed).isTrue();
    }

    @Test
    void returnsEmptyPagesMidShardWhileRecordsLieFurtherOn() throws Exception {
        start(oneLineage().emptyPageShare(0.5).seed(7));
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            written.add(append("list-" + i, 10));
        }
        String shard = shards().get(0).id;
        String it = api.shardIterator(shard, StartPosition.TRIM_HORIZON);
        List<String> read = new ArrayList<>();
        int emptyMidShard = 0;
        while (read.size() < written.size()) {
            RecordBatch page = api.getRecords(shard, it, 7);
            if (page.records.isEmpty()) {
                emptyMidShard++;
            }
            read.addAll(seqs(page));
            it = page.nextIterator;
        }
        assertThat(read).isEqualTo(written);
        assertThat(emptyMidShard).isGreaterThan(0);
        assertThat(model.calls()).containsKey("GetRecords empty page mid-shard");
    }

    @Test
    void answersAtMost1000RecordsAnd1MegabyteAPage() throws Exception {
        start(oneLineage());
        for (int i = 0; i < 1_500; i++) {
            append("list-1", 10);
        }
        String shard = shards().get(0).id;
        RecordBatch page =
                api.getRecords(shard, api.shardIterator(shard, StartPosition.TRIM_HORIZON), 5_000);
        assertThat(page.records).hasSize(1_000);
        page = api.getRecords(shard, page.nextIterator, 1_000);
        assertThat(page.records).hasSize(500);
        for (int i = 0; i < 4; i++) {
            append("list-1", 400_000);
        }
        page = api.getRecords(shard, page.nextIterator, 1_000);
        assertThat(page.records).as("two 400 KB records fill the 1 MB page").hasSize(2);
    }

    @Test
    void expiresAnIteratorAfterItsLifetime() throws Exception {
        start(oneLineage().iteratorTtlMs(60_000).rolloverMs(3_600_000));
        append("list-1", 10);
        String shard = shards().get(0).id;
        String it = api.shardIterator(shard, StartPosition.TRIM_HORIZON);
        clock.addAndGet(60_000);
        RecordBatch page = api.getRecords(shard, it, 1000);
        assertThat(page.records).hasSize(1);
        String next = page.nextIterator;
        clock.addAndGet(60_001);
        assertThatThrownBy(() -> api.getRecords(shard, next, 1000))
                .isInstanceOfSatisfying(
                        StreamApiException.class,
                        e ->
                                assertThat(e.kind)
                                        .as(e.getMessage())
                                        .isEqualTo(StreamApiException.Kind.EXPIRED_ITERATOR));
    }

    @Test
    void trimsRecordsAfterTheRetentionAndForgetsClosedShardsWithNothingLeft() throws Exception {
        start(oneLineage().retentionMs(10_000).rolloverMs(8_000).maxReadersPerShard(100));
        String shard = shards().get(0).id;
        String a = append("list-1", 10);
        String oldIterator = api.shardIterator(shard, StartPosition.TRIM_HORIZON);
        clock.addAndGet(5_000);
        String b = append("list-1", 10);
        clock.addAndGet(5_001); // a is trimmed, b is not; the shard rolled over at 8 s
        assertThat(
                        seqs(
                                api.getRecords(
                                        shard,
                                        api.shardIterator(shard, StartPosition.TRIM_HORIZON),
                                        1000)))
                .containsExactly(b);
        assertThat(
                        seqs(
                                api.getRecords(
                                        shard,
                                        api.shardIterator(
                                                shard, StartPosition.afterSequenceNumber(a)),
                                        1000)))
                .as("just after the last trimmed record is still readable")
                .containsExactly(b);
        assertThatThrownBy(
                        () ->
                                api.shardIterator(
                                        shard,
                                        StartPosition.afterSequenceNumber(
                                                Long.toString(Long.parseLong(a) - 1))))
                .isInstanceOfSatisfying(
                        StreamApiException.class,
                        e -> assertThat(e.kind).isEqualTo(StreamApiException.Kind.TRIMMED_DATA));
        assertThatThrownBy(() -> api.getRecords(shard, oldIterator, 1000))
                .isInstanceOfSatisfying(
                        StreamApiException.class,
                        e -> assertThat(e.kind).isEqualTo(StreamApiException.Kind.TRIMMED_DATA));
        clock.addAndGet(10_000); // b trimmed too, the shard closed more than the retention ago
        assertThat(shards()).extracting(s -> s.id).doesNotContain(shard);
        assertThatThrownBy(() -> api.shardIterator(shard, StartPosition.TRIM_HORIZON))
                .isInstanceOfSatisfying(
                        StreamApiException.class,
                        e -> assertThat(e.kind).isEqualTo(StreamApiException.Kind.NOT_FOUND));
    }

    @Test
    void throttlesAThirdReaderOfAShard() throws Exception {
        start(oneLineage().readerWindowMs(1_000));
        append("list-1", 10);
        String shard = shards().get(0).id;
        String one = api.shardIterator(shard, StartPosition.TRIM_HORIZON);
        String two = api.shardIterator(shard, StartPosition.TRIM_HORIZON);
        String three = api.shardIterator(shard, StartPosition.TRIM_HORIZON);
        String next = api.getRecords(shard, one, 1000).nextIterator;
        api.getRecords(shard, two, 1000);
        assertThatThrownBy(() -> api.getRecords(shard, three, 1000))
                .isInstanceOfSatisfying(
                        StreamApiException.class,
                        e -> assertThat(e.kind).isEqualTo(StreamApiException.Kind.THROTTLED));
        assertThat(api.getRecords(shard, next, 1000).records)
                .as("the first reader goes on")
                .isEmpty();
        clock.addAndGet(1_000); // the others stopped reading
        assertThat(api.getRecords(shard, three, 1000).records).hasSize(1);
    }

    @Test
    void throttlesDescribeStreamAboveItsRateAndASeededShareOfGetRecords() throws Exception {
        start(oneLineage().describeCallsPerSecond(10).throttleShare(0.3).seed(3));
        for (int i = 0; i < 10; i++) {
            shards();
        }
        assertThatThrownBy(this::shards)
                .isInstanceOfSatisfying(
                        StreamApiException.class,
                        e -> assertThat(e.kind).isEqualTo(StreamApiException.Kind.THROTTLED));
        clock.addAndGet(1_000);
        String shard = shards().get(0).id;
        String it = api.shardIterator(shard, StartPosition.TRIM_HORIZON);
        int throttled = 0;
        for (int i = 0; i < 40; i++) {
            try {
                it = api.getRecords(shard, it, 1000).nextIterator;
            } catch (StreamApiException e) {
                assertThat(e.kind).isEqualTo(StreamApiException.Kind.THROTTLED);
                throttled++;
            }
        }
        assertThat(throttled).isBetween(4, 24);
    }

    @Test
    void answersDescribeStreamInPages() throws Exception {
        start(new StreamsModel.Settings().lineages(5).describePageSize(2).childListingDelayMs(0));
        JsonNode page = raw("DescribeStream", "{\"StreamArn\":\"" + ARN + "\",\"Limit\":100}");
        assertThat(page.at("/StreamDescription/Shards")).hasSize(2);
        String last = page.at("/StreamDescription/LastEvaluatedShardId").asText();
        assertThat(last).isEqualTo(page.at("/StreamDescription/Shards/1/ShardId").asText());
        JsonNode next =
                raw(
                        "DescribeStream",
                        "{\"StreamArn\":\""
                                + ARN
                                + "\",\"ExclusiveStartShardId\":\""
                                + last
                                + "\"}");
        assertThat(next.at("/StreamDescription/Shards/0/ShardId").asText()).isGreaterThan(last);
        assertThat(shards()).as("the job's client reads every page").hasSize(5);
        assertThat(model.calls().get("DescribeStream")).isEqualTo(2 + 3);
    }

    @Test
    void listsAParentsChildrenWithShardFilterChildShards() throws Exception {
        start(new StreamsModel.Settings().lineages(2).rolloverMs(1_000).childListingDelayMs(5_000));
        List<ListedShard> first = shards();
        clock.addAndGet(1_000); // both lineages have rolled over by now
        String parent = first.get(0).id;
        JsonNode children =
                raw(
                        "DescribeStream",
                        "{\"StreamArn\":\""
                                + ARN
                                + "\",\"ShardFilter\":{\"Type\":\"CHILD_SHARDS\","
                                + "\"ShardId\":\""
                                + parent
                                + "\"}}");
        JsonNode listed = children.at("/StreamDescription/Shards");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).path("ParentShardId").asText()).isEqualTo(parent);
        assertThat(shards()).as("the full listing does not show the children yet").hasSize(2);
    }
}

package io.streamsync.source.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeRecordParser;
import io.streamsync.change.KeySchema;
import io.streamsync.source.RawRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GetRecords answers are split into the records' own bytes without changing a byte: every corpus
 * record, pretty-printed as published, embedded in an answer, comes out identical (so the corpus
 * tests of the parser hold for what the source emits), with its sequence number and creation time
 * read on the way.
 */
class GetRecordsAnswerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] STREAMS_RECORDS = {
        "01-lambda-devguide-insert",
        "02-lambda-devguide-modify",
        "03-java-libs-tests-remove",
        "04-java-libs-tests-modify-fractional-time",
        "05-java-serialization-all-types-insert",
        "06-lambda-go-binary-insert",
        "07-lambda-go-all-types-insert",
        "08-lambda-dotnet-nested-insert",
        "09-lambda-dotnet-ttl-remove",
        "10-ddb-devguide-tutorial-new-image-insert",
        "11-ankcorn-capture-keys-only-modify",
        "12-ankcorn-capture-new-and-old-modify",
        "13-ankcorn-capture-new-image-remove",
        "14-ankcorn-capture-old-image-modify",
        "15-ankcorn-capture-old-image-remove",
        "16-api-getrecords-example-keys-only-insert",
        "17-lambda-devguide-filtering-new-image"
    };
    private static final String[] KINESIS_RECORDS = {
        "20-kds-powertools-ts-capture-insert",
        "21-kds-lambda-rust-fixture-insert",
        "22-kds-risingwave-doc-modify"
    };

    private static byte[] corpus(String name) throws IOException {
        try (InputStream in =
                GetRecordsAnswerTest.class.getResourceAsStream("/corpus/" + name + ".json")) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void aDynamoDbStreamsAnswerIsSplitIntoEachRecordsExactBytes() throws Exception {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        answer.write("{\"Records\" : [\n".getBytes(StandardCharsets.UTF_8));
        List<byte[]> originals = new ArrayList<>();
        for (int i = 0; i < STREAMS_RECORDS.length; i++) {
            byte[] r = corpus(STREAMS_RECORDS[i]);
            originals.add(r);
            answer.write(r);
            answer.write(
                    i + 1 < STREAMS_RECORDS.length
                            ? ",\n  ".getBytes(StandardCharsets.UTF_8)
                            : new byte[0]);
        }
        answer.write("], \"NextShardIterator\": \"it-2\"}".getBytes(StandardCharsets.UTF_8));

        RecordBatch batch = DynamoDbStreamsApi.parseGetRecords(answer.toByteArray(), "shard-1");

        assertThat(batch.nextIterator).isEqualTo("it-2");
        assertThat(batch.millisBehindLatest).as("DynamoDB Streams does not say").isEqualTo(-1L);
        assertThat(batch.records).hasSize(STREAMS_RECORDS.length);
        for (int i = 0; i < originals.size(); i++) {
            RawRecord r = batch.records.get(i);
            String name = STREAMS_RECORDS[i];
            assertThat(new String(r.data, StandardCharsets.UTF_8))
                    .as(name)
                    .isEqualTo(new String(originals.get(i), StandardCharsets.UTF_8).trim());
            assertThat(r.shardId).isEqualTo("shard-1");
            JsonNode ddb = JSON.readTree(originals.get(i)).path("dynamodb");
            assertThat(r.sequenceNumber)
                    .as(name)
                    .isEqualTo(ddb.path("SequenceNumber").asText(null));
            JsonNode created = ddb.path("ApproximateCreationDateTime");
            if (created.isNumber()
                    && created.asDouble() < 1e11) { // epoch seconds, as GetRecords gives it
                assertThat(r.arrivalTime)
                        .as(name)
                        .isEqualTo(new BigDecimal(created.asText()).movePointRight(3).longValue());
            }
        }
        // and the parser reads the slice as it reads the published record
        ChangeRecordParser parser = new ChangeRecordParser(new KeySchema("Id", null));
        ChangeEvent fromSlice = parser.parse(batch.records.get(0).data);
        ChangeEvent fromFile = parser.parse(originals.get(0));
        assertThat(fromSlice.sequenceNumber).isEqualTo(fromFile.sequenceNumber);
        assertThat(fromSlice.newImageJson).isEqualTo(fromFile.newImageJson);
    }

    @Test
    void aClosedShardsLastAnswerHasNoNextIteratorAndEmptyAnswersAreFine() throws Exception {
        RecordBatch last =
                DynamoDbStreamsApi.parseGetRecords(
                        "{\"Records\":[]}".getBytes(StandardCharsets.UTF_8), "s");
        assertThat(last.records).isEmpty();
        assertThat(last.nextIterator).as("shard closed and read to its end").isNull();
        RecordBatch nullNext =
                DynamoDbStreamsApi.parseGetRecords(
                        "{\"NextShardIterator\":null,\"Records\":[]}"
                                .getBytes(StandardCharsets.UTF_8),
                        "s");
        assertThat(nullNext.nextIterator).isNull();
    }

    @Test
    void aKinesisAnswersDataIsDecodedToTheChangeRecordsBytes() throws Exception {
        StringBuilder answer =
                new StringBuilder(
                        "{\"NextShardIterator\":\"k-2\",\"MillisBehindLatest\":1234,\"Records\":[");
        List<byte[]> originals = new ArrayList<>();
        for (int i = 0; i < KINESIS_RECORDS.length; i++) {
            byte[] r = corpus(KINESIS_RECORDS[i]);
            originals.add(r);
            answer.append(i == 0 ? "" : ",")
                    .append("{\"SequenceNumber\":\"4959000000000000000000000000000")
                    .append(i)
                    .append("\",\"ApproximateArrivalTimestamp\":1.733126400123E9,\"Data\":\"")
                    .append(Base64.getEncoder().encodeToString(r))
                    .append("\",\"PartitionKey\":\"p")
                    .append(i)
                    .append("\"}");
        }
        answer.append("]}");

        RecordBatch batch =
                KinesisApi.parseGetRecords(
                        answer.toString().getBytes(StandardCharsets.UTF_8), "shardId-0");

        assertThat(batch.nextIterator).isEqualTo("k-2");
        assertThat(batch.millisBehindLatest).isEqualTo(1234L);
        assertThat(batch.records).hasSize(KINESIS_RECORDS.length);
        for (int i = 0; i < originals.size(); i++) {
            assertThat(batch.records.get(i).data)
                    .as(KINESIS_RECORDS[i])
                    .isEqualTo(originals.get(i));
            assertThat(batch.records.get(i).sequenceNumber)
                    .isEqualTo("4959000000000000000000000000000" + i);
            assertThat(batch.records.get(i).arrivalTime).isEqualTo(1_733_126_400_123L);
        }
    }

    @Test
    void shardListingsGiveParentsOfSplitsAndMergesAndWhetherAShardIsClosed() throws Exception {
        String answer =
                "{\"Shards\":["
                        + "{\"ShardId\":\"a\",\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"1\",\"EndingSequenceNumber\":\"9\"}},"
                        + "{\"ShardId\":\"b\",\"ParentShardId\":\"a\",\"HashKeyRange\":{\"StartingHashKey\":\"0\"},"
                        + "\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"10\"}},"
                        + "{\"ShardId\":\"c\",\"ParentShardId\":\"a\",\"AdjacentParentShardId\":\"x\",\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"11\"}}]}";
        List<ListedShard> shards = new ArrayList<>();
        try (com.fasterxml.jackson.core.JsonParser p = JsonBodies.JSON.createParser(answer)) {
            p.nextToken();
            p.nextToken();
            p.nextToken();
            AnswerParsing.shards(p, shards);
        }
        assertThat(shards)
                .extracting(s -> s.toString())
                .containsExactly("a (closed)", "b <- [a]", "c <- [a, x]");
    }

    @Test
    void errorAnswersAreClassifiedByTheirType() {
        assertThat(
                        AwsJsonClient.error(
                                "GetRecords",
                                400,
                                null,
                                ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                                                + "TrimmedDataAccessException\",\"message\":\"gone\"}")
                                        .getBytes(StandardCharsets.UTF_8)))
                .satisfies(
                        e -> {
                            assertThat(e.kind).isEqualTo(StreamApiException.Kind.TRIMMED_DATA);
                            assertThat(e.getMessage())
                                    .contains(
                                            "GetRecords",
                                            "400",
                                            "TrimmedDataAccessException",
                                            "gone");
                        });
        assertThat(
                        AwsJsonClient.error(
                                        "GetRecords",
                                        400,
                                        null,
                                        "{\"__type\":\"ExpiredIteratorException\",\"message\":\"x\"}"
                                                .getBytes(StandardCharsets.UTF_8))
                                .kind)
                .isEqualTo(StreamApiException.Kind.EXPIRED_ITERATOR);
        assertThat(
                        AwsJsonClient.error(
                                        "GetRecords",
                                        400,
                                        null,
                                        "{\"__type\":\"ProvisionedThroughputExceededException\"}"
                                                .getBytes(StandardCharsets.UTF_8))
                                .kind)
                .isEqualTo(StreamApiException.Kind.THROTTLED);
        assertThat(
                        AwsJsonClient.error(
                                        "DescribeStream",
                                        400,
                                        "LimitExceededException:http://internal",
                                        new byte[0])
                                .kind)
                .isEqualTo(StreamApiException.Kind.THROTTLED);
        assertThat(
                        AwsJsonClient.error(
                                        "GetShardIterator",
                                        400,
                                        null,
                                        "{\"__type\":\"ResourceNotFoundException\"}"
                                                .getBytes(StandardCharsets.UTF_8))
                                .kind)
                .isEqualTo(StreamApiException.Kind.NOT_FOUND);
        assertThat(
                        AwsJsonClient.error(
                                        "GetRecords",
                                        502,
                                        null,
                                        "<html>bad gateway</html>".getBytes(StandardCharsets.UTF_8))
                                .kind)
                .isEqualTo(StreamApiException.Kind.RETRYABLE);
        assertThat(
                        AwsJsonClient.error(
                                "GetRecords",
                                400,
                                null,
                                "{\"__type\":\"AccessDeniedException\",\"Message\":\"no\"}"
                                        .getBytes(StandardCharsets.UTF_8)))
                .satisfies(
                        e -> {
                            assertThat(e.kind).isEqualTo(StreamApiException.Kind.FATAL);
                            assertThat(e.getMessage()).contains("AccessDeniedException: no");
                        });
    }

    /**
     * The structural scanner against Jackson on random answers with nasty strings (quotes,
     * backslashes, braces and brackets, unicode escapes, non-ASCII) in every place, random
     * whitespace, and numbers in every form: each record's slice is exactly the bytes Jackson's
     * parser spans for it, and the sequence numbers, times and next iterator agree.
     */
    @Test
    void theScannerCutsExactlyWhereJacksonDoesOnRandomNastyAnswers() throws Exception {
        java.util.Random r = new java.util.Random(42);
        String[] nasty = {
            "plain",
            "q\\\"uote",
            "}{][",
            "back\\\\slash",
            "\\u00e9t\\u00e9",
            "caf\u00e9 \u2603",
            "\\/slash",
            "",
            ",:",
            "\\n\\t"
        };
        for (int round = 0; round < 300; round++) {
            StringBuilder a = new StringBuilder("{");
            List<String> expectedSeq = new ArrayList<>();
            a.append(ws(r))
                    .append("\"Records\"")
                    .append(ws(r))
                    .append(':')
                    .append(ws(r))
                    .append('[');
            int n = r.nextInt(5);
            for (int k = 0; k < n; k++) {
                String seq = Long.toString(100000000000000000L + r.nextInt(1_000_000));
                expectedSeq.add(seq);
                a.append(k == 0 ? "" : "," + ws(r))
                        .append("{\"eventID\":\"")
                        .append(nasty[r.nextInt(nasty.length)])
                        .append("\",")
                        .append(ws(r))
                        .append("\"weird")
                        .append(nasty[r.nextInt(nasty.length)])
                        .append("\":[1,{\"x\":\"")
                        .append(nasty[r.nextInt(nasty.length)])
                        .append("\"},null,true,-1.5e3],\"dynamodb\":{")
                        .append("\"Keys\":{\"k\":{\"S\":\"")
                        .append(nasty[r.nextInt(nasty.length)])
                        .append("\"}},")
                        .append(ws(r))
                        .append("\"ApproximateCreationDateTime\":")
                        .append(r.nextBoolean() ? "1.7E9" : "\"1700000000.5\"")
                        .append(",\"SequenceNumber\"")
                        .append(ws(r))
                        .append(':')
                        .append(ws(r))
                        .append('"')
                        .append(seq)
                        .append("\"}")
                        .append(ws(r))
                        .append('}');
            }
            a.append(ws(r))
                    .append("],")
                    .append(ws(r))
                    .append("\"NextShardIterator\":")
                    .append(
                            r.nextBoolean()
                                    ? "null"
                                    : "\"it-" + nasty[r.nextInt(nasty.length)] + "\"")
                    .append(ws(r))
                    .append('}');
            byte[] answer = a.toString().getBytes(StandardCharsets.UTF_8);

            RecordBatch batch = DynamoDbStreamsApi.parseGetRecords(answer, "s");
            List<String> jacksonSlices = new ArrayList<>();
            String jacksonNext;
            try (com.fasterxml.jackson.core.JsonParser p = JsonBodies.JSON.createParser(answer)) {
                JsonNode tree = JSON.readTree(answer);
                jacksonNext =
                        tree.path("NextShardIterator").isNull()
                                ? null
                                : tree.path("NextShardIterator").asText();
                p.nextToken();
                while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    if (name.equals("Records")) {
                        while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                            int from = (int) p.currentTokenLocation().getByteOffset();
                            p.skipChildren();
                            jacksonSlices.add(
                                    new String(
                                            answer,
                                            from,
                                            (int) p.currentLocation().getByteOffset() - from,
                                            StandardCharsets.UTF_8));
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            }
            assertThat(batch.nextIterator).as("round %d: %s", round, a).isEqualTo(jacksonNext);
            assertThat(batch.records)
                    .extracting(x -> new String(x.data, StandardCharsets.UTF_8))
                    .as("round %d", round)
                    .containsExactlyElementsOf(jacksonSlices);
            assertThat(batch.records)
                    .extracting(x -> x.sequenceNumber)
                    .containsExactlyElementsOf(expectedSeq);
            assertThat(batch.records)
                    .allSatisfy(
                            x ->
                                    assertThat(x.arrivalTime)
                                            .isIn(1_700_000_000_000L, 1_700_000_000_500L));
        }
    }

    @Test
    void truncatedOrBrokenAnswersAreErrorsNotSilentlyShortBatches() {
        for (String broken :
                new String[] {
                    "{\"Records\":[{\"a\":\"x",
                    "{\"Records\":[{\"a\":1}",
                    "{\"Records\":[{\"a\" 1}]}",
                    "{\"Records\":[{\"a\":\"\\\"}]}",
                    "",
                    "[]"
                }) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () ->
                                    DynamoDbStreamsApi.parseGetRecords(
                                            broken.getBytes(StandardCharsets.UTF_8), "s"))
                    .as(broken)
                    .isInstanceOf(IOException.class);
        }
    }

    private static String ws(java.util.Random r) {
        return new String[] {"", " ", "\n  ", "\t", "\r\n"}[r.nextInt(5)];
    }

    @Test
    void anAnswerWithoutRecordsIsMalformedAndDoesNotEndTheShard() {
        for (String notAnAnswer : new String[] {"{}", "{\"NextShardIterator\":null}"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () ->
                                    DynamoDbStreamsApi.parseGetRecords(
                                            notAnAnswer.getBytes(StandardCharsets.UTF_8), "s"))
                    .as(notAnAnswer)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("no Records");
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () ->
                                    KinesisApi.parseGetRecords(
                                            notAnAnswer.getBytes(StandardCharsets.UTF_8), "s"))
                    .as(notAnAnswer)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("no Records");
        }
    }

    @Test
    void kinesisRecordsWeCannotReadAreHandedOnAsDeadLettersInsteadOfFailingTheBatch()
            throws Exception {
        String good =
                Base64.getEncoder()
                        .encodeToString(
                                "{\"eventName\":\"INSERT\"}".getBytes(StandardCharsets.UTF_8));
        String answer =
                "{\"NextShardIterator\":\"k\",\"MillisBehindLatest\":0,\"Records\":["
                        + "{\"Data\":\""
                        + good
                        + "\",\"PartitionKey\":\"p\"}," // no SequenceNumber
                        + "{\"SequenceNumber\":\"2\",\"Data\":\"not base64!\",\"PartitionKey\":\"p\"}," // Data not base64
                        + "42," // not an object
                        + "{\"SequenceNumber\":\"3\",\"Data\":\""
                        + good
                        + "\",\"PartitionKey\":\"p\"}]}";
        RecordBatch batch =
                KinesisApi.parseGetRecords(answer.getBytes(StandardCharsets.UTF_8), "shardId-0");
        assertThat(batch.records).hasSize(4);
        assertThat(batch.records.get(0).sequenceNumber).isNull();
        assertThat(batch.records.get(0).text()).startsWith("{\"Data\"");
        assertThat(batch.records.get(1).sequenceNumber)
                .as("moves the position past it")
                .isEqualTo("2");
        assertThat(batch.records.get(1).text()).contains("not base64!");
        assertThat(batch.records.get(2).text()).isEqualTo("42");
        assertThat(batch.records.get(2).isHeartbeat()).isFalse();
        assertThat(batch.records.get(3).text()).isEqualTo("{\"eventName\":\"INSERT\"}");
        RecordBatch ddb =
                DynamoDbStreamsApi.parseGetRecords(
                        "{\"Records\":[\"x\"],\"NextShardIterator\":\"n\"}"
                                .getBytes(StandardCharsets.UTF_8),
                        "s");
        assertThat(ddb.records)
                .singleElement()
                .satisfies(r -> assertThat(r.text()).isEqualTo("\"x\""));
    }

    @Test
    void childShardsAreAskedForWithTheChildShardsFilter() throws Exception {
        byte[] request =
                DynamoDbStreamsApi.childShardsRequest(
                        "arn:aws:dynamodb:eu-west-1:1:table/t/stream/x", "shardId-\"1");
        com.fasterxml.jackson.databind.JsonNode json =
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(request);
        assertThat(json.get("StreamArn").asText())
                .isEqualTo("arn:aws:dynamodb:eu-west-1:1:table/t/stream/x");
        assertThat(json.get("ShardFilter").get("Type").asText()).isEqualTo("CHILD_SHARDS");
        assertThat(json.get("ShardFilter").get("ShardId").asText()).isEqualTo("shardId-\"1");
    }
}

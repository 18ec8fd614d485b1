package io.streamsync.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeRecordParser;
import io.streamsync.change.KeySchema;
import io.streamsync.config.JobConfig;
import io.streamsync.deadletter.DeadLetter;
import io.streamsync.source.RawRecord;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parse operator on its own (Flink's operator harness): what reaches the aggregation and what
 * is a dead letter.
 */
class ParseChangeRecordsTest {
    private static final KeySchema TODO = new KeySchema("listId", "taskId");
    private static final long ARRIVAL =
            1_764_000_000_000L; // 2025-11-24, when Kinesis received the record

    /**
     * A record as DynamoDB writes it into Kinesis, created one second before Kinesis received it.
     */
    static String kinesisRecord(String eventId) {
        return "{\"awsRegion\":\"us-east-1\",\"eventID\":\""
                + eventId
                + "\",\"eventName\":\"INSERT\",\"userIdentity\":null,"
                + "\"recordFormat\":\"application/json\",\"tableName\":\"todoListTask\",\"dynamodb\":{"
                + "\"ApproximateCreationDateTime\":"
                + (ARRIVAL - 1000) * 1000
                + ",\"ApproximateCreationDateTimePrecision\":\"MICROSECOND\","
                + "\"Keys\":{\"listId\":{\"S\":\"l\"},\"taskId\":{\"S\":\"t\"}},"
                + "\"NewImage\":{\"listId\":{\"S\":\"l\"},\"taskId\":{\"S\":\"t\"}},\"SizeBytes\":40},"
                + "\"eventSource\":\"aws:dynamodb\"}";
    }

    static final class Run implements AutoCloseable {
        final OneInputStreamOperatorTestHarness<RawRecord, ChangeEvent> h;

        Run(ParseChangeRecords fn) throws Exception {
            h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(fn));
            h.open();
        }

        void add(RawRecord r) throws Exception {
            h.processElement(new StreamRecord<>(r, 0L));
        }

        List<ChangeEvent> events() {
            return h.extractOutputValues();
        }

        List<DeadLetter> deadLetters() {
            return h.getSideOutput(ParseChangeRecords.DEAD_LETTERS) == null
                    ? List.of()
                    : h.getSideOutput(ParseChangeRecords.DEAD_LETTERS).stream()
                            .map(StreamRecord::getValue)
                            .collect(Collectors.toList());
        }

        @Override
        public void close() throws Exception {
            h.close();
        }
    }

    /** The configuration's defaults (source.max.record.bytes, deadletter.max.record.bytes). */
    private static final JobConfig DEFAULTS = JobConfig.from(Map.of());

    private static ParseChangeRecords kinesis() {
        return new ParseChangeRecords(
                TODO,
                DEFAULTS.maxRecordBytes,
                DEFAULTS.deadLetterMaxRecordBytes,
                null,
                true,
                "todoListTask");
    }

    private static ParseChangeRecords dynamoDbStreams() {
        return new ParseChangeRecords(
                TODO,
                DEFAULTS.maxRecordBytes,
                DEFAULTS.deadLetterMaxRecordBytes,
                null,
                false,
                null);
    }

    @Test
    void aRecordAsDynamoDbWritesItIntoKinesisIsAChange() throws Exception {
        try (Run run = new Run(kinesis())) {
            run.add(new RawRecord(kinesisRecord("a"), "shardId-000000000000", "4959", ARRIVAL));
            assertThat(run.deadLetters()).isEmpty();
            assertThat(run.events()).hasSize(1);
            assertThat(run.events().get(0).approximateCreationTimeMillis).isEqualTo(ARRIVAL - 1000);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "no eventSource | ,\"eventSource\":\"aws:dynamodb\" | | eventSource",
                "another eventSource | \"aws:dynamodb\" | \"aws:kinesis\" | eventSource 'aws:kinesis'",
                "a table scan's eventSource through the stream | \"aws:dynamodb\" | \""
                        + ChangeRecordParser.SCAN_EVENT_SOURCE
                        + "\" | eventSource '"
                        + ChangeRecordParser.SCAN_EVENT_SOURCE
                        + "'",
                "no tableName | \"tableName\":\"todoListTask\", | | no tableName",
                "another table | \"tableName\":\"todoListTask\" | \"tableName\":\"payroll\" | record of table 'payroll'",
                "created after Kinesis received it | \"ApproximateCreationDateTime\":1763999999000000 "
                        + "| \"ApproximateCreationDateTime\":1764000400000000 | after the stream received it"
            })
    void aForgedKinesisRecordIsADeadLetter(String what, String from, String to, String reason)
            throws Exception {
        String forged = kinesisRecord("f").replace(from, to == null ? "" : to);
        assertThat(forged).isNotEqualTo(kinesisRecord("f"));
        try (Run run = new Run(kinesis())) {
            run.add(new RawRecord(forged, "shardId-000000000000", "4960", ARRIVAL));
            assertThat(run.events()).as(what).isEmpty();
            assertThat(run.deadLetters()).hasSize(1);
            assertThat(run.deadLetters().get(0).reason).as(what).contains(reason);
        }
    }

    @Test
    void aTableScanRecordIsASnapshotOnlyFromTheScan() throws Exception {
        String scan =
                "{\"eventID\":\"scan-0\",\"eventName\":\"INSERT\",\"eventSource\":\""
                        + ChangeRecordParser.SCAN_EVENT_SOURCE
                        + "\",\"tableName\":\"todoListTask\",\"dynamodb\":{\"Keys\":{\"listId\":{\"S\":\"l\"},\"taskId\":{\"S\":\"t\"}},"
                        + "\"NewImage\":{\"listId\":{\"S\":\"l\"},\"taskId\":{\"S\":\"t\"}},\"SequenceNumber\":\"0\",\"StreamViewType\":\"NEW_IMAGE\"}}";
        for (ParseChangeRecords fn : new ParseChangeRecords[] {kinesis(), dynamoDbStreams()}) {
            try (Run run = new Run(fn)) {
                run.add(
                        new RawRecord(
                                scan,
                                ParseChangeRecords.TABLE_SCAN_SHARD_PREFIX + "0",
                                "0",
                                ARRIVAL));
                run.add(new RawRecord(scan, "shardId-000000000000", "4961", ARRIVAL));
                assertThat(run.events()).hasSize(1);
                assertThat(run.events().get(0).type)
                        .isEqualTo(io.streamsync.change.ChangeType.SNAPSHOT);
                assertThat(run.deadLetters()).hasSize(1);
                assertThat(run.deadLetters().get(0).reason).contains("only the table scan");
            }
        }
    }

    /**
     * Fails its parse with the Error given, standing for a VM error met while a record is
     * processed.
     */
    static final class FailingParse extends ParseChangeRecords {
        private static final long serialVersionUID = 1L;
        private final Error error;

        FailingParse(Error error) {
            super(
                    TODO,
                    DEFAULTS.maxRecordBytes,
                    DEFAULTS.deadLetterMaxRecordBytes,
                    null,
                    false,
                    null);
            this.error = error;
        }

        @Override
        protected ChangeEvent parse(RawRecord raw) {
            if (new String(raw.data, java.nio.charset.StandardCharsets.UTF_8).contains("poison")) {
                throw error;
            }
            return super.parse(raw);
        }
    }

    /**
     * Issue 28's hardening: an Error while processing a record fails the job loudly once; when the
     * same record fails again after the restart it is a dead letter with the reason, so the job
     * never loops on it.
     */
    @Test
    void anErrorOnARecordFailsOnceThenTheRecordIsADeadLetter() throws Exception {
        String good =
                kinesisRecord("g")
                        .replace("\"tableName\":\"todoListTask\",", "")
                        .replace(
                                "\"ApproximateCreationDateTime\"",
                                "\"SequenceNumber\":\"300\",\"ApproximateCreationDateTime\"");
        RawRecord poison =
                new RawRecord(good.replace("\"t\"}", "\"poison\"}"), "shard-9", "777", ARRIVAL);
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        try (Run first = new Run(new FailingParse(oom))) {
            first.add(new RawRecord(good, "shard-9", "776", ARRIVAL));
            assertThatThrownBy(() -> first.add(poison)).isSameAs(oom);
            assertThat(first.events()).hasSize(1);
        }
        // the job restarts from its last checkpoint and reads the record again: a new operator
        // instance
        try (Run again = new Run(new FailingParse(oom))) {
            try {
                again.add(poison);
            } catch (Error e) { // JUnit would abort the whole run on an OutOfMemoryError: report
                // it as a failure
                throw new AssertionError(
                        "the record failed the job again (a restart loop): " + e, null);
            }
            again.add(new RawRecord(good, "shard-9", "778", ARRIVAL));
            assertThat(again.events()).hasSize(1);
            assertThat(again.deadLetters()).hasSize(1);
            DeadLetter letter = again.deadLetters().get(0);
            assertThat(letter.reason)
                    .contains("java.lang.OutOfMemoryError: Java heap space")
                    .contains("again");
            assertThat(letter.sequenceNumber).isEqualTo("777");
        }
        // another record failing once is a failure again: each is given its one loud failure
        RawRecord other =
                new RawRecord(
                        poison.text().replace("\"l\"}", "\"l2\"}"), "shard-9", "779", ARRIVAL);
        try (Run third = new Run(new FailingParse(oom))) {
            assertThatThrownBy(() -> third.add(other)).isSameAs(oom);
        }
    }

    /**
     * Review item 2: the memory of records that threw an Error must not forget a record once it is
     * dead-lettered. k records that always throw, between the same two checkpoints: every restart
     * replays from the same checkpoint. Forgetting a dead-lettered record let it fail the job again
     * on the next replay: 2^k - 1 restarts (7 for k = 3). Each record may fail the job once, so at
     * most k failures in all.
     */
    @Test
    void recordsThatAlwaysThrowFailTheJobAtMostOnceEachAcrossRestarts() throws Exception {
        String good =
                kinesisRecord("g")
                        .replace("\"tableName\":\"todoListTask\",", "")
                        .replace(
                                "\"ApproximateCreationDateTime\"",
                                "\"SequenceNumber\":\"300\",\"ApproximateCreationDateTime\"");
        String shard =
                "shard-always-" + System.nanoTime(); // not shared with another test's records
        List<RawRecord> input = new java.util.ArrayList<>();
        for (int k = 0; k < 3; k++) {
            input.add(new RawRecord(good, shard, "80" + k + "0", ARRIVAL));
            input.add(
                    new RawRecord(
                            good.replace("\"t\"}", "\"poison-" + k + "\"}"),
                            shard,
                            "80" + k + "1",
                            ARRIVAL));
        }
        InternalError always = new InternalError("always thrown for this record");
        int failures = 0;
        for (int restart = 0; restart < 20; restart++) {
            try (Run run =
                    new Run(
                            new FailingParse(
                                    always))) { // a restart from the same checkpoint: the same
                // input
                try {
                    for (RawRecord r : input) {
                        run.add(r);
                    }
                } catch (InternalError e) {
                    assertThat(e).isSameAs(always);
                    failures++;
                    continue;
                }
                assertThat(run.events()).hasSize(3);
                assertThat(run.deadLetters())
                        .hasSize(3)
                        .allSatisfy(
                                d ->
                                        assertThat(d.reason)
                                                .contains("always thrown for this record"));
                break;
            }
        }
        assertThat(failures)
                .as("job failures caused by 3 records that always throw")
                .isLessThanOrEqualTo(3);
    }

    /**
     * Review item 4: DynamoDB sets ApproximateCreationDateTime on every stream record, and the
     * windows need it; a stream record without it is a dead letter with the reason (not a change
     * timed by the reading clock). The bootstrap scan's records have none and stay snapshots
     * ({@link #aTableScanRecordIsASnapshotOnlyFromTheScan}).
     */
    @Test
    void aStreamRecordWithoutCreationTimeIsADeadLetter() throws Exception {
        String kinesisWithSeq =
                kinesisRecord("n")
                        .replace(
                                "\"ApproximateCreationDateTime\"",
                                "\"SequenceNumber\":\"500\",\"ApproximateCreationDateTime\"");
        String noTime =
                kinesisWithSeq.replace(
                        "\"ApproximateCreationDateTime\":"
                                + (ARRIVAL - 1000) * 1000
                                + ",\"ApproximateCreationDateTimePrecision\":\"MICROSECOND\",",
                        "");
        assertThat(noTime).doesNotContain("ApproximateCreationDateTime");
        for (ParseChangeRecords fn : new ParseChangeRecords[] {kinesis(), dynamoDbStreams()}) {
            try (Run run = new Run(fn)) {
                run.add(new RawRecord(kinesisWithSeq, "shardId-000000000000", "4970", ARRIVAL));
                run.add(new RawRecord(noTime, "shardId-000000000000", "4971", ARRIVAL));
                assertThat(run.events()).hasSize(1);
                assertThat(run.deadLetters()).hasSize(1);
                assertThat(run.deadLetters().get(0).reason)
                        .contains("no dynamodb.ApproximateCreationDateTime");
            }
        }
    }
}

package io.streamsync.source.repair;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ItemKeys;
import io.streamsync.change.RepairPayload;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.ParseChangeRecords;
import io.streamsync.source.RawRecord;
import io.streamsync.source.scan.ScannedItemReader;
import io.streamsync.source.scan.ScannedItems;
import io.streamsync.testing.OverLimitItems;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Review item 8: the job makes a change record larger than {@code source.max.record.bytes} a dead
 * letter (ParseChangeRecords), so such an item is in no output. A repair's read of the list must
 * leave it out the same way, by the same rule, and count it; else the repair counts and indexes an
 * item the job keeps out of every output.
 */
class AnItemOverTheMaxRecordBytesIsInNoRepairTest {
    /** One list: a small item and one whose change record is over 1 KiB. */
    static final class Table extends ListReadsTest.MemoryTable {
        @Override
        public QueryResponse query(QueryRequest r) {
            return QueryResponse.builder()
                    .items(OverLimitItems.of(r.expressionAttributeValues().get(":v").s()))
                    .build();
        }
    }

    @Test
    void anItemWhoseRecordIsOverTheLimitIsNotInTheList() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("table.partition.key", "listId");
        p.put("table.sort.key", "taskId");
        p.put("repair.request", "r-1=L");
        p.put("source.max.record.bytes", "1024");
        RepairSettings settings = RepairSettings.fromConfig(JobConfig.from(p));
        SimpleCounter unreadable = new SimpleCounter();
        ChangeEvent e =
                new ListReads(
                                settings,
                                new Table(),
                                ListDocuments.none().open(),
                                () -> 1_000_000L,
                                unreadable)
                        .read("r-1", "L");
        assertThat(RepairPayload.fromJson(e.newImageJson).items)
                .as("the items the repair brings back: the job dead-letters the big one")
                .containsOnlyKeys(ItemKeys.itemKey("L", "small"));
        assertThat(unreadable.getCount()).as("repairItemsUnreadable").isEqualTo(1);
    }

    /** The rule and the reason are the job's parse step's (RecordSizeLimit, ParseChangeRecords). */
    @Test
    void theReasonIsTheJobsDeadLetterReason() throws Exception {
        ScannedItemReader reader = new ScannedItemReader(keys(), "tasks", 1024, null);
        Map<String, AttributeValue> big = OverLimitItems.big("L");
        assertThat(reader.read(big)).isEqualTo(ScannedItemReader.Verdict.UNREADABLE);
        assertThat(reader.reason())
                .matches(".*record of \\d+ bytes exceeds source.max.record.bytes \\(1024\\)");

        // the job's parse step, given the bootstrap scan's record of the same item
        ParseChangeRecords parse = new ParseChangeRecords(keys(), 1024, 16384, null, false, null);
        OneInputStreamOperatorTestHarness<RawRecord, ChangeEvent> h =
                new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(parse));
        try {
            h.open();
            h.processElement(
                    new StreamRecord<>(
                            new RawRecord(
                                    ScannedItems.changeRecord(big, keys(), "tasks", 0),
                                    ParseChangeRecords.TABLE_SCAN_SHARD_PREFIX + "0",
                                    "0",
                                    0L),
                            0L));
            assertThat(h.extractOutputValues())
                    .as("the job's parse step lets it through")
                    .isEmpty();
            assertThat(h.getSideOutput(ParseChangeRecords.DEAD_LETTERS))
                    .singleElement()
                    .satisfies(
                            d ->
                                    assertThat(reader.reason())
                                            .as("the same reason as the job's dead letter")
                                            .endsWith(d.getValue().reason));
        } finally {
            h.close();
        }
        assertThat(new ScannedItemReader(keys(), "tasks", 4096, null).read(big))
                .as("under a higher limit it is read")
                .isEqualTo(ScannedItemReader.Verdict.READ);
    }

    private static io.streamsync.change.KeySchema keys() {
        return JobConfig.from(Map.of("table.partition.key", "listId", "table.sort.key", "taskId"))
                .keySchema;
    }
}

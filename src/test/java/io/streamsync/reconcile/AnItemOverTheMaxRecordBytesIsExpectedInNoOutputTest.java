package io.streamsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.JobConfig;
import io.streamsync.testing.OverLimitItems;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Review item 8: the report reads the table as the job does, so an item whose change record is over
 * {@code source.max.record.bytes} (a dead letter in the job, in no output) is expected in no output
 * and counted as unreadable, like the repair's read of the same list.
 */
class AnItemOverTheMaxRecordBytesIsExpectedInNoOutputTest {
    /** One segment: list L with a small item and one whose change record is over 1 KiB. */
    static final class Table implements DynamoDbClient {
        @Override
        public ScanResponse scan(ScanRequest r) {
            return ScanResponse.builder()
                    .items(r.segment() != 0 ? List.of() : OverLimitItems.of("L"))
                    .build();
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {}
    }

    @Test
    void anItemWhoseRecordIsOverTheLimitIsExpectedInNoOutput() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("table.partition.key", "listId");
        p.put("table.sort.key", "taskId");
        p.put("source.max.record.bytes", "1024");
        Reconciler r = ReconcilerScanTest.reconciler(JobConfig.from(p), new Table());
        Map<String, ListTruth> lists = r.scanTable();
        assertThat(lists.get("L").items)
                .as("the table as the job reads it: the big item is a dead letter")
                .containsOnlyKeys("L|small");
        assertThat(r.itemsUnreadable()).as("itemsUnreadable of the report").isEqualTo(1);
    }
}

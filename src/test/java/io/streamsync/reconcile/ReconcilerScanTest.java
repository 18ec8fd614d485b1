package io.streamsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.JobConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * The report's parallel scan reads every item as the job would, whatever the number of threads. The
 * table is served from memory here (the services are in ReconcileITCase): each segment's pages hold
 * 50 items.
 */
class ReconcilerScanTest {
    static final int SEGMENTS = 8;
    static final int ITEMS_PER_SEGMENT = 2000;

    /** A table served from memory: segment s holds list-s's items, in pages of 50. */
    static final class MemoryTable implements DynamoDbClient {
        @Override
        public ScanResponse scan(ScanRequest r) {
            int start =
                    r.exclusiveStartKey() == null || r.exclusiveStartKey().isEmpty()
                            ? 0
                            : Integer.parseInt(r.exclusiveStartKey().get("taskId").s().substring(1))
                                    + 1;
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            int end = Math.min(start + 50, ITEMS_PER_SEGMENT);
            for (int i = start; i < end; i++) {
                Map<String, AttributeValue> item = new HashMap<>();
                item.put("listId", AttributeValue.fromS("list-" + r.segment()));
                item.put("taskId", AttributeValue.fromS("t" + i));
                item.put("title", AttributeValue.fromS("task " + i + " of list " + r.segment()));
                item.put("n", AttributeValue.fromN("1.50"));
                item.put("tags", AttributeValue.fromSs(List.of("a", "b")));
                items.add(item);
            }
            ScanResponse.Builder b = ScanResponse.builder().items(items);
            if (end < ITEMS_PER_SEGMENT) {
                b.lastEvaluatedKey(
                        Map.of(
                                "listId", AttributeValue.fromS("list-" + r.segment()),
                                "taskId", AttributeValue.fromS("t" + (end - 1))));
            }
            return b.build();
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {}
    }

    /** A report of {@code table} with no search outputs, the system clock, and no sleep. */
    static Reconciler reconciler(JobConfig c, DynamoDbClient table) {
        return new Reconciler(
                c, ReconcileSettings.of(c), table, null, System::currentTimeMillis, until -> {});
    }

    @Test
    void everyItemOfEverySegmentIsReadWithTheJobsParserWhateverTheThreads() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("table.partition.key", "listId");
        p.put("table.sort.key", "taskId");
        p.put("reconcile.scan.segments", Integer.toString(SEGMENTS));
        Reconciler r = reconciler(JobConfig.from(p), new MemoryTable());
        Map<String, ListTruth> lists = r.scanTable();
        assertThat(lists).hasSize(SEGMENTS);
        for (int s = 0; s < SEGMENTS; s++) {
            ListTruth t = lists.get("list-" + s);
            assertThat(t.count()).as("items of list-%s", s).isEqualTo(ITEMS_PER_SEGMENT);
            assertThat(t.items).containsKey("list-" + s + "|t" + (ITEMS_PER_SEGMENT - 1));
            assertThat(t.items.get("list-" + s + "|t7"))
                    .isEqualTo(
                            ImageDigest.of(
                                    "{\"listId\":\"list-"
                                            + s
                                            + "\",\"taskId\":\"t7\",\"title\":\"task 7 of list "
                                            + s
                                            + "\",\"n\":1.50,\"tags\":[\"a\",\"b\"]}"));
        }
    }
}

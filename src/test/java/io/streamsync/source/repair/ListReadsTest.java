package io.streamsync.source.repair;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.ItemKeys;
import io.streamsync.change.RepairPayload;
import io.streamsync.config.JobConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * A repair's read of one list: a strongly consistent Query of every page, each item read as the job
 * reads it (its item key and image, the filter applied), the index's documents, and the read time
 * (the Query's start less the margin). The table is served from memory (the services are in the
 * integration test).
 */
class ListReadsTest {
    /** One list of 5 items, served 2 per page; records the Query requests. */
    static class MemoryTable implements DynamoDbClient {
        final List<QueryRequest> queries = new ArrayList<>();

        @Override
        public DescribeTableResponse describeTable(DescribeTableRequest r) {
            return DescribeTableResponse.builder()
                    .table(
                            TableDescription.builder()
                                    .attributeDefinitions(
                                            AttributeDefinition.builder()
                                                    .attributeName("listId")
                                                    .attributeType("S")
                                                    .build())
                                    .build())
                    .build();
        }

        @Override
        public QueryResponse query(QueryRequest r) {
            queries.add(r);
            String list = r.expressionAttributeValues().get(":v").s();
            int start =
                    r.exclusiveStartKey() == null || r.exclusiveStartKey().isEmpty()
                            ? 0
                            : Integer.parseInt(r.exclusiveStartKey().get("taskId").s()) + 1;
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            int end = Math.min(start + 2, 5);
            for (int i = start; i < end; i++) {
                Map<String, AttributeValue> item = new HashMap<>();
                item.put("listId", AttributeValue.fromS(list));
                item.put("taskId", AttributeValue.fromS(Integer.toString(i)));
                item.put("status", AttributeValue.fromS(i == 3 ? "archived" : "open"));
                items.add(item);
            }
            QueryResponse.Builder b = QueryResponse.builder().items(items);
            if (end < 5) {
                b.lastEvaluatedKey(
                        Map.of(
                                "listId", AttributeValue.fromS(list),
                                "taskId", AttributeValue.fromS(Integer.toString(end - 1))));
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

    @Test
    void readsTheListAsTheJobDoesAtAReadTimeBeforeTheQuery() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("table.partition.key", "listId");
        p.put("table.sort.key", "taskId");
        p.put("repair.request", "r-1=L");
        p.put("repair.read.margin.ms", "2000");
        RepairSettings settings = RepairSettings.fromConfig(JobConfig.from(p));
        MemoryTable table = new MemoryTable();
        Map<String, Long> docs = Map.of(ItemKeys.itemKey("L", "0"), 7L, "L|ghost", 3L);
        ListDocuments.Reader index =
                new ListDocuments.Reader() {
                    @Override
                    public Map<String, Long> versions(String listId) {
                        return listId.equals("L") ? docs : Map.of();
                    }

                    @Override
                    public void close() {}
                };
        ChangeEvent e = new ListReads(settings, table, index, () -> 1_000_000L).read("r-1", "L");

        assertThat(e.type).isEqualTo(ChangeType.REPAIR);
        assertThat(e.partitionKey).isEqualTo("L");
        assertThat(e.eventId).isEqualTo("r-1");
        assertThat(e.approximateCreationTimeMillis).isEqualTo(998_000L);
        assertThat(table.queries).hasSize(3).allMatch(QueryRequest::consistentRead);
        RepairPayload read = RepairPayload.fromJson(e.newImageJson);
        assertThat(read.items)
                .containsOnlyKeys(
                        ItemKeys.itemKey("L", "0"),
                        ItemKeys.itemKey("L", "1"),
                        ItemKeys.itemKey("L", "2"),
                        ItemKeys.itemKey("L", "3"),
                        ItemKeys.itemKey("L", "4"));
        assertThat(read.items.get(ItemKeys.itemKey("L", "1")))
                .isEqualTo("{\"listId\":\"L\",\"taskId\":\"1\",\"status\":\"open\"}");
        assertThat(read.documents).isEqualTo(docs);
    }

    @Test
    void anItemTheFilterLeavesOutIsNotInTheList() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("table.partition.key", "listId");
        p.put("table.sort.key", "taskId");
        p.put("repair.request", "r-1=L");
        p.put("filter.patterns", "[{\"dynamodb\":{\"NewImage\":{\"status\":{\"S\":[\"open\"]}}}}]");
        RepairSettings settings = RepairSettings.fromConfig(JobConfig.from(p));
        ChangeEvent e =
                new ListReads(
                                settings,
                                new MemoryTable(),
                                ListDocuments.none().open(),
                                () -> 1_000_000L)
                        .read("r-1", "L");
        assertThat(RepairPayload.fromJson(e.newImageJson).items)
                .hasSize(4)
                .doesNotContainKey(ItemKeys.itemKey("L", "3"));
    }
}

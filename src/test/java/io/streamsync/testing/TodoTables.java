package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.change.ItemKeys;
import io.streamsync.sink.commit.CaughtUp;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * The example tables ({@code todoListTask} with a stream, {@code todoTaskCount}) and the ground
 * truth computed from a scan of the source table, converted independently of the job's own
 * converter.
 */
public final class TodoTables {
    public static final String SOURCE = "todoListTask";
    public static final String AGGREGATES = "todoTaskCount";

    private TodoTables() {}

    /**
     * Creates the source table (listId + taskId, stream with the given view type); returns its
     * stream ARN.
     */
    public static String createSourceTable(
            DynamoDbClient ddb, String name, StreamViewType viewType) {
        try {
            ddb.createTable(
                    b ->
                            b.tableName(name)
                                    .attributeDefinitions(attr("listId"), attr("taskId"))
                                    .keySchema(
                                            KeySchemaElement.builder()
                                                    .attributeName("listId")
                                                    .keyType(KeyType.HASH)
                                                    .build(),
                                            KeySchemaElement.builder()
                                                    .attributeName("taskId")
                                                    .keyType(KeyType.RANGE)
                                                    .build())
                                    .billingMode(BillingMode.PAY_PER_REQUEST)
                                    .streamSpecification(
                                            StreamSpecification.builder()
                                                    .streamEnabled(true)
                                                    .streamViewType(viewType)
                                                    .build()));
        } catch (ResourceInUseException exists) {
            // already there: reuse it
        }
        awaitActive(ddb, name);
        return ddb.describeTable(b -> b.tableName(name)).table().latestStreamArn();
    }

    /**
     * Creates the source table without a stream: a table that existed before anyone streamed it.
     */
    public static void createSourceTableWithoutStream(DynamoDbClient ddb, String name) {
        ddb.createTable(
                b ->
                        b.tableName(name)
                                .attributeDefinitions(attr("listId"), attr("taskId"))
                                .keySchema(
                                        KeySchemaElement.builder()
                                                .attributeName("listId")
                                                .keyType(KeyType.HASH)
                                                .build(),
                                        KeySchemaElement.builder()
                                                .attributeName("taskId")
                                                .keyType(KeyType.RANGE)
                                                .build())
                                .billingMode(BillingMode.PAY_PER_REQUEST));
        awaitActive(ddb, name);
    }

    /** Turns the table's stream on; returns its ARN. Changes before this are in no stream. */
    public static String enableStream(DynamoDbClient ddb, String name, StreamViewType viewType) {
        ddb.updateTable(
                b ->
                        b.tableName(name)
                                .streamSpecification(
                                        StreamSpecification.builder()
                                                .streamEnabled(true)
                                                .streamViewType(viewType)
                                                .build()));
        awaitActive(ddb, name);
        String arn = ddb.describeTable(b -> b.tableName(name)).table().latestStreamArn();
        if (arn == null) {
            throw new IllegalStateException("table " + name + " has no stream after UpdateTable");
        }
        return arn;
    }

    /** Creates the aggregate table, key {@code listId} (S). */
    public static void createAggregateTable(DynamoDbClient ddb, String name) {
        try {
            ddb.createTable(
                    b ->
                            b.tableName(name)
                                    .attributeDefinitions(attr("listId"))
                                    .keySchema(
                                            KeySchemaElement.builder()
                                                    .attributeName("listId")
                                                    .keyType(KeyType.HASH)
                                                    .build())
                                    .billingMode(BillingMode.PAY_PER_REQUEST));
        } catch (ResourceInUseException exists) {
            // already there
        }
        awaitActive(ddb, name);
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(ScalarAttributeType.S)
                .build();
    }

    private static void awaitActive(DynamoDbClient ddb, String name) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (ddb.describeTable(b -> b.tableName(name)).table().tableStatus()
                != TableStatus.ACTIVE) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("table " + name + " not ACTIVE after 30 s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    public static List<Map<String, AttributeValue>> scan(DynamoDbClient ddb, String table) {
        List<Map<String, AttributeValue>> items = new java.util.ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            ScanRequest.Builder req = ScanRequest.builder().tableName(table).consistentRead(true);
            if (start != null) {
                req.exclusiveStartKey(start);
            }
            ScanResponse r = ddb.scan(req.build());
            for (Map<String, AttributeValue> item : r.items()) {
                AttributeValue list = item.get("listId");
                if (list == null
                        || !CaughtUp.isStatus(list.s())) { // the job's status row is no list
                    items.add(item);
                }
            }
            start =
                    r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty()
                            ? r.lastEvaluatedKey()
                            : null;
        } while (start != null);
        return items;
    }

    /** Ground truth: number of items per list, from a scan of the source table. */
    public static Map<String, Long> countsByList(DynamoDbClient ddb, String table) {
        return countsByList(scan(ddb, table));
    }

    /** Ground truth: number of items per list, from a scan's items. */
    public static Map<String, Long> countsByList(List<Map<String, AttributeValue>> scanned) {
        Map<String, Long> counts = new TreeMap<>();
        for (Map<String, AttributeValue> item : scanned) {
            counts.merge(item.get("listId").s(), 1L, Long::sum);
        }
        return counts;
    }

    /** Ground truth: every item as plain JSON, by its document id. */
    public static Map<String, JsonNode> itemsById(DynamoDbClient ddb, String table) {
        return itemsById(scan(ddb, table));
    }

    /** Ground truth: every item of a scan as plain JSON, by its document id. */
    public static Map<String, JsonNode> itemsById(List<Map<String, AttributeValue>> scanned) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (Map<String, AttributeValue> item : scanned) {
            out.put(ItemKeys.itemKey(item.get("listId").s(), item.get("taskId").s()), plain(item));
        }
        return out;
    }

    /** The aggregate table: taskCount per list. */
    public static Map<String, Long> aggregateCounts(DynamoDbClient ddb, String table) {
        Map<String, Long> out = new TreeMap<>();
        for (Map<String, AttributeValue> item : scan(ddb, table)) {
            out.put(item.get("listId").s(), Long.parseLong(item.get("taskCount").n()));
        }
        return out;
    }

    /**
     * SDK attribute values to plain JSON, written here on purpose instead of reusing the job's
     * converter.
     */
    public static ObjectNode plain(Map<String, AttributeValue> item) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        new HashMap<>(item).forEach((k, v) -> o.set(k, plain(v)));
        return o;
    }

    private static JsonNode plain(AttributeValue v) {
        JsonNodeFactory f = new JsonNodeFactory(true);
        switch (v.type()) {
            case S:
                return f.textNode(v.s());
            case N:
                return f.numberNode(new BigDecimal(v.n()));
            case B:
                return f.textNode(Base64.getEncoder().encodeToString(v.b().asByteArray()));
            case BOOL:
                return f.booleanNode(v.bool());
            case NUL:
                return f.nullNode();
            case M:
                return plain(v.m());
            case L:
                {
                    ArrayNode a = f.arrayNode();
                    v.l().forEach(e -> a.add(plain(e)));
                    return a;
                }
            case SS:
                {
                    ArrayNode a = f.arrayNode();
                    v.ss().forEach(a::add);
                    return a;
                }
            case NS:
                {
                    ArrayNode a = f.arrayNode();
                    v.ns().forEach(n -> a.add(new BigDecimal(n)));
                    return a;
                }
            case BS:
                {
                    ArrayNode a = f.arrayNode();
                    v.bs().forEach(b -> a.add(Base64.getEncoder().encodeToString(b.asByteArray())));
                    return a;
                }
            default:
                throw new IllegalArgumentException("unknown attribute type " + v.type());
        }
    }

    /** Writes task {@code task} of list {@code list} with a title (a whole new item). */
    public static void putTask(
            DynamoDbClient ddb, String table, String list, String task, String title) {
        ddb.putItem(
                b ->
                        b.tableName(table)
                                .item(
                                        Map.of(
                                                "listId",
                                                AttributeValue.fromS(list),
                                                "taskId",
                                                AttributeValue.fromS(task),
                                                "title",
                                                AttributeValue.fromS(title))));
    }

    /** Deletes task {@code task} of list {@code list}. */
    public static void deleteTask(DynamoDbClient ddb, String table, String list, String task) {
        ddb.deleteItem(
                b ->
                        b.tableName(table)
                                .key(
                                        Map.of(
                                                "listId",
                                                AttributeValue.fromS(list),
                                                "taskId",
                                                AttributeValue.fromS(task))));
    }

    /** The item document id of a task, URL-encoded for a document's path. */
    public static String encodedItemId(String list, String task) {
        return java.net.URLEncoder.encode(
                ItemKeys.itemKey(list, task), java.nio.charset.StandardCharsets.UTF_8);
    }
}

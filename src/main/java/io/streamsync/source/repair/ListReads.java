package io.streamsync.source.repair;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.RepairPayload;
import io.streamsync.source.scan.ScannedItemReader;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Reads one list for a repair: its items by a strongly consistent Query of the source table, each
 * read as the job reads it ({@link ScannedItemReader}: the bootstrap scan's change record, the size
 * rule of {@code source.max.record.bytes}, the job's own parser and event filter; so the item key
 * and the image are the job's, and an item the filter leaves out or the job makes a dead letter is
 * not in the list, the latter counted in {@code repairItemsUnreadable}), then its documents in the
 * item index. The read time r is the time the Query started, less the read margin: every change
 * created up to r was committed before the Query, so the strongly consistent read shows it.
 */
final class ListReads {
    private static final Logger LOG = LoggerFactory.getLogger(ListReads.class);

    private final RepairSettings settings;
    private final DynamoDbClient ddb;
    private final ListDocuments.Reader documents;
    private final LongSupplier clock;
    private final ScannedItemReader items;
    private final Counter itemsUnreadable;
    private String keyType;

    ListReads(
            RepairSettings settings,
            DynamoDbClient ddb,
            ListDocuments.Reader documents,
            LongSupplier clock) {
        this(settings, ddb, documents, clock, new SimpleCounter());
    }

    /**
     * @param itemsUnreadable counts the items the job makes dead letters (left out of the list)
     */
    ListReads(
            RepairSettings settings,
            DynamoDbClient ddb,
            ListDocuments.Reader documents,
            LongSupplier clock,
            Counter itemsUnreadable) {
        this.settings = settings;
        this.ddb = ddb;
        this.documents = documents;
        this.clock = clock;
        this.itemsUnreadable = itemsUnreadable;
        this.items =
                new ScannedItemReader(
                        settings.keySchema,
                        settings.tableName,
                        settings.maxRecordBytes,
                        settings.filter);
    }

    /** The repair record of {@code listId} for request {@code requestId}. */
    ChangeEvent read(String requestId, String listId) throws Exception {
        long readTime = clock.getAsLong() - settings.readMarginMs;
        RepairPayload p = new RepairPayload();
        Map<String, String> names = new LinkedHashMap<>();
        names.put("#pk", settings.keySchema.partitionKey());
        AttributeValue key = key(listId);
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page =
                    ddb.query(
                            QueryRequest.builder()
                                    .tableName(settings.tableName)
                                    .keyConditionExpression("#pk = :v")
                                    .expressionAttributeNames(names)
                                    .expressionAttributeValues(Map.of(":v", key))
                                    .consistentRead(true)
                                    .exclusiveStartKey(start)
                                    .build());
            for (Map<String, AttributeValue> item : page.items()) {
                add(item, listId, p);
            }
            start = page.hasLastEvaluatedKey() ? page.lastEvaluatedKey() : null;
        } while (start != null && !start.isEmpty());
        p.documents.putAll(documents.versions(listId));
        return p.toRecord(requestId, listId, readTime);
    }

    private void add(Map<String, AttributeValue> item, String listId, RepairPayload p) {
        switch (items.read(item)) {
            case UNREADABLE:
                itemsUnreadable.inc();
                LOG.warn(
                        "repair: an item of list {} the job makes a dead letter, left out: {}",
                        listId,
                        items.reason());
                return; // a dead letter in the job: in no output
            case FILTERED_OUT:
                return;
            default:
                ChangeEvent e = items.event();
                if (listId.equals(e.partitionKey)) {
                    p.items.put(e.itemKey, e.newImageJson);
                }
        }
    }

    /** The list id as the table's partition-key attribute (its type from the table). */
    private AttributeValue key(String listId) {
        if (keyType == null) {
            keyType = "S";
            String pk = settings.keySchema.partitionKey();
            for (AttributeDefinition a :
                    ddb.describeTable(b -> b.tableName(settings.tableName))
                            .table()
                            .attributeDefinitions()) {
                if (a.attributeName().equals(pk)) {
                    keyType = a.attributeTypeAsString();
                }
            }
        }
        switch (keyType) {
            case "N":
                return AttributeValue.fromN(listId);
            case "B":
                return AttributeValue.fromB(
                        SdkBytes.fromByteArray(Base64.getDecoder().decode(listId)));
            default:
                return AttributeValue.fromS(listId);
        }
    }
}

package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.testing.Moto;
import io.streamsync.testing.TodoTables;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The test bed answers as DynamoDB does where moto 5.2.1 alone would not (src/test/moto/launch.py):
 * every integration test relies on these, so they are checked here, through the AWS SDK the job
 * uses.
 */
class MotoTestBedITCase {
    private static Moto moto;
    private static DynamoDbClient ddb;
    private static DynamoDbStreamsClient streams;
    private static String streamArn;

    @BeforeAll
    static void start() throws Exception {
        moto = Moto.start();
        ddb = moto.client();
        streams = moto.streamsClient();
        streamArn =
                TodoTables.createSourceTable(ddb, "bedTasks", StreamViewType.NEW_AND_OLD_IMAGES);
    }

    @AfterAll
    static void stop() throws Exception {
        ddb.close();
        streams.close();
        moto.close();
    }

    @Test
    void describeStreamPagesFromTheExclusiveStartShardId() {
        List<Shard> all =
                streams.describeStream(b -> b.streamArn(streamArn)).streamDescription().shards();
        assertThat(all).hasSize(1); // moto: one shard per table, never closed
        var after =
                streams.describeStream(
                                b ->
                                        b.streamArn(streamArn)
                                                .exclusiveStartShardId(all.get(0).shardId()))
                        .streamDescription();
        assertThat(after.shards()).as("no shard after the last one").isEmpty();
        assertThat(after.lastEvaluatedShardId()).isNull();
    }

    @Test
    void anUnknownShardIsResourceNotFound() {
        assertThatThrownBy(
                        () ->
                                streams.getShardIterator(
                                        b ->
                                                b.streamArn(streamArn)
                                                        .shardId(
                                                                "shardId-00000000000000000000-00000000")
                                                        .shardIteratorType(
                                                                ShardIteratorType.TRIM_HORIZON)))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("Shard does not exist");
    }

    @Test
    void creationTimesAreWholeSecondsAsOnDynamoDbStreams() {
        Instant before = Instant.now();
        for (int i = 0; i < 20; i++) {
            int n = i;
            ddb.putItem(
                    b ->
                            b.tableName("bedTasks")
                                    .item(
                                            Map.of(
                                                    "listId",
                                                    AttributeValue.fromS("l"),
                                                    "taskId",
                                                    AttributeValue.fromS("t" + n))));
        }
        Shard shard =
                streams.describeStream(b -> b.streamArn(streamArn))
                        .streamDescription()
                        .shards()
                        .get(0);
        String it =
                streams.getShardIterator(
                                b ->
                                        b.streamArn(streamArn)
                                                .shardId(shard.shardId())
                                                .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                        .shardIterator();
        List<Record> records = streams.getRecords(b -> b.shardIterator(it)).records();
        assertThat(records).hasSizeGreaterThanOrEqualTo(20);
        for (Record r : records) {
            Instant t = r.dynamodb().approximateCreationDateTime();
            assertThat(t.getNano()).as("rounded down to the second: %s", t).isZero();
            assertThat(t).isBetween(before.minusSeconds(1), Instant.now());
        }
    }

    @Test
    void scanCapacityGrowsWithTheSizeOfTheItemsRead() {
        TodoTables.createAggregateTable(ddb, "bedSizes");
        String big = "x".repeat(3000);
        for (int i = 0; i < 40; i++) {
            int n = i;
            ddb.putItem(
                    b ->
                            b.tableName("bedSizes")
                                    .item(
                                            Map.of(
                                                    "listId",
                                                    AttributeValue.fromS("l" + n),
                                                    "payload",
                                                    AttributeValue.fromS(big))));
        }
        ScanResponse eventual =
                ddb.scan(
                        b ->
                                b.tableName("bedSizes")
                                        .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
        ScanResponse strong =
                ddb.scan(
                        b ->
                                b.tableName("bedSizes")
                                        .consistentRead(true)
                                        .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
        ScanResponse small =
                ddb.scan(
                        b ->
                                b.tableName("bedSizes")
                                        .limit(2)
                                        .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
        assertThat(eventual.count()).isEqualTo(40);
        // 40 items of about 3,010 bytes: 118 KB, 30 units of 4 KB; half of that eventually
        // consistent
        assertThat(strong.consumedCapacity().capacityUnits()).isEqualTo(30.0);
        assertThat(eventual.consumedCapacity().capacityUnits()).isEqualTo(15.0);
        assertThat(small.consumedCapacity().capacityUnits()).isEqualTo(1.0);
    }
}

package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.config.ConfigException;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.Startup;
import io.streamsync.testing.ManagedProcess;
import io.streamsync.testing.Moto;
import io.streamsync.testing.TodoTables;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Start-up fails with the key to fix, against a real moto server, instead of a job in a restart
 * loop.
 */
class StartupChecksITCase {
    /** A port held bound without listening: nothing answers there, nothing else can bind it. */
    private static final ManagedProcess.NoListener NOWHERE = ManagedProcess.portNobodyListensOn();

    private static Moto dynamo;
    private static DynamoDbClient ddb;

    @BeforeAll
    static void start() throws Exception {
        dynamo = Moto.start();
        ddb = dynamo.client();
        TodoTables.createAggregateTable(ddb, "counts");
        TodoTables.createSourceTable(ddb, "keysOnly", StreamViewType.KEYS_ONLY);
        ddb.createTable(
                b ->
                        b.tableName("noStream")
                                .attributeDefinitions(
                                        a ->
                                                a.attributeName("listId")
                                                        .attributeType(ScalarAttributeType.S))
                                .keySchema(
                                        KeySchemaElement.builder()
                                                .attributeName("listId")
                                                .keyType(KeyType.HASH)
                                                .build())
                                .billingMode("PAY_PER_REQUEST"));
    }

    @AfterAll
    static void stop() throws Exception {
        ddb.close();
        dynamo.close();
    }

    private static Map<String, String> props(String... kv) {
        Map<String, String> p = new HashMap<>();
        p.put("aws.endpoint", dynamo.endpoint().toString());
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", "local");
        p.put("aws.credentials.secret.access.key", "local");
        p.put("sink.search.enabled", "false");
        p.put("sink.dynamodb.table", "counts");
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }

    /**
     * Every conditional PutItem would be refused with a ValidationException: found at start-up,
     * naming both.
     */
    @Test
    void anAggregateTableKeyedOtherwiseThanTheSinkIsRefusedNamingBothKeys() {
        ddb.createTable(
                b ->
                        b.tableName("countsById")
                                .attributeDefinitions(
                                        a ->
                                                a.attributeName("id")
                                                        .attributeType(ScalarAttributeType.S))
                                .keySchema(
                                        KeySchemaElement.builder()
                                                .attributeName("id")
                                                .keyType(KeyType.HASH)
                                                .build())
                                .billingMode("PAY_PER_REQUEST"));
        assertThatThrownBy(
                        () ->
                                Startup.prepare(
                                        JobConfig.from(props("sink.dynamodb.table", "countsById"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("countsById")
                .hasMessageContaining("'listId'")
                .hasMessageContaining("id HASH");
    }

    @Test
    void aMissingAggregateTableIsNamedWithItsKey() {
        assertThatThrownBy(
                        () -> Startup.prepare(JobConfig.from(props("sink.dynamodb.table", "nope"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "aggregate table 'nope' (config key 'sink.dynamodb.table') does not exist");
    }

    @Test
    void aTableWithoutStreamIsNamedWithItsKey() {
        assertThatThrownBy(
                        () ->
                                Startup.prepare(
                                        JobConfig.from(props("source.table.name", "noStream"))))
                .hasMessageContaining(
                        "table 'noStream' (config key 'source.table.name') has no DynamoDB stream enabled");
        assertThatThrownBy(
                        () ->
                                Startup.prepare(
                                        JobConfig.from(props("source.table.name", "missing"))))
                .hasMessageContaining(
                        "table 'missing' (config key 'source.table.name') does not exist");
    }

    @Test
    void itemDocumentsNeedAStreamThatCarriesNewImages() {
        Map<String, String> p =
                props(
                        "source.table.name",
                        "keysOnly",
                        "sink.search.enabled",
                        "true",
                        "sink.search.hosts",
                        NOWHERE.url());
        // the source is checked before anything is created in the search cluster (here: none is
        // reachable)
        assertThatThrownBy(() -> Startup.prepare(JobConfig.from(p)))
                .hasMessageContaining("'sink.search.item.index' asks for item documents")
                .hasMessageContaining("view type KEYS_ONLY");
        // counts only: the source is fine, and then the unreachable search cluster is reported,
        // with its key
        p.put("sink.search.item.index", "");
        assertThatThrownBy(() -> Startup.prepare(JobConfig.from(p)))
                .hasMessageContaining("cannot reach the search cluster")
                .hasMessageContaining("'sink.search.hosts'");
    }

    @Test
    void aConfiguredStreamArnIsCheckedLikeALookedUpOne() {
        String arn = ddb.describeTable(b -> b.tableName("keysOnly")).table().latestStreamArn();
        Map<String, String> p =
                props(
                        "source.stream.arn",
                        arn,
                        "sink.search.enabled",
                        "true",
                        "sink.search.hosts",
                        NOWHERE.url());
        assertThatThrownBy(() -> Startup.prepare(JobConfig.from(p)))
                .hasMessageContaining("'sink.search.item.index' asks for item documents")
                .hasMessageContaining(
                        "the stream "
                                + arn
                                + " (config key 'source.stream.arn') has view type KEYS_ONLY");
        String missing = arn.replace("keysOnly", "gone");
        assertThatThrownBy(
                        () -> Startup.prepare(JobConfig.from(props("source.stream.arn", missing))))
                .hasMessageContaining(
                        "the stream "
                                + missing
                                + " (config key 'source.stream.arn') does not exist");
    }

    @Test
    void aKeySchemaThatIsNotTheTablesIsRefusedNamingBoth() {
        assertThatThrownBy(
                        () ->
                                Startup.prepare(
                                        JobConfig.from(
                                                props(
                                                        "source.table.name",
                                                        "keysOnly",
                                                        "table.partition.key",
                                                        "list_id"))))
                .hasMessageContaining(
                        "table 'keysOnly' has partition key 'listId' and sort key 'taskId', but the configuration says "
                                + "'list_id' (config key 'table.partition.key') and 'taskId' (config key 'table.sort.key')");
        assertThatThrownBy(
                        () ->
                                Startup.prepare(
                                        JobConfig.from(
                                                props(
                                                        "source.table.name",
                                                        "keysOnly",
                                                        "table.sort.key",
                                                        "none"))))
                .hasMessageContaining(
                        "but the configuration says 'listId' (config key 'table.partition.key') and no sort key");
    }

    @Test
    void anUnreachableDynamoDbIsReportedWithTheEndpointAndItsKey() {
        String nowhere = NOWHERE.url();
        assertThatThrownBy(() -> Startup.prepare(JobConfig.from(props("aws.endpoint", nowhere))))
                .hasMessageContaining(
                        "cannot reach DynamoDB at " + nowhere + " (config key 'aws.endpoint')");
    }
}

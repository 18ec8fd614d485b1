package io.streamsync.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ItemKeys;
import io.streamsync.config.JobConfig;
import io.streamsync.filter.EventFilter;
import io.streamsync.sink.commit.CaughtUp;
import io.streamsync.sink.search.SearchResponse;
import io.streamsync.sink.search.SearchTransport;
import io.streamsync.source.scan.ScannedItemReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * The reconciliation report: reads the outputs, then the source table (a parallel Scan), compares
 * them list by list, and looks again at the lists that differ to tell drift from lag ({@link
 * DriftRule}). Read-only: it writes nothing but its report.
 */
public final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    private static final String SCROLL = "2m";

    /** Sleeps between the looks (tests and the job use the real clock). */
    interface Sleeper {
        void sleepUntil(long epochMs) throws InterruptedException;
    }

    private final JobConfig config;
    private final ReconcileSettings settings;
    private final DynamoDbClient ddb;
    private final SearchTransport search; // null: no search outputs
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private final ReadBudget budget;
    private final EventFilter filter; // null: every record counts

    /** One per thread: its parser keeps state while it reads a record. */
    private final ThreadLocal<ScannedItemReader> readers;

    private final AtomicLong unreadableLogged = new AtomicLong();
    private final AtomicLong itemsScanned = new AtomicLong();
    private final AtomicLong itemsUnreadable = new AtomicLong();
    private final AtomicLong itemsFilteredOut = new AtomicLong();

    public Reconciler(
            JobConfig config,
            ReconcileSettings settings,
            DynamoDbClient ddb,
            SearchTransport search,
            LongSupplier clock,
            Sleeper sleeper) {
        this.config = config;
        this.filter = EventFilter.fromConfig(config);
        this.settings = settings;
        this.ddb = ddb;
        this.search = search;
        this.clock = clock;
        this.sleeper = sleeper;
        this.budget = new ReadBudget(settings.readUnitsPerSecond);
        this.readers =
                ThreadLocal.withInitial(
                        () ->
                                new ScannedItemReader(
                                        config.keySchema,
                                        config.sourceTableName,
                                        config.maxRecordBytes,
                                        filter));
    }

    /** With the system clock and {@link Thread#sleep}. */
    public static Reconciler withSystemClock(
            JobConfig config, ReconcileSettings settings, DynamoDbClient ddb, SearchTransport s) {
        return new Reconciler(
                config,
                settings,
                ddb,
                s,
                System::currentTimeMillis,
                until -> {
                    long now;
                    while ((now = System.currentTimeMillis()) < until) {
                        Thread.sleep(Math.min(until - now, 1000)); // the settle time of the rule
                    }
                });
    }

    private boolean rowsOn() {
        return config.aggregateTable != null && !config.aggregateTable.isEmpty();
    }

    private boolean documentsOn() {
        return search != null && config.aggregateIndex != null && !config.aggregateIndex.isEmpty();
    }

    private boolean itemsOn() {
        return search != null && config.itemIndex != null && !config.itemIndex.isEmpty();
    }

    public ReconcileReport run() throws Exception {
        long started = clock.getAsLong();
        // first look: the outputs (o1), then the table (r1)
        Outputs o1 = readOutputs();
        long outputsRead = clock.getAsLong();
        Map<String, ListTruth> t1 = scanTable();
        long tableRead = clock.getAsLong();
        Map<String, ListDifference> first = Comparison.compare(t1, o1);
        int checked = Comparison.listsChecked(t1, o1);
        LOG.info(
                "reconcile: first look: {} lists, {} items scanned, {} lists differ (outputs read in {} ms, table in {} ms)",
                checked,
                itemsScanned.get(),
                first.size(),
                outputsRead - started,
                tableRead - outputsRead);
        List<ReconcileReport.ListResult> results = new ArrayList<>();
        long secondLook = tableRead;
        if (!first.isEmpty()) {
            // the differing lists' outputs once more, read in real time (GetItem, _mget): the bulk
            // read of the indices went through search, which shows a document only after a
            // refresh, so a version read there can be older than the one a real-time read gives a
            // moment later; "an output moved" compares real-time reads only
            Map<String, Outputs> baseline = new java.util.HashMap<>();
            for (ListDifference d : first.values()) {
                baseline.put(d.listId, readOutputsOf(d));
            }
            long at = tableRead + settings.settle.toMillis();
            LOG.info("reconcile: second look of {} lists in {} ms", first.size(), at - tableRead);
            sleeper.sleepUntil(at);
            secondLook = clock.getAsLong();
            String keyType = partitionKeyType();
            for (ListDifference d : first.values()) {
                long o2At = clock.getAsLong();
                Outputs o2 = readOutputsOf(d);
                ListTruth t2 = queryList(d.listId, keyType);
                DriftRule.Judgement j =
                        DriftRule.judge(
                                d,
                                baseline.get(d.listId),
                                t1.get(d.listId),
                                tableRead,
                                o2,
                                o2At,
                                t2,
                                settings.settle.toMillis());
                results.add(new ReconcileReport.ListResult(j.verdict, j.reason, d, j.difference));
            }
        }
        return new ReconcileReport(
                checked,
                results,
                itemsScanned.get(),
                itemsUnreadable.get(),
                itemsFilteredOut.get(),
                budget.consumed(),
                started,
                tableRead,
                secondLook,
                clock.getAsLong(),
                settings.settle.toMillis());
    }

    // ---- the outputs

    Outputs readOutputs() throws Exception {
        Outputs o = Outputs.empty(rowsOn(), documentsOn(), itemsOn());
        if (rowsOn()) {
            Map<String, AttributeValue> start = null;
            do {
                budget.awaitTurn();
                ScanResponse page =
                        ddb.scan(
                                ScanRequest.builder()
                                        .tableName(config.aggregateTable)
                                        .consistentRead(true)
                                        .exclusiveStartKey(start)
                                        .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                                        .build());
                budget.consumed(units(page.consumedCapacity()));
                for (Map<String, AttributeValue> item : page.items()) {
                    AttributeValue key = item.get(config.aggregateTableKey);
                    if (key != null && key.s() != null && !CaughtUp.isStatus(key.s())) {
                        o.rows.put(key.s(), row(item)); // the job's status row is no list
                    }
                }
                start = page.hasLastEvaluatedKey() ? page.lastEvaluatedKey() : null;
            } while (start != null && !start.isEmpty());
        }
        String listField = config.keySchema.partitionKey();
        if (documentsOn()) {
            scroll(
                    config.aggregateIndex,
                    hit -> {
                        JsonNode src = hit.path("_source");
                        String list = keyText(src.path(listField));
                        if (list != null) {
                            o.documents.put(
                                    list,
                                    new Outputs.Aggregate(
                                            src.path("taskCount").asLong(),
                                            hit.path("_version").asLong()));
                        }
                    });
        }
        if (itemsOn()) {
            scroll(
                    config.itemIndex,
                    hit -> {
                        JsonNode src = hit.path("_source");
                        o.items.put(
                                hit.path("_id").asText(),
                                new Outputs.ItemDocument(
                                        keyText(src.path(listField)),
                                        ImageDigest.of(src),
                                        hit.path("_version").asLong()));
                    });
        }
        return o;
    }

    /** The second look at one list's outputs: its row, its document, its differing items. */
    Outputs readOutputsOf(ListDifference d) throws Exception {
        Outputs o = Outputs.empty(rowsOn(), documentsOn(), itemsOn());
        if (rowsOn()) {
            budget.awaitTurn();
            GetItemResponse r =
                    ddb.getItem(
                            b ->
                                    b.tableName(config.aggregateTable)
                                            .key(
                                                    Map.of(
                                                            config.aggregateTableKey,
                                                            AttributeValue.fromS(d.listId)))
                                            .consistentRead(true)
                                            .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
            budget.consumed(units(r.consumedCapacity()));
            if (r.hasItem() && !r.item().isEmpty()) {
                o.rows.put(d.listId, row(r.item()));
            }
        }
        if (documentsOn()) {
            JsonNode doc =
                    getDocuments(config.aggregateIndex, List.of(ItemKeys.itemKey(d.listId, null)))
                            .get(ItemKeys.itemKey(d.listId, null));
            if (doc != null) {
                o.documents.put(
                        d.listId,
                        new Outputs.Aggregate(
                                doc.path("_source").path("taskCount").asLong(),
                                doc.path("_version").asLong()));
            }
        }
        if (itemsOn() && !d.items().isEmpty()) {
            String listField = config.keySchema.partitionKey();
            getDocuments(config.itemIndex, d.items())
                    .forEach(
                            (id, doc) ->
                                    o.items.put(
                                            id,
                                            new Outputs.ItemDocument(
                                                    keyText(doc.path("_source").path(listField)),
                                                    ImageDigest.of(doc.path("_source")),
                                                    doc.path("_version").asLong())));
        }
        return o;
    }

    private static Outputs.Aggregate row(Map<String, AttributeValue> item) {
        return new Outputs.Aggregate(number(item.get("taskCount")), number(item.get("version")));
    }

    private static long number(AttributeValue v) {
        if (v == null || v.n() == null) {
            return -1; // a row written by hand without the attribute: differs from any count
        }
        try {
            return new BigDecimal(v.n()).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            return -1;
        }
    }

    /** A key attribute in a document, as the job renders it into a list id. */
    static String keyText(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            BigDecimal d = n.decimalValue().stripTrailingZeros();
            return d.signum() == 0 ? "0" : d.toPlainString();
        }
        return n.asText();
    }

    private interface HitConsumer {
        void accept(JsonNode hit);
    }

    private void scroll(String index, HitConsumer each) throws IOException {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("size", 1000);
        body.put("version", true);
        body.putArray("sort").add("_doc");
        SearchResponse r =
                search.call(
                        "POST",
                        "/" + pathSegment(index) + "/_search?scroll=" + SCROLL,
                        body.toString());
        if (r.status == 404) {
            return; // no index: every document is missing
        }
        check(r, index);
        String scrollId = null;
        try {
            while (true) {
                JsonNode answer = ImageDigest.MAPPER.readTree(r.body);
                scrollId = answer.path("_scroll_id").asText(null);
                JsonNode hits = answer.path("hits").path("hits");
                if (hits.size() == 0) {
                    return;
                }
                hits.forEach(each::accept);
                ObjectNode next = JsonNodeFactory.instance.objectNode();
                next.put("scroll", SCROLL);
                next.put("scroll_id", scrollId);
                r = search.call("POST", "/_search/scroll", next.toString());
                check(r, index);
            }
        } finally {
            if (scrollId != null) {
                ObjectNode clear = JsonNodeFactory.instance.objectNode();
                clear.putArray("scroll_id").add(scrollId);
                search.call("DELETE", "/_search/scroll", clear.toString());
            }
        }
    }

    /**
     * The found documents among {@code ids}, by id (each with {@code _version} and {@code
     * _source}).
     */
    private Map<String, JsonNode> getDocuments(String index, List<String> ids) throws IOException {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ids.forEach(body.putArray("ids")::add);
        SearchResponse r =
                search.call("POST", "/" + pathSegment(index) + "/_mget", body.toString());
        Map<String, JsonNode> found = new HashMap<>();
        if (r.status == 404) {
            return found;
        }
        check(r, index);
        for (JsonNode doc : ImageDigest.MAPPER.readTree(r.body).path("docs")) {
            if (doc.path("found").asBoolean(false)) {
                found.put(doc.path("_id").asText(), doc);
            }
        }
        return found;
    }

    private static void check(SearchResponse r, String index) throws IOException {
        if (!r.ok()) {
            throw new IOException("reading index '" + index + "': " + r);
        }
    }

    private static String pathSegment(String index) {
        return java.net.URLEncoder.encode(index, StandardCharsets.UTF_8);
    }

    // ---- the table

    Map<String, ListTruth> scanTable() throws Exception {
        Map<String, ListTruth> lists = new ConcurrentHashMap<>();
        int segments = settings.segments;
        ExecutorService pool = Executors.newFixedThreadPool(segments);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int s = 0; s < segments; s++) {
                int segment = s;
                done.add(pool.submit(() -> scanSegment(segment, segments, lists)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return lists;
    }

    private Void scanSegment(int segment, int segments, Map<String, ListTruth> lists)
            throws Exception {
        Map<String, AttributeValue> start = null;
        do {
            budget.awaitTurn();
            ScanResponse page =
                    ddb.scan(
                            ScanRequest.builder()
                                    .tableName(config.sourceTableName)
                                    .segment(segment)
                                    .totalSegments(segments)
                                    .exclusiveStartKey(start)
                                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                                    .build());
            long readAt = clock.getAsLong();
            budget.consumed(units(page.consumedCapacity()));
            for (Map<String, AttributeValue> item : page.items()) {
                add(item, readAt, lists, true);
            }
            start = page.hasLastEvaluatedKey() ? page.lastEvaluatedKey() : null;
        } while (start != null && !start.isEmpty());
        return null;
    }

    /**
     * Reads one table item as the job's bootstrap does ({@link ScannedItemReader}: the size rule,
     * parser and filter).
     */
    private void add(
            Map<String, AttributeValue> item,
            long readAt,
            Map<String, ListTruth> lists,
            boolean firstLook) {
        if (firstLook) {
            itemsScanned.incrementAndGet();
        }
        ScannedItemReader reader = readers.get();
        switch (reader.read(item)) {
            case UNREADABLE:
                if (unreadableLogged.getAndIncrement() < 5) {
                    LOG.warn(
                            "reconcile: a table item the job cannot read (a dead letter there): {}",
                            reader.reason());
                }
                if (firstLook) {
                    itemsUnreadable.incrementAndGet();
                } // the job makes it a dead letter: not in the outputs
                return;
            case FILTERED_OUT:
                if (firstLook) {
                    itemsFilteredOut.incrementAndGet();
                }
                return;
            default:
                ChangeEvent e = reader.event();
                ListTruth list = lists.computeIfAbsent(e.partitionKey, k -> new ListTruth());
                synchronized (list) {
                    list.add(e.itemKey, ImageDigest.of(e.newImageJson), readAt);
                }
        }
    }

    /** Items of the first look the job makes dead letters (so far). */
    long itemsUnreadable() {
        return itemsUnreadable.get();
    }

    private String partitionKeyType() {
        String pk = config.keySchema.partitionKey();
        for (AttributeDefinition a :
                ddb.describeTable(b -> b.tableName(config.sourceTableName))
                        .table()
                        .attributeDefinitions()) {
            if (a.attributeName().equals(pk)) {
                return a.attributeTypeAsString();
            }
        }
        return "S";
    }

    /** The list's items now, by a strongly consistent Query. */
    ListTruth queryList(String listId, String keyType) throws Exception {
        AttributeValue key =
                "N".equals(keyType)
                        ? AttributeValue.fromN(listId)
                        : "B".equals(keyType)
                                ? AttributeValue.fromB(
                                        software.amazon.awssdk.core.SdkBytes.fromByteArray(
                                                java.util.Base64.getDecoder().decode(listId)))
                                : AttributeValue.fromS(listId);
        Map<String, ListTruth> lists = new HashMap<>();
        Map<String, AttributeValue> start = null;
        Map<String, String> names = new LinkedHashMap<>();
        names.put("#pk", config.keySchema.partitionKey());
        do {
            budget.awaitTurn();
            QueryResponse page =
                    ddb.query(
                            QueryRequest.builder()
                                    .tableName(config.sourceTableName)
                                    .keyConditionExpression("#pk = :v")
                                    .expressionAttributeNames(names)
                                    .expressionAttributeValues(Map.of(":v", key))
                                    .consistentRead(true)
                                    .exclusiveStartKey(start)
                                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                                    .build());
            long readAt = clock.getAsLong();
            budget.consumed(units(page.consumedCapacity()));
            for (Map<String, AttributeValue> item : page.items()) {
                add(item, readAt, lists, false);
            }
            start = page.hasLastEvaluatedKey() ? page.lastEvaluatedKey() : null;
        } while (start != null && !start.isEmpty());
        return lists.get(listId);
    }

    private static Double units(software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity c) {
        return c == null ? null : c.capacityUnits();
    }
}

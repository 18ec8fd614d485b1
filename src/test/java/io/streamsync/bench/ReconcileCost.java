package io.streamsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.GarbageCollectionNotificationInfo;
import io.streamsync.config.JobConfig;
import io.streamsync.reconcile.ReconcileJob;
import io.streamsync.testing.LocalServices;
import io.streamsync.testing.Poll;
import io.streamsync.testing.TestJobs;
import io.streamsync.testing.TodoTables;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.apache.flink.core.execution.JobClient;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The reconciliation report's cost on a table of {@code items} tasks over {@code lists} lists (moto
 * and Elasticsearch 7.10.2): time, DynamoDB read units and heap, next to a bare parallel Scan of
 * the same table in the same run (the same segments and threads as the report's scan, the items
 * only counted). The outputs are the job's own: the table is loaded with parallel BatchWriteItem
 * writers, the job reads its stream until every output holds every list and item, and is cancelled;
 * the report then runs on quiet outputs (it must find no difference, so it reads everything once
 * and never looks a second time), as its bounded Flink job ({@link ReconcileJob#run}, the same path
 * as {@code reconcile.mode=report}).
 *
 * <p>Read units, two ways. As reported: the tests' moto launcher ({@code src/test/moto/launch.py})
 * answers a Scan's {@code ReturnConsumedCapacity} from the size of the page's items (4 KB units, at
 * least 1 a page, half when eventually consistent), as DynamoDB charges it; Query and GetItem keep
 * moto's constants (1.0 and 0.5 a call). Computed: the units of reading the whole table once, from
 * the items' sizes by DynamoDB's rules ({@link ItemSize}: attribute names' and values' bytes,
 * numbers 1 byte per two significant digits plus 1, lists and maps 3 bytes plus 1 per element),
 * rounded up to 4 KB over the whole table, so without the per-page rounding the reported figure
 * has.
 */
public final class ReconcileCost {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SEGMENTS = 8;

    private ReconcileCost() {}

    static void run(
            List<String> md, ResultsHeader h, int items, int lists, int repeats, int writers)
            throws Exception {
        md.add("## Reconciliation report: cost on " + String.format("%,d", items) + " items");
        md.add("");
        try (LocalServices services = LocalServices.start(0, 0);
                DynamoDbClient ddb = services.dynamoDb.client()) {
            h.moto(services.dynamoDb.endpoint());
            h.search(services.search.uri());
            Path work = Files.createTempDirectory("reconcile-bench");
            Map<String, String> props =
                    services.testJobProperties("reconcileBench", work.resolve("dead-letters"));
            // fewer publications while the job reads the load: every list changes all along
            props.put("checkpoint.interval.ms", "15000");
            // the sinks' pending state of a checkpoint exceeds what the JobManager keeps in memory
            // (5 MB) at this scale
            props.put("checkpoint.dir", work.resolve("checkpoints").toUri().toString());
            props.put("aggregate.window.ms", "10000");
            props.put("job.parallelism", "2");
            String source = props.get("source.table.name");
            String counts = props.get("sink.dynamodb.table");
            TodoTables.createSourceTable(ddb, source, StreamViewType.NEW_AND_OLD_IMAGES);
            TodoTables.createAggregateTable(ddb, counts);

            long t0 = System.nanoTime();
            long sourceBytes = load(services, source, items, lists, writers);
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    "loaded %,d items (%,d bytes by DynamoDB's rules) in %.1f s%n",
                    items, sourceBytes, loadSeconds);

            long t1 = System.nanoTime();
            JobClient job = TestJobs.start(props, 0, null, "reconcile-bench-fill");
            try {
                awaitOutputs(services, props, items, lists);
            } finally {
                job.cancel().get(2, TimeUnit.MINUTES);
            }
            double fillSeconds = (System.nanoTime() - t1) / 1e9;
            System.out.printf("the job filled the outputs in %.1f s%n", fillSeconds);
            long aggregateBytes = tableBytes(ddb, counts);

            Map<String, String> report = new HashMap<>(props);
            report.put("reconcile.mode", "report");
            report.put("reconcile.scan.segments", Integer.toString(SEGMENTS));
            report.put("reconcile.read.units.per.second", "0");
            report.put("job.parallelism", "1");
            report.put("restart.attempts", "0");

            double[] bareSeconds = new double[repeats];
            double[] bareMotoUnits = new double[repeats];
            double[] barePeak = new double[repeats];
            double[] bareAfterGc = new double[repeats];
            double[] reportSeconds = new double[repeats];
            double[] reportOwnSeconds = new double[repeats];
            double[] reportMotoUnits = new double[repeats];
            double[] reportPeak = new double[repeats];
            double[] reportAfterGc = new double[repeats];
            bareScan(ddb, source, items); // warm-up
            for (int i = 0; i < repeats; i++) {
                try (HeapWatch w = HeapWatch.start()) {
                    long s = System.nanoTime();
                    bareMotoUnits[i] = bareScan(ddb, source, items);
                    bareSeconds[i] = (System.nanoTime() - s) / 1e9;
                    barePeak[i] = w.peakAboveBaselineMb();
                    bareAfterGc[i] = w.largestAfterGcAboveBaselineMb();
                }
                Path out = work.resolve("report-" + i + ".jsonl");
                report.put("reconcile.output.path", out.toString());
                JsonNode summary;
                try (HeapWatch w = HeapWatch.start()) {
                    long s = System.nanoTime();
                    ReconcileJob.run(JobConfig.from(report));
                    reportSeconds[i] = (System.nanoTime() - s) / 1e9;
                    reportPeak[i] = w.peakAboveBaselineMb();
                    reportAfterGc[i] = w.largestAfterGcAboveBaselineMb();
                }
                List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
                summary = JSON.readTree(lines.get(lines.size() - 1));
                if (lines.size() != 1
                        || summary.path("listsChecked").asLong() != lists
                        || summary.path("itemsScanned").asLong() != items
                        || summary.path("itemsUnreadable").asLong() != 0) {
                    throw new IllegalStateException(
                            "the report on quiet, exact outputs must check every list and find no difference: "
                                    + lines);
                }
                reportOwnSeconds[i] =
                        Duration.between(
                                                Instant.parse(summary.path("startedAt").asText()),
                                                Instant.parse(summary.path("finishedAt").asText()))
                                        .toMillis()
                                / 1e3;
                reportMotoUnits[i] = summary.path("readUnits").asDouble();
                System.out.printf(
                        "repeat %d: bare scan %.1f s, report %.1f s (%.1f s its own)%n",
                        i, bareSeconds[i], reportSeconds[i], reportOwnSeconds[i]);
            }
            h.raw("reconcile, bare parallel Scan", "s", bareSeconds);
            h.raw("reconcile, bare parallel Scan, peak heap above baseline", "MB", barePeak);
            h.raw("reconcile, bare parallel Scan, largest heap after a GC", "MB", bareAfterGc);
            h.raw("reconcile, report (ReconcileJob.run)", "s", reportSeconds);
            h.raw(
                    "reconcile, report (its summary: startedAt to finishedAt)",
                    "s",
                    reportOwnSeconds);
            h.raw("reconcile, report, peak heap above baseline", "MB", reportPeak);
            h.raw("reconcile, report, largest heap after a GC", "MB", reportAfterGc);
            h.raw("reconcile, bare parallel Scan, units as reported", "units", bareMotoUnits);
            h.raw("reconcile, report, units as reported", "units", reportMotoUnits);

            double scanUnits = Math.ceil(sourceBytes / 4096.0) * 0.5;
            double aggregateUnits = Math.ceil(aggregateBytes / 4096.0);
            md.add(
                    String.format(
                            "A table of %,d tasks over %,d lists (%,d bytes by DynamoDB's item-size rules, %.0f bytes an"
                                    + " item on average); its outputs written by the job itself (aggregate table: %,d rows,"
                                    + " %,d bytes; aggregate index: %,d documents; item index: %,d documents), then quiet. %d"
                                    + " runs each, median (min-max). The bare Scan: %d threads over %d segments, eventually"
                                    + " consistent, counting the items. The report: `ReconcileJob.run` (a bounded Flink job in"
                                    + " this JVM, parallelism 1, `reconcile.scan.segments=%d`, no read budget): the aggregate"
                                    + " table (consistent Scan) and both indices (scroll), then the table (the same Scan as the"
                                    + " bare one, each item parsed as the job parses it), compared list by list; no list differs,"
                                    + " so no second look.",
                            items,
                            lists,
                            sourceBytes,
                            (double) sourceBytes / items,
                            lists,
                            aggregateBytes,
                            lists,
                            items,
                            repeats,
                            SEGMENTS,
                            SEGMENTS,
                            SEGMENTS));
            md.add("");
            md.add(
                    "| reader | time (s) | items/s | read units by DynamoDB's rules (computed over the whole table) | read units as reported (Scan pages by their items' sizes) | heap: peak above baseline (MB) | heap: largest after a GC, above baseline (MB) |");
            md.add("|---|---|---|---|---|---|---|");
            md.add(
                    String.format(
                            "| bare parallel Scan (baseline) | %s | %,.0f | %,.1f | %s | %s | %s |",
                            spread(bareSeconds, "%.1f"),
                            items / median(bareSeconds),
                            scanUnits,
                            spread(bareMotoUnits, "%.1f"),
                            spread(barePeak, "%.0f"),
                            spread(bareAfterGc, "%.0f")));
            md.add(
                    String.format(
                            "| reconciliation report, its own time (summary: startedAt to finishedAt) | %s | %,.0f | %,.1f | %s | | |",
                            spread(reportOwnSeconds, "%.1f"),
                            items / median(reportOwnSeconds),
                            scanUnits + aggregateUnits,
                            spread(reportMotoUnits, "%.1f")));
            md.add(
                    String.format(
                            "| reconciliation report as a bounded Flink job (`ReconcileJob.run`, start to end) | %s | %,.0f | | | %s | %s |",
                            spread(reportSeconds, "%.1f"),
                            items / median(reportSeconds),
                            spread(reportPeak, "%.0f"),
                            spread(reportAfterGc, "%.0f")));
            md.add("");
            md.add(
                    String.format(
                            "Report vs bare Scan (medians): time %.2fx (its own) and %.2fx (as a Flink job); read units"
                                    + " %.2fx (computed: the table's %,.1f units once, as the bare Scan, plus %,.1f for the"
                                    + " aggregate table read consistently; the indices' %,d documents are read from the search"
                                    + " cluster, not DynamoDB).",
                            median(reportOwnSeconds) / median(bareSeconds),
                            median(reportSeconds) / median(bareSeconds),
                            (scanUnits + aggregateUnits) / scanUnits,
                            scanUnits,
                            aggregateUnits,
                            items + lists));
            md.add("");
            md.add(
                    String.format(
                            "Set-up (not measured against anything): the table loaded in %.0f s (%d BatchWriteItem"
                                    + " writers, %,.0f items/s); the job filled the outputs from the stream in %.0f s.",
                            loadSeconds, writers, items / loadSeconds, fillSeconds));
            md.add("");
            md.add(
                    "Heap: used heap of this JVM, sampled every 10 ms, above its level after a full GC just before"
                            + " the run (the peak includes garbage not yet collected); and the largest heap left"
                            + " after any GC during the run, above the same baseline (closer to what the run holds;"
                            + " 0 when no GC ran). The report holds every output's versions and every item's digest"
                            + " until it compares them; the bare Scan holds nothing. The report's figure includes"
                            + " the Flink mini cluster it starts.");
            md.add("");
        }
    }

    /**
     * Loads {@code items} tasks over {@code lists} lists; returns their size by DynamoDB's rules.
     */
    private static long load(
            LocalServices services, String table, int items, int lists, int writers)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        AtomicLong bytes = new AtomicLong();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(
                        pool.submit(
                                () -> {
                                    try (DynamoDbClient ddb = services.dynamoDb.client()) {
                                        List<WriteRequest> batch = new ArrayList<>();
                                        for (int i = writer; i < items; i += writers) {
                                            Map<String, AttributeValue> item = item(i, lists);
                                            bytes.addAndGet(ItemSize.of(item));
                                            batch.add(
                                                    WriteRequest.builder()
                                                            .putRequest(p -> p.item(item))
                                                            .build());
                                            if (batch.size() == 25) {
                                                write(ddb, table, batch);
                                                batch.clear();
                                            }
                                        }
                                        if (!batch.isEmpty()) {
                                            write(ddb, table, batch);
                                        }
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return bytes.get();
    }

    private static void write(DynamoDbClient ddb, String table, List<WriteRequest> batch) {
        Map<String, List<WriteRequest>> pending = Map.of(table, new ArrayList<>(batch));
        while (!pending.isEmpty()) {
            Map<String, List<WriteRequest>> request = pending;
            pending = ddb.batchWriteItem(b -> b.requestItems(request)).unprocessedItems();
        }
    }

    /** Task {@code i}: in list {@code i mod lists}, about the size of the workload's tasks. */
    static Map<String, AttributeValue> item(int i, int lists) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("listId", AttributeValue.fromS(String.format("list-%05d", i % lists)));
        item.put("taskId", AttributeValue.fromS(String.format("task-%07d", i)));
        item.put("title", AttributeValue.fromS("Task " + i + " \u2713 #" + (i * 7919 % 1000)));
        item.put("done", AttributeValue.fromBool(i % 3 == 0));
        item.put("priority", AttributeValue.fromN(Integer.toString(i % 5)));
        item.put("estimateHours", AttributeValue.fromN((i % 40) + "." + (i % 10) + "0"));
        item.put(
                "bigNumber",
                AttributeValue.fromN("1234567890123456789012345678901234" + (1000 + i % 9000)));
        item.put(
                "assignee",
                i % 2 == 0 ? AttributeValue.fromNul(true) : AttributeValue.fromS("user" + i % 9));
        item.put("tags", AttributeValue.fromSs(List.of("t" + i % 3, "x" + (i / 3) % 3)));
        item.put("scores", AttributeValue.fromNs(List.of(Integer.toString(i % 100), "0.5")));
        item.put(
                "checksum",
                AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, (byte) i})));
        item.put(
                "meta",
                AttributeValue.fromM(
                        Map.of(
                                "source",
                                AttributeValue.fromS("bench"),
                                "subtasks",
                                AttributeValue.fromL(
                                        List.of(
                                                AttributeValue.fromM(
                                                        Map.of(
                                                                "name",
                                                                AttributeValue.fromS("check"),
                                                                "done",
                                                                AttributeValue.fromBool(
                                                                        false))))))));
        return item;
    }

    /** Waits until the aggregate table and both indices hold every list and item. */
    private static void awaitOutputs(
            LocalServices services, Map<String, String> props, int items, int lists)
            throws Exception {
        String counts = props.get("sink.dynamodb.table");
        String countIndex = props.get("sink.search.aggregate.index");
        String itemIndex = props.get("sink.search.item.index");
        DynamoDbClient ddb = services.dynamoDb.client();
        io.streamsync.testing.SearchHttp search =
                new io.streamsync.testing.SearchHttp(services.search.uri());
        Poll.until(
                Duration.ofMinutes(60),
                () -> {
                    if (!search.indexExists(itemIndex) || !search.indexExists(countIndex)) {
                        return "no indices yet";
                    }
                    search.post("/" + itemIndex + "," + countIndex + "/_refresh", "{}");
                    long indexed = search.get("/" + itemIndex + "/_count").path("count").asLong();
                    // the aggregate index and table also hold the job's status (caught-up): no list
                    long documents =
                            search.post(
                                            "/" + countIndex + "/_count",
                                            "{\"query\":{\"exists\":{\"field\":\"listId\"}}}")
                                    .path("count")
                                    .asLong();
                    if (indexed != items || documents != lists) {
                        // the aggregate table is scanned only then: a scan takes moto from the job
                        String state =
                                String.format(
                                        "aggregate documents %d, item documents %d",
                                        documents, indexed);
                        System.out.println("outputs: " + state);
                        return state;
                    }
                    Map<String, Long> rows = new HashMap<>();
                    for (Map<String, AttributeValue> row : TodoTables.scan(ddb, counts)) {
                        String list = row.get("listId").s();
                        if (!io.streamsync.sink.commit.CaughtUp.isStatus(list)) {
                            rows.put(list, Long.parseLong(row.get("taskCount").n()));
                        }
                    }
                    long sum = rows.values().stream().mapToLong(Long::longValue).sum();
                    String state =
                            String.format(
                                    "rows %d (sum %d), aggregate documents %d, item documents %d",
                                    rows.size(), sum, documents, indexed);
                    System.out.println("outputs: " + state);
                    return rows.size() == lists
                                    && sum == items
                                    && documents == lists
                                    && indexed == items
                            ? null
                            : state;
                });
        // the last published figures need their documents' sums too: the aggregate documents'
        // counts
        Poll.until(
                Duration.ofMinutes(5),
                () -> {
                    JsonNode sum =
                            search.post(
                                    "/" + countIndex + "/_search",
                                    "{\"size\":0,\"aggs\":{\"n\":{\"sum\":{\"field\":\"taskCount\"}}}}");
                    long n = sum.path("aggregations").path("n").path("value").asLong();
                    return n == items ? null : "aggregate documents sum to " + n;
                });
    }

    /** The table's size by DynamoDB's rules (a Scan, not timed). */
    private static long tableBytes(DynamoDbClient ddb, String table) {
        long bytes = 0;
        Map<String, AttributeValue> start = null;
        do {
            ScanRequest.Builder r = ScanRequest.builder().tableName(table);
            if (start != null) {
                r.exclusiveStartKey(start);
            }
            ScanResponse page = ddb.scan(r.build());
            for (Map<String, AttributeValue> item : page.items()) {
                bytes += ItemSize.of(item);
            }
            start = page.hasLastEvaluatedKey() ? page.lastEvaluatedKey() : null;
        } while (start != null && !start.isEmpty());
        return bytes;
    }

    /**
     * A bare parallel Scan ({@value #SEGMENTS} threads over as many segments, eventually
     * consistent) that only counts the items; returns the units moto reported.
     */
    static double bareScan(DynamoDbClient ddb, String table, int expected) throws Exception {
        AtomicLong count = new AtomicLong();
        java.util.concurrent.atomic.DoubleAdder units =
                new java.util.concurrent.atomic.DoubleAdder();
        ExecutorService pool = Executors.newFixedThreadPool(SEGMENTS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int s = 0; s < SEGMENTS; s++) {
                int segment = s;
                done.add(
                        pool.submit(
                                () -> {
                                    Map<String, AttributeValue> start = null;
                                    do {
                                        ScanRequest.Builder r =
                                                ScanRequest.builder()
                                                        .tableName(table)
                                                        .segment(segment)
                                                        .totalSegments(SEGMENTS)
                                                        .select(Select.ALL_ATTRIBUTES)
                                                        .returnConsumedCapacity(
                                                                ReturnConsumedCapacity.TOTAL);
                                        if (start != null) {
                                            r.exclusiveStartKey(start);
                                        }
                                        ScanResponse page = ddb.scan(r.build());
                                        count.addAndGet(page.count());
                                        if (page.consumedCapacity() != null
                                                && page.consumedCapacity().capacityUnits()
                                                        != null) {
                                            units.add(page.consumedCapacity().capacityUnits());
                                        }
                                        start =
                                                page.hasLastEvaluatedKey()
                                                        ? page.lastEvaluatedKey()
                                                        : null;
                                    } while (start != null && !start.isEmpty());
                                    return null;
                                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        if (count.get() != expected) {
            throw new IllegalStateException(
                    "the bare Scan read " + count.get() + " items, the table holds " + expected);
        }
        return units.sum();
    }

    /** An item's size by DynamoDB's rules ("Item sizes and formats", Developer Guide). */
    static final class ItemSize {
        private ItemSize() {}

        static long of(Map<String, AttributeValue> item) {
            long n = 0;
            for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
                n += utf8(e.getKey()) + value(e.getValue());
            }
            return n;
        }

        static long value(AttributeValue v) {
            if (v.s() != null) {
                return utf8(v.s());
            }
            if (v.n() != null) {
                return number(v.n());
            }
            if (v.b() != null) {
                return v.b().asByteArray().length;
            }
            if (v.bool() != null || Boolean.TRUE.equals(v.nul())) {
                return 1;
            }
            if (v.hasSs()) {
                return v.ss().stream().mapToLong(ItemSize::utf8).sum();
            }
            if (v.hasNs()) {
                return v.ns().stream().mapToLong(ItemSize::number).sum();
            }
            if (v.hasBs()) {
                return v.bs().stream().mapToLong(b -> b.asByteArray().length).sum();
            }
            if (v.hasM()) {
                long n = 3;
                for (Map.Entry<String, AttributeValue> e : v.m().entrySet()) {
                    n += utf8(e.getKey()) + value(e.getValue()) + 1;
                }
                return n;
            }
            if (v.hasL()) {
                long n = 3;
                for (AttributeValue e : v.l()) {
                    n += value(e) + 1;
                }
                return n;
            }
            return 0;
        }

        /** 1 byte per two significant digits, plus 1. */
        static long number(String n) {
            String digits = n.replaceFirst("^[-+]", "").toLowerCase();
            int e = digits.indexOf('e');
            if (e >= 0) {
                digits = digits.substring(0, e);
            }
            digits = digits.replace(".", "").replaceFirst("^0+", "").replaceFirst("0+$", "");
            return (digits.length() + 1) / 2 + 1;
        }

        static long utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8).length;
        }
    }

    /**
     * The used heap while a run goes: sampled, and as left after each GC, both above the level
     * after a full GC at the start.
     */
    static final class HeapWatch implements AutoCloseable {
        private final long baseline;
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong afterGc = new AtomicLong();
        private final Thread sampler;
        private final List<NotificationEmitter> emitters = new ArrayList<>();
        private final NotificationListener listener;
        private volatile boolean running = true;

        private HeapWatch() {
            System.gc();
            System.gc();
            baseline = used();
            Set<String> heapPools = new HashSet<>();
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) {
                    heapPools.add(p.getName());
                }
            }
            listener =
                    (notification, handback) -> {
                        if (!running
                                || !GarbageCollectionNotificationInfo
                                        .GARBAGE_COLLECTION_NOTIFICATION
                                        .equals(notification.getType())) {
                            return;
                        }
                        GarbageCollectionNotificationInfo info =
                                GarbageCollectionNotificationInfo.from(
                                        (CompositeData) notification.getUserData());
                        long left = 0;
                        for (Map.Entry<String, MemoryUsage> e :
                                info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                            if (heapPools.contains(e.getKey())) {
                                left += e.getValue().getUsed();
                            }
                        }
                        afterGc.accumulateAndGet(left, Math::max);
                    };
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter) {
                    ((NotificationEmitter) gc).addNotificationListener(listener, null, null);
                    emitters.add((NotificationEmitter) gc);
                }
            }
            sampler =
                    new Thread(
                            () -> {
                                while (running) {
                                    peak.accumulateAndGet(used(), Math::max);
                                    try {
                                        Thread.sleep(10); // the sampling period, not a wait
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            },
                            "heap-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        static HeapWatch start() {
            return new HeapWatch();
        }

        private static long used() {
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }

        double peakAboveBaselineMb() {
            peak.accumulateAndGet(used(), Math::max);
            return Math.max(0, peak.get() - baseline) / 1048576.0;
        }

        double largestAfterGcAboveBaselineMb() {
            return Math.max(0, afterGc.get() - baseline) / 1048576.0;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            sampler.interrupt();
            sampler.join();
            for (NotificationEmitter e : emitters) {
                try {
                    e.removeNotificationListener(listener);
                } catch (javax.management.ListenerNotFoundException ignored) {
                    // never added
                }
            }
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String spread(double[] v, String format) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(
                format + " (" + format + "-" + format + ")", median(v), s[0], s[s.length - 1]);
    }
}

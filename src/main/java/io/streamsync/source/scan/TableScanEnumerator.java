package io.streamsync.source.scan;

import io.streamsync.metrics.CloudWatchMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * Hands out scan segments to readers on request and reports the scan's progress: metrics, and a log
 * line every {@code bootstrap.scan.progress.interval.ms} with items scanned, segments done, rate
 * and an ETA from the table's approximate item count. Warns when the scan risks outliving the
 * stream's 24 h retention.
 */
final class TableScanEnumerator
        implements SplitEnumerator<TableScanSplit, TableScanEnumeratorState> {
    private static final Logger LOG = LoggerFactory.getLogger(TableScanEnumerator.class);

    /** DynamoDB Streams keeps records for 24 hours. */
    static final Duration STREAM_RETENTION = Duration.ofHours(24);

    /** Past this share of the retention the progress log warns. */
    static final double WARN_SHARE = 0.5;

    private final SplitEnumeratorContext<TableScanSplit> context;
    private final TableScanSettings config;
    private final String tableName;
    private final boolean restored;
    private final ArrayDeque<TableScanSplit> unassigned;
    private final int totalSegments;
    private final long startedAt;
    private int segmentsDone;
    private long itemsScanned;
    private double readUnits;
    private volatile long estimatedItems = -1;
    private boolean finishedLogged;

    TableScanEnumerator(
            SplitEnumeratorContext<TableScanSplit> context,
            TableScanSettings config,
            String tableName,
            TableScanEnumeratorState state,
            boolean restored) {
        this.context = context;
        this.config = config;
        this.tableName = tableName;
        this.restored = restored;
        this.unassigned = new ArrayDeque<>(state.unassigned);
        this.totalSegments = state.totalSegments;
        this.segmentsDone = state.segmentsDone;
        this.itemsScanned = state.itemsScanned;
        this.startedAt = state.startedAt;
    }

    @Override
    public void start() {
        MetricGroup m = CloudWatchMetrics.of(context.metricGroup());
        m.gauge("scanItemsScanned", () -> itemsScanned);
        m.gauge("scanSegmentsDone", () -> segmentsDone);
        m.gauge("scanSegmentsTotal", () -> totalSegments);
        m.gauge("scanReadUnitsConsumed", () -> readUnits);
        m.gauge("scanEtaSeconds", () -> etaSeconds());
        if (segmentsDone >= totalSegments) {
            LOG.info(
                    "Bootstrap scan of table '{}' already finished ({} items); it is not run again",
                    tableName,
                    itemsScanned);
            finishedLogged = true;
            return;
        }
        LOG.info(
                "Bootstrap scan of table '{}' {}: {} segments, {} not yet handed out, {} items scanned so far",
                tableName,
                restored ? "resumed" : "started",
                totalSegments,
                unassigned.size(),
                itemsScanned);
        context.callAsync(
                this::describeTable,
                (table, error) -> {
                    if (error != null) {
                        LOG.warn(
                                "Bootstrap scan: cannot describe table '{}' for the ETA: {}",
                                tableName,
                                error.toString());
                    } else {
                        onTableDescribed(table);
                    }
                });
        long interval = config.bootstrapScanProgressInterval.toMillis();
        context.callAsync(() -> null, (ignored, error) -> logProgress(), interval, interval);
    }

    private TableDescription describeTable() {
        try (DynamoDbClient ddb = config.aws.dynamoDb()) {
            return ddb.describeTable(b -> b.tableName(tableName)).table();
        }
    }

    private void onTableDescribed(TableDescription table) {
        estimatedItems = table.itemCount() == null ? -1 : table.itemCount();
        long bytes = table.tableSizeBytes() == null ? -1 : table.tableSizeBytes();
        double units = config.bootstrapScanReadUnitsPerSecond;
        String floor = "";
        if (units > 0 && bytes > 0) {
            // a Scan costs one read unit per 4 KB read, half that when eventually consistent
            double needed = bytes / 4096.0 * (config.bootstrapScanConsistentRead ? 1.0 : 0.5);
            Duration least = Duration.ofSeconds((long) (needed / units));
            floor = ", at least " + human(least) + " at the limit of " + units + " read units/s";
            if (least.compareTo(
                            Duration.ofMillis((long) (STREAM_RETENTION.toMillis() * WARN_SHARE)))
                    > 0) {
                LOG.warn(
                        "BOOTSTRAP SCAN AT RISK: table '{}' holds about {} bytes; at {} read units/s the scan needs at"
                                + " least {}, beyond {} of the stream's 24 h retention. Raise"
                                + " bootstrap.scan.read.units.per.second or see the docs, src/site/markdown/bootstrap.md.",
                        tableName,
                        bytes,
                        units,
                        human(least),
                        human(
                                Duration.ofMillis(
                                        (long) (STREAM_RETENTION.toMillis() * WARN_SHARE))));
            }
        }
        LOG.info(
                "Bootstrap scan of table '{}': about {} items, {} bytes (DynamoDB updates these about every 6 h){}",
                tableName,
                estimatedItems,
                bytes,
                floor);
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        TableScanSplit next = unassigned.poll();
        if (next != null) {
            context.assignSplit(next, subtaskId);
        } else {
            context.signalNoMoreSplits(subtaskId);
        }
    }

    @Override
    public void addSplitsBack(List<TableScanSplit> splits, int subtaskId) {
        // splits a failed reader held since the last checkpoint: they are read again from that
        // checkpoint's position
        splits.forEach(unassigned::addFirst);
    }

    @Override
    public void addReader(int subtaskId) {
        // readers ask for splits themselves
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        if (event instanceof ScanProgress) {
            ScanProgress p = (ScanProgress) event;
            itemsScanned += p.items;
            readUnits += p.readUnits;
            if (p.segmentDone) {
                segmentsDone++;
                if (segmentsDone >= totalSegments && !finishedLogged) {
                    finishedLogged = true;
                    long ms = Math.max(1, System.currentTimeMillis() - startedAt);
                    LOG.info(
                            "Bootstrap scan of table '{}' finished: {} items in {} segments, {} ({} items/s, {} read units)",
                            tableName,
                            itemsScanned,
                            totalSegments,
                            human(Duration.ofMillis(ms)),
                            String.format(Locale.ROOT, "%.0f", itemsScanned * 1000.0 / ms),
                            String.format(Locale.ROOT, "%.1f", readUnits));
                }
            }
        }
    }

    private long etaSeconds() {
        long ms = System.currentTimeMillis() - startedAt;
        if (segmentsDone >= totalSegments) {
            return 0;
        }
        if (itemsScanned == 0 || ms <= 0) {
            return -1;
        }
        double rate = itemsScanned * 1000.0 / ms;
        long remaining = estimatedItems > itemsScanned ? estimatedItems - itemsScanned : -1;
        if (remaining < 0) {
            // no usable estimate: by segments (segments are of about equal size)
            if (segmentsDone == 0) {
                return -1;
            }
            return (long) (ms / 1000.0 * (totalSegments - segmentsDone) / segmentsDone);
        }
        return (long) (remaining / rate);
    }

    private void logProgress() {
        if (segmentsDone >= totalSegments) {
            return;
        }
        long ms = Math.max(1, System.currentTimeMillis() - startedAt);
        long eta = etaSeconds();
        LOG.info(
                "Bootstrap scan of table '{}': {} items scanned{}, {}/{} segments done, {} items/s, running {}, ETA {}",
                tableName,
                itemsScanned,
                estimatedItems > 0 ? " of about " + estimatedItems : "",
                segmentsDone,
                totalSegments,
                String.format(Locale.ROOT, "%.0f", itemsScanned * 1000.0 / ms),
                human(Duration.ofMillis(ms)),
                eta < 0 ? "unknown" : human(Duration.ofSeconds(eta)));
        if (eta >= 0) {
            Duration total = Duration.ofMillis(ms).plusSeconds(eta);
            if (total.toMillis() > STREAM_RETENTION.toMillis() * WARN_SHARE) {
                LOG.warn(
                        "BOOTSTRAP SCAN AT RISK: running {} with about {} to go ({} in all), more than half of the"
                                + " stream's 24 h retention. The stream source must not fall 24 h behind while the scan"
                                + " loads the job, or changes are lost: watch its lag, raise"
                                + " bootstrap.scan.read.units.per.second or the parallelism.",
                        human(Duration.ofMillis(ms)),
                        human(Duration.ofSeconds(eta)),
                        human(total));
            }
        }
    }

    static String human(Duration d) {
        long s = d.getSeconds();
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return (s / 60) + " min";
        }
        return String.format(Locale.ROOT, "%.1f h", s / 3600.0);
    }

    @Override
    public TableScanEnumeratorState snapshotState(long checkpointId) {
        return new TableScanEnumeratorState(
                new ArrayList<>(unassigned), totalSegments, segmentsDone, itemsScanned, startedAt);
    }

    @Override
    public void close() {}
}

package io.streamsync.source.scan;

import io.streamsync.metrics.CloudWatchMetrics;
import io.streamsync.source.RawRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Reads its segments page by page. A page is fetched on a background thread (so the task thread
 * stays free for checkpoints), then emitted whole within one {@link #pollNext}; the split's
 * position moves to the page's LastEvaluatedKey right after, so a checkpoint always falls between
 * pages and its position is the next page to read.
 *
 * <p>Reads are paced to this reader's share of {@code bootstrap.scan.read.units.per.second}, by the
 * read units DynamoDB reports per page. Throttling is retried without end with exponential backoff
 * and jitter (throttling means "slower", never "fail"); other errors a few times, then the task
 * fails and the job resumes the scan from its last checkpoint.
 */
final class TableScanReader implements SourceReader<RawRecord, TableScanSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(TableScanReader.class);
    private static final int MAX_ERROR_ATTEMPTS = 8;
    private static final long BACKOFF_BASE_MS = 50;
    private static final long BACKOFF_CAP_MS = 10_000;

    private final SourceReaderContext context;
    private final TableScanSettings config;
    private final String tableName;
    private final ArrayDeque<TableScanSplit> splits = new ArrayDeque<>();
    private final double unitsPerSecond;

    private DynamoDbClient client;
    private ExecutorService fetcher;
    private TableScanSplit current;
    private CompletableFuture<ScanResponse> inFlight;
    private CompletableFuture<Void> splitArrived = new CompletableFuture<>();
    private boolean noMoreSplits;
    private boolean splitRequested;
    private long nextFetchNanos;

    private Counter itemsRead;
    private Counter pagesRead;
    private Counter throttled;
    private Counter retried;

    TableScanReader(SourceReaderContext context, TableScanSettings config, String tableName) {
        this.context = context;
        this.config = config;
        this.tableName = tableName;
        this.unitsPerSecond =
                config.bootstrapScanReadUnitsPerSecond / Math.max(1, context.currentParallelism());
    }

    @Override
    public void start() {
        // retries are ours: throttling must be counted and must never exhaust an attempt budget
        client =
                config.aws.dynamoDb(
                        software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry());
        fetcher =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t =
                                    new Thread(
                                            r, "table-scan-fetcher-" + context.getIndexOfSubtask());
                            t.setDaemon(true);
                            return t;
                        });
        itemsRead = CloudWatchMetrics.of(context.metricGroup()).counter("scanItemsRead");
        pagesRead = CloudWatchMetrics.of(context.metricGroup()).counter("scanPagesRead");
        throttled = CloudWatchMetrics.of(context.metricGroup()).counter("scanThrottledRequests");
        retried = CloudWatchMetrics.of(context.metricGroup()).counter("scanRetriedRequests");
        nextFetchNanos = System.nanoTime();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<RawRecord> output) {
        if (inFlight != null) {
            if (!inFlight.isDone()) {
                return InputStatus.NOTHING_AVAILABLE;
            }
            ScanResponse page;
            try {
                page = inFlight.join();
            } catch (CompletionException e) {
                throw new IllegalStateException(
                        "bootstrap scan of table '"
                                + tableName
                                + "', "
                                + current.splitId()
                                + ", failed: "
                                + e.getCause(),
                        e.getCause());
            } finally {
                inFlight = null;
            }
            emit(page, output);
            return InputStatus.MORE_AVAILABLE;
        }
        if (current == null) {
            current = splits.poll();
            if (current == null) {
                if (noMoreSplits) {
                    return InputStatus.END_OF_INPUT;
                }
                if (!splitRequested) {
                    splitRequested = true;
                    context.sendSplitRequest();
                }
                return InputStatus.NOTHING_AVAILABLE;
            }
        }
        TableScanSplit split = current;
        long delayNanos = Math.max(0, nextFetchNanos - System.nanoTime());
        inFlight =
                CompletableFuture.supplyAsync(
                        () -> scan(split),
                        CompletableFuture.delayedExecutor(
                                delayNanos, TimeUnit.NANOSECONDS, fetcher));
        return InputStatus.NOTHING_AVAILABLE;
    }

    private void emit(ScanResponse page, ReaderOutput<RawRecord> output) {
        long now = System.currentTimeMillis();
        String shard = "table-scan/" + current.splitId();
        for (Map<String, AttributeValue> item : page.items()) {
            output.collect(
                    new RawRecord(
                            ScannedItems.changeRecord(
                                    item, config.keySchema, tableName, current.segment()),
                            shard,
                            "0",
                            now));
        }
        String next =
                page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
                        ? ScannedItems.toJson(page.lastEvaluatedKey())
                        : null;
        current = current.after(page.items().size(), next);
        itemsRead.inc(page.items().size());
        pagesRead.inc();
        double units =
                page.consumedCapacity() != null && page.consumedCapacity().capacityUnits() != null
                        ? page.consumedCapacity().capacityUnits()
                        : page.items().size()
                                * 0.5; // not reported (local emulators): an estimate for small
        // items
        if (unitsPerSecond > 0) {
            nextFetchNanos =
                    Math.max(nextFetchNanos, System.nanoTime())
                            + (long) (units / unitsPerSecond * 1e9);
        }
        context.sendSourceEventToCoordinator(
                new ScanProgress(current.segment(), page.items().size(), units, next == null));
        if (next == null) {
            LOG.info(
                    "Bootstrap scan: {} done, {} items in {} pages",
                    current.splitId(),
                    current.itemsRead(),
                    current.pagesRead());
            current = null;
        }
    }

    /** One page, with retries; runs on the fetcher thread. */
    private ScanResponse scan(TableScanSplit split) {
        ScanRequest.Builder b =
                ScanRequest.builder()
                        .tableName(tableName)
                        .segment(split.segment())
                        .totalSegments(split.totalSegments())
                        .consistentRead(config.bootstrapScanConsistentRead)
                        .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL);
        if (config.bootstrapScanPageSize > 0) {
            b.limit(config.bootstrapScanPageSize);
        }
        if (split.startKeyJson() != null) {
            b.exclusiveStartKey(ScannedItems.keyFromJson(split.startKeyJson()));
        }
        ScanRequest request = b.build();
        int errors = 0;
        int throttles = 0;
        while (true) {
            try {
                return client.scan(request);
            } catch (DynamoDbException e) {
                if (isThrottling(e)) {
                    throttled.inc();
                    throttles++;
                    if (throttles % 20 == 0) {
                        LOG.warn(
                                "Bootstrap scan of '{}' throttled {} times in a row on {}: lower"
                                        + " bootstrap.scan.read.units.per.second",
                                tableName,
                                throttles,
                                split.splitId());
                    }
                    backoff(throttles);
                    continue;
                }
                if (e.statusCode() < 500 || ++errors >= MAX_ERROR_ATTEMPTS) {
                    throw e;
                }
            } catch (SdkClientException e) {
                if (++errors >= MAX_ERROR_ATTEMPTS) {
                    throw e;
                }
            }
            retried.inc();
            backoff(errors);
        }
    }

    static boolean isThrottling(DynamoDbException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return "ProvisionedThroughputExceededException".equals(code)
                || "ThrottlingException".equals(code)
                || "RequestLimitExceeded".equals(code)
                || e.statusCode() == 429;
    }

    private static void backoff(int attempt) {
        long cap = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS << Math.min(attempt, 16));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        if (inFlight != null) {
            return inFlight.handle((r, t) -> null);
        }
        if (current != null || !splits.isEmpty() || noMoreSplits) {
            return CompletableFuture.completedFuture(null);
        }
        if (splitArrived.isDone()) {
            splitArrived = new CompletableFuture<>();
        }
        return splitArrived;
    }

    @Override
    public void addSplits(List<TableScanSplit> added) {
        splits.addAll(added);
        splitRequested = false;
        splitArrived.complete(null);
    }

    @Override
    public void notifyNoMoreSplits() {
        noMoreSplits = true;
        splitArrived.complete(null);
    }

    @Override
    public List<TableScanSplit> snapshotState(long checkpointId) {
        List<TableScanSplit> state = new ArrayList<>(splits.size() + 1);
        if (current != null) {
            state.add(current); // its position is the page in flight, if any: not yet emitted, read
            // again on restore
        }
        state.addAll(splits);
        return state;
    }

    @Override
    public void close() {
        if (fetcher != null) {
            fetcher.shutdownNow();
        }
        if (client != null) {
            client.close();
        }
    }
}

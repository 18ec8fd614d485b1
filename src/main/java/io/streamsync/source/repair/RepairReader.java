package io.streamsync.source.repair;

import io.streamsync.change.ChangeEvent;
import io.streamsync.metrics.CloudWatchMetrics;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Reads the lists of its repair splits one at a time ({@link ListReads}) and emits one repair
 * record per list. A list's read (a Query and one search) runs in the task's thread: a repair reads
 * a few lists, rarely, and the source does nothing else. A transient failure of a list's read
 * (throttled, a 5xx, no answer, an I/O error of the search) is tried again with a bounded backoff
 * ({@value #ATTEMPTS} attempts); a list that still cannot be read, or whose read fails for good
 * (AccessDenied, ValidationException, ...), is skipped with an ERROR log naming it and the reason
 * and the counter {@code repairListsSkipped}, and the request goes on with its other lists. A read
 * error never fails the task: the restored reader would hold the same list and fail again forever.
 */
final class RepairReader implements SourceReader<ChangeEvent, RepairSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(RepairReader.class);
    static final int ATTEMPTS = 3;
    static final long BACKOFF_MS = 500;

    private final SourceReaderContext context;
    private final RepairSettings settings;
    private final ListDocuments documents;
    private final ArrayDeque<RepairSplit> splits = new ArrayDeque<>();
    private CompletableFuture<Void> splitArrived = new CompletableFuture<>();
    private RepairSplit current;
    private DynamoDbClient ddb;
    private ListDocuments.Reader documentReader;
    private ListReads reads;
    private Counter listsRead;
    private Counter listsSkipped;
    private Counter itemsUnreadable;
    private final int attempts;
    private final long backoffMs;

    RepairReader(SourceReaderContext context, RepairSettings settings, ListDocuments documents) {
        this(context, settings, documents, ATTEMPTS, BACKOFF_MS);
    }

    RepairReader(
            SourceReaderContext context,
            RepairSettings settings,
            ListDocuments documents,
            int attempts,
            long backoffMs) {
        this.context = context;
        this.settings = settings;
        this.documents = documents;
        this.attempts = attempts;
        this.backoffMs = backoffMs;
    }

    @Override
    public void start() {
        MetricGroup m = CloudWatchMetrics.of(context.metricGroup());
        listsRead = m.counter("repairListsRead");
        listsSkipped = m.counter("repairListsSkipped");
        itemsUnreadable = m.counter("repairItemsUnreadable");
    }

    @Override
    public InputStatus pollNext(ReaderOutput<ChangeEvent> output) throws Exception {
        if (current == null) {
            current = splits.poll();
            if (current == null) {
                return InputStatus.NOTHING_AVAILABLE;
            }
        }
        if (current.done()) {
            LOG.info("repair: request {}: {} lists read", current.requestId, current.lists.size());
            current = null;
            return splits.isEmpty() ? InputStatus.NOTHING_AVAILABLE : InputStatus.MORE_AVAILABLE;
        }
        String listId = current.lists.get(current.next);
        ChangeEvent record = readOrSkip(current.requestId, listId);
        if (record != null) {
            output.collect(record);
            listsRead.inc();
        }
        current = current.advanced();
        return InputStatus.MORE_AVAILABLE;
    }

    /** The list's repair record; null (logged, counted) when it cannot be read. */
    private ChangeEvent readOrSkip(String requestId, String listId) throws InterruptedException {
        Exception last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                if (reads == null) {
                    ddb = settings.aws.dynamoDb();
                    documentReader = documents.open();
                    reads =
                            new ListReads(
                                    settings,
                                    ddb,
                                    documentReader,
                                    System::currentTimeMillis,
                                    itemsUnreadable);
                }
                return reads.read(requestId, listId);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
                if (!transientFailure(e) || attempt == attempts) {
                    break;
                }
                LOG.warn(
                        "repair: request {}: list {}: read failed (attempt {} of {}), trying again: {}",
                        requestId,
                        listId,
                        attempt,
                        attempts,
                        e.toString());
                Thread.sleep(backoffMs << (attempt - 1));
            }
        }
        LOG.error(
                "repair: request {}: list {} skipped, it cannot be read ({}): {}",
                requestId,
                listId,
                transientFailure(last)
                        ? "still failing after " + attempts + " attempts"
                        : "permanent",
                String.valueOf(last));
        listsSkipped.inc();
        return null;
    }

    /** Throttled, a 5xx, no answer (client timeouts, connection), or an I/O error. */
    static boolean transientFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AwsServiceException) {
                AwsServiceException a = (AwsServiceException) t;
                return a.isThrottlingException() || a.statusCode() >= 500;
            }
            if (t instanceof SdkClientException || t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        if (current != null || !splits.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (splitArrived.isDone()) {
            splitArrived = new CompletableFuture<>();
        }
        return splitArrived;
    }

    @Override
    public void addSplits(List<RepairSplit> added) {
        splits.addAll(added);
        splitArrived.complete(null);
    }

    @Override
    public void notifyNoMoreSplits() {}

    @Override
    public List<RepairSplit> snapshotState(long checkpointId) {
        List<RepairSplit> state = new ArrayList<>();
        if (current != null) {
            state.add(current);
        }
        state.addAll(splits);
        return state;
    }

    @Override
    public void close() throws Exception {
        if (documentReader != null) {
            documentReader.close();
        }
        if (ddb != null) {
            ddb.close();
        }
    }
}

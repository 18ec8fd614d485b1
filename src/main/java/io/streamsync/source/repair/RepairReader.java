package io.streamsync.source.repair;

import io.streamsync.change.ChangeEvent;
import io.streamsync.metrics.CloudWatchMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Reads the lists of its repair splits one at a time ({@link ListReads}) and emits one repair
 * record per list. A list's read (a Query and one search) runs in the task's thread: a repair reads
 * a few lists, rarely, and the source does nothing else. A failed read fails the task: the restored
 * reader goes on from its checkpointed position.
 */
final class RepairReader implements SourceReader<ChangeEvent, RepairSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(RepairReader.class);

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

    RepairReader(SourceReaderContext context, RepairSettings settings, ListDocuments documents) {
        this.context = context;
        this.settings = settings;
        this.documents = documents;
    }

    @Override
    public void start() {
        listsRead = CloudWatchMetrics.of(context.metricGroup()).counter("repairListsRead");
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
        if (reads == null) {
            ddb = settings.aws.dynamoDb();
            documentReader = documents.open();
            reads = new ListReads(settings, ddb, documentReader, System::currentTimeMillis);
        }
        output.collect(reads.read(current.requestId, current.lists.get(current.next)));
        listsRead.inc();
        current = current.advanced();
        return InputStatus.MORE_AVAILABLE;
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

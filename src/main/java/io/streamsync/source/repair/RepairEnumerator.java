package io.streamsync.source.repair;

import io.streamsync.metrics.CloudWatchMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes on the configured repair request once: a request whose id is in its state is done (or under
 * way in the reader's state) and not taken on again, whatever restores the job. The lists of a
 * {@code drifted:} request are read from the report (line by line, only the drifted list ids kept)
 * when it is taken on. A report that cannot be read (missing, unreadable, a malformed line) leaves
 * the request not taken on: each failed read is logged at ERROR with the path and the cause and
 * counted in {@code repairReportsUnreadable} (group {@code kinesisanalytics}), and the report is
 * read again every {@code repair.report.retry.ms} (off the coordinator's thread) until it reads.
 * Its one split goes to the source's one reader.
 */
final class RepairEnumerator implements SplitEnumerator<RepairSplit, RepairEnumeratorState> {
    private static final Logger LOG = LoggerFactory.getLogger(RepairEnumerator.class);

    private final SplitEnumeratorContext<RepairSplit> context;
    private final RepairSettings settings;
    private final RepairEnumeratorState state;
    private Counter reportsUnreadable;

    /** Failed reads of the report so far (coordinator thread). */
    private int failedReads;

    /** The request was taken on: the scheduled read of the report has nothing more to do. */
    private volatile boolean takenOn;

    RepairEnumerator(
            SplitEnumeratorContext<RepairSplit> context,
            RepairSettings settings,
            RepairEnumeratorState state) {
        this.context = context;
        this.settings = settings;
        this.state = state;
    }

    @Override
    public void start() {
        reportsUnreadable =
                CloudWatchMetrics.of(context.metricGroup()).counter("repairReportsUnreadable");
        RepairRequest r = settings.request;
        if (r == null) {
            return;
        }
        if (state.done.contains(r.id)) {
            LOG.info("repair: request {} was taken on before: not again", r.id);
            return;
        }
        if (r.reportPath == null) {
            takeOn(r, r.lists);
            return;
        }
        List<String> lists;
        try {
            lists = read(r.reportPath);
        } catch (IOException | RuntimeException e) {
            unreadable(r, e);
            // not taken on: read again on a schedule (off this thread) until it reads. Flink's
            // periodic callAsync cannot be cancelled: once the request is taken on, each later
            // run returns at once (takenOn is checked before any read) for the life of the job
            context.callAsync(
                    () -> takenOn ? null : read(r.reportPath),
                    (read, failure) -> readAgain(r, read, failure),
                    settings.reportRetryMs,
                    settings.reportRetryMs);
            return;
        }
        takeOn(r, lists);
    }

    /** The outcome of a scheduled read of the report (coordinator thread). */
    private void readAgain(RepairRequest r, List<String> lists, Throwable failure) {
        if (takenOn) {
            return;
        }
        if (failure != null) {
            unreadable(r, failure);
            return;
        }
        LOG.info(
                "repair: request {}: the report {} read after {} failed reads",
                r.id,
                r.reportPath,
                failedReads);
        takeOn(r, lists);
    }

    private void unreadable(RepairRequest r, Throwable cause) {
        failedReads++;
        reportsUnreadable.inc();
        LOG.error(
                "repair: request {} not taken on: cannot read the report {} (failed read {}): {};"
                        + " reading it again in {} ms (repair.report.retry.ms)",
                r.id,
                r.reportPath,
                failedReads,
                String.valueOf(cause),
                settings.reportRetryMs);
    }

    private void takeOn(RepairRequest r, List<String> lists) {
        takenOn = true;
        LOG.info("repair: request {} taken on: {} lists", r.id, lists.size());
        state.done.add(r.id);
        if (!lists.isEmpty()) {
            state.pending.add(new RepairSplit(r.id, lists, 0));
        }
        assignPending();
    }

    /** The drifted lists of the report at {@code path}, read line by line. */
    private static List<String> read(String path) throws IOException {
        Path p = new Path(path);
        try (InputStream in = p.getFileSystem().open(p)) {
            return RepairRequest.driftedLists(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
    }

    private void assignPending() {
        if (state.pending.isEmpty() || context.registeredReaders().isEmpty()) {
            return;
        }
        int reader = context.registeredReaders().keySet().iterator().next();
        for (RepairSplit s : new ArrayList<>(state.pending)) {
            context.assignSplit(s, reader);
        }
        state.pending.clear();
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {}

    @Override
    public void addSplitsBack(List<RepairSplit> splits, int subtaskId) {
        state.pending.addAll(splits); // assigned since the last checkpoint: read again
    }

    @Override
    public void addReader(int subtaskId) {
        assignPending();
    }

    @Override
    public RepairEnumeratorState snapshotState(long checkpointId) {
        return new RepairEnumeratorState(state.done, state.pending);
    }

    @Override
    public void close() {}
}

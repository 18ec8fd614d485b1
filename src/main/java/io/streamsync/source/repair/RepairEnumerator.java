package io.streamsync.source.repair;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes on the configured repair request once: a request whose id is in its state is done (or under
 * way in the reader's state) and not taken on again, whatever restores the job. The lists of a
 * {@code drifted:} request are read from the report when it is taken on. Its one split goes to the
 * source's one reader.
 */
final class RepairEnumerator implements SplitEnumerator<RepairSplit, RepairEnumeratorState> {
    private static final Logger LOG = LoggerFactory.getLogger(RepairEnumerator.class);

    private final SplitEnumeratorContext<RepairSplit> context;
    private final RepairSettings settings;
    private final RepairEnumeratorState state;

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
        RepairRequest r = settings.request;
        if (r == null) {
            return;
        }
        if (state.done.contains(r.id)) {
            LOG.info("repair: request {} was taken on before: not again", r.id);
            return;
        }
        List<String> lists;
        try {
            lists = r.reportPath == null ? r.lists : RepairRequest.driftedLists(read(r.reportPath));
        } catch (IOException e) {
            // not taken on: a corrected request (or the same one once the report is there) is
            LOG.error("repair: request {}: cannot read the report {}: {}", r.id, r.reportPath, e);
            return;
        }
        LOG.info("repair: request {} taken on: {} lists", r.id, lists.size());
        state.done.add(r.id);
        if (!lists.isEmpty()) {
            state.pending.add(new RepairSplit(r.id, lists, 0));
        }
        assignPending();
    }

    private static String read(String path) throws IOException {
        Path p = new Path(path);
        try (InputStream in = p.getFileSystem().open(p)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
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

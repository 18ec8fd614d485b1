package io.streamsync.source.repair;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One repair request's lists, and how many of them the reader has read (its checkpointed position:
 * a list's repair record emitted before a checkpoint is in that checkpoint's state downstream, so a
 * restored reader goes on with the next list).
 */
public final class RepairSplit implements SourceSplit {
    public final String requestId;
    public final List<String> lists;

    /** Index of the next list to read. */
    public final int next;

    public RepairSplit(String requestId, List<String> lists, int next) {
        this.requestId = requestId;
        this.lists = Collections.unmodifiableList(new ArrayList<>(lists));
        this.next = next;
    }

    @Override
    public String splitId() {
        return "repair-" + requestId;
    }

    RepairSplit advanced() {
        return new RepairSplit(requestId, lists, next + 1);
    }

    boolean done() {
        return next >= lists.size();
    }
}

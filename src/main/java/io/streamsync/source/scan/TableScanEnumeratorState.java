package io.streamsync.source.scan;

import java.util.List;

/**
 * The checkpointed state of the scan's enumerator: the segments not yet handed to a reader
 * (segments in a reader's hands are in that reader's state) and the progress counters shown in the
 * progress log.
 */
public final class TableScanEnumeratorState {
    public final List<TableScanSplit> unassigned;
    public final int totalSegments;
    public final int segmentsDone;
    public final long itemsScanned;

    /** When the scan began (epoch ms), for its rate and the stream-retention warning. */
    public final long startedAt;

    public TableScanEnumeratorState(
            List<TableScanSplit> unassigned,
            int totalSegments,
            int segmentsDone,
            long itemsScanned,
            long startedAt) {
        this.unassigned = List.copyOf(unassigned);
        this.totalSegments = totalSegments;
        this.segmentsDone = segmentsDone;
        this.itemsScanned = itemsScanned;
        this.startedAt = startedAt;
    }
}

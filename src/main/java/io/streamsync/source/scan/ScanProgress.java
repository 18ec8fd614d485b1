package io.streamsync.source.scan;

import org.apache.flink.api.connector.source.SourceEvent;

/**
 * Sent by a reader to the enumerator after every page: the page's items, and whether its segment is
 * done.
 */
final class ScanProgress implements SourceEvent {
    private static final long serialVersionUID = 1L;

    final int segment;
    final int items;
    final double readUnits;
    final boolean segmentDone;

    ScanProgress(int segment, int items, double readUnits, boolean segmentDone) {
        this.segment = segment;
        this.items = items;
        this.readUnits = readUnits;
        this.segmentDone = segmentDone;
    }
}

package io.streamsync.source.scan;

import java.util.Objects;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One segment of the parallel Scan and how far it got: the {@code ExclusiveStartKey} of the next
 * page (as DynamoDB JSON; null before the first page) and the items read so far. Immutable; a
 * reader replaces its split after every page, and the split it holds at a checkpoint is the
 * position the scan resumes from.
 */
public final class TableScanSplit implements SourceSplit {
    private final int segment;
    private final int totalSegments;
    private final String startKeyJson;
    private final long itemsRead;
    private final long pagesRead;

    public TableScanSplit(
            int segment, int totalSegments, String startKeyJson, long itemsRead, long pagesRead) {
        if (segment < 0 || segment >= totalSegments) {
            throw new IllegalArgumentException("segment " + segment + " of " + totalSegments);
        }
        this.segment = segment;
        this.totalSegments = totalSegments;
        this.startKeyJson = startKeyJson;
        this.itemsRead = itemsRead;
        this.pagesRead = pagesRead;
    }

    /** A segment not yet read. */
    public static TableScanSplit unread(int segment, int totalSegments) {
        return new TableScanSplit(segment, totalSegments, null, 0, 0);
    }

    /** This split after one more page: {@code nextKeyJson} null means the segment is done. */
    public TableScanSplit after(int pageItems, String nextKeyJson) {
        return new TableScanSplit(
                segment, totalSegments, nextKeyJson, itemsRead + pageItems, pagesRead + 1);
    }

    @Override
    public String splitId() {
        return "segment-" + segment + "-of-" + totalSegments;
    }

    public int segment() {
        return segment;
    }

    public int totalSegments() {
        return totalSegments;
    }

    /** The next page's ExclusiveStartKey, or null for the first page. */
    public String startKeyJson() {
        return startKeyJson;
    }

    public long itemsRead() {
        return itemsRead;
    }

    public long pagesRead() {
        return pagesRead;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TableScanSplit)) {
            return false;
        }
        TableScanSplit s = (TableScanSplit) o;
        return segment == s.segment
                && totalSegments == s.totalSegments
                && itemsRead == s.itemsRead
                && pagesRead == s.pagesRead
                && Objects.equals(startKeyJson, s.startKeyJson);
    }

    @Override
    public int hashCode() {
        return Objects.hash(segment, totalSegments, startKeyJson, itemsRead);
    }

    @Override
    public String toString() {
        return splitId()
                + "{items="
                + itemsRead
                + ", pages="
                + pagesRead
                + ", next="
                + startKeyJson
                + "}";
    }
}

package io.streamsync.source.scan;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeRecordParser;
import io.streamsync.change.KeySchema;
import io.streamsync.change.RecordSizeLimit;
import io.streamsync.filter.EventFilter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads one table item as the job reads a bootstrap-scan item on its way to the aggregation: the
 * scan's change record ({@link ScannedItems#changeRecord}), the parse step's size rule ({@code
 * source.max.record.bytes}, {@link RecordSizeLimit}), the job's parser, then its event filter. The
 * repair's read of a list and the reconciliation report read the table through it, so both leave
 * out exactly the items the job's bootstrap leaves out of every output. Keeps state while it reads
 * (the parser's): one per thread.
 */
public final class ScannedItemReader {
    /** What the job makes of an item. */
    public enum Verdict {
        /** Parsed and kept: {@link #event()}. */
        READ,
        /** A dead letter in the job (over the size limit, or not readable): {@link #reason()}. */
        UNREADABLE,
        /** Left out by the event filter. */
        FILTERED_OUT
    }

    private final KeySchema keySchema;
    private final String tableName;
    private final int maxRecordBytes;
    private final EventFilter filter;
    private final ChangeRecordParser parser;
    private ChangeEvent event;
    private String reason;

    /**
     * @param filter the job's event filter, or null
     */
    public ScannedItemReader(
            KeySchema keySchema, String tableName, int maxRecordBytes, EventFilter filter) {
        this.keySchema = keySchema;
        this.tableName = tableName;
        this.maxRecordBytes = maxRecordBytes;
        this.filter = filter;
        this.parser = new ChangeRecordParser(keySchema).renderOldImage(false);
    }

    /** Reads {@code item}; its event or the reason are then {@link #event()}, {@link #reason()}. */
    public Verdict read(Map<String, AttributeValue> item) {
        event = null;
        reason = null;
        byte[] record =
                ScannedItems.changeRecord(item, keySchema, tableName, 0)
                        .getBytes(StandardCharsets.UTF_8);
        try {
            RecordSizeLimit.check(record, maxRecordBytes);
            event = parser.parse(record, ChangeRecordParser.Origin.TABLE_SCAN);
        } catch (RuntimeException e) {
            event = null;
            reason = e.toString();
            return Verdict.UNREADABLE;
        }
        if (filter != null && !filter.matches(parser.readTree(record))) {
            return Verdict.FILTERED_OUT;
        }
        return Verdict.READ;
    }

    /** The last item read, as the job's change event (READ and FILTERED_OUT). */
    public ChangeEvent event() {
        return event;
    }

    /** Why the last item is a dead letter in the job (UNREADABLE). */
    public String reason() {
        return reason;
    }
}

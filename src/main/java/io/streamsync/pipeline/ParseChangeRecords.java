package io.streamsync.pipeline;

import io.streamsync.metrics.CloudWatchMetrics;
import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeRecordParser;
import io.streamsync.change.InvalidRecordException;
import io.streamsync.change.KeySchema;
import io.streamsync.sink.deadletter.DeadLetter;
import io.streamsync.source.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses raw stream records into {@link ChangeEvent}s. A record that cannot be parsed, or lacks what the
 * aggregation needs (a sequence number), goes to {@link #DEAD_LETTERS} with the reason; the job goes on.
 */
public class ParseChangeRecords extends ProcessFunction<RawRecord, ChangeEvent> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", Types.POJO(DeadLetter.class));

    private final KeySchema keySchema;
    private final int maxRecordBytes;
    private final int maxDeadLetterBytes;

    private final io.streamsync.filter.EventFilter filter;
    private final boolean kinesisRecords;
    private final String expectedTable;

    private boolean renderNewImage = true;

    private transient ChangeRecordParser parser;
    private transient Counter deadLetters;
    private transient Counter filteredOut;

    public ParseChangeRecords(KeySchema keySchema, int maxRecordBytes, int maxDeadLetterBytes) {
        this(keySchema, maxRecordBytes, maxDeadLetterBytes, null, false, null);
    }

    /** With an event filter (null: none): records that do not match it are marked {@link ChangeEvent#filteredOut}. */
    public ParseChangeRecords(KeySchema keySchema, int maxRecordBytes, int maxDeadLetterBytes,
            io.streamsync.filter.EventFilter filter) {
        this(keySchema, maxRecordBytes, maxDeadLetterBytes, filter, false, null);
    }

    /**
     * @param kinesisRecords the records come from Kinesis Data Streams for DynamoDB: ordered by
     *     {@link io.streamsync.change.KinesisOrdering}, and records of another table than
     *     {@code expectedTable} (when given) are dead letters
     */
    public ParseChangeRecords(KeySchema keySchema, int maxRecordBytes, int maxDeadLetterBytes,
            io.streamsync.filter.EventFilter filter, boolean kinesisRecords, String expectedTable) {
        this.kinesisRecords = kinesisRecords;
        this.expectedTable = expectedTable == null || expectedTable.isEmpty() ? null : expectedTable;
        this.keySchema = keySchema;
        this.maxRecordBytes = maxRecordBytes;
        this.maxDeadLetterBytes = maxDeadLetterBytes;
        this.filter = filter;
    }

    /**
     * Whether the new image is rendered into {@link ChangeEvent#newImageJson} (default true); without an item
     * index nothing reads it, and it is then only validated.
     */
    public ParseChangeRecords renderNewImage(boolean render) {
        this.renderNewImage = render;
        return this;
    }

    @Override
    public void open(OpenContext openContext) {
        // no operator after this one reads the old image: it is validated (a malformed one is a dead letter) but
        // not rendered, nor shipped through the key-by
        parser = new ChangeRecordParser(keySchema).renderOldImage(false).renderNewImage(renderNewImage)
                .kinesisOrdering(kinesisRecords);
        deadLetters = CloudWatchMetrics.of(getRuntimeContext().getMetricGroup()).counter("deadLetters");
        filteredOut = CloudWatchMetrics.of(getRuntimeContext().getMetricGroup()).counter("eventsFilteredOut");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<ChangeEvent> out) {
        if (raw.gap != null) { // not a record: data the source could not read any more
            reject(raw, raw.gap, ctx);
            return;
        }
        ChangeEvent e;
        try {
            if (raw.data == null) {
                throw new InvalidRecordException("empty record");
            }
            if (raw.data.length > maxRecordBytes) {
                throw new InvalidRecordException("record of " + raw.data.length
                        + " bytes exceeds source.max.record.bytes (" + maxRecordBytes + ")");
            }
            e = parser.parse(raw.data);
            if (expectedTable != null && e.tableName != null && !expectedTable.equals(e.tableName)
                    && e.type != io.streamsync.change.ChangeType.SNAPSHOT) {
                throw new InvalidRecordException("record of table '" + e.tableName + "', expected '" + expectedTable
                        + "' (config key 'source.table.name')");
            }
            // filters read the record as a tree (a second parse, only when a filter is configured)
            if (filter != null && !filter.matches(parser.readTree(raw.data))) {
                e.filteredOut = true;
                filteredOut.inc();
            }
            if (e.sequenceNumber == null) {
                throw new InvalidRecordException("record has no dynamodb.SequenceNumber");
            }
        } catch (InvalidRecordException ex) {
            reject(raw, ex.getMessage(), ctx);
            return;
        } catch (RuntimeException ex) { // a shape the parser did not foresee must not stop the job either
            reject(raw, "unexpected parse failure: " + ex, ctx);
            return;
        }
        e.shardId = raw.shardId;
        out.collect(e);
    }

    private void reject(RawRecord raw, String reason, Context ctx) {
        deadLetters.inc();
        ctx.output(DEAD_LETTERS, DeadLetter.of(reason, OperatorIds.PARSE.uid(), raw.shardId, raw.sequenceNumber,
                ctx.timerService().currentProcessingTime(), raw.text(), maxDeadLetterBytes));
    }
}

package io.streamsync.pipeline;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeRecordParser;
import io.streamsync.change.InvalidRecordException;
import io.streamsync.change.KeySchema;
import io.streamsync.deadletter.DeadLetter;
import io.streamsync.metrics.CloudWatchMetrics;
import io.streamsync.source.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses raw stream records into {@link ChangeEvent}s. A record that cannot be parsed, or lacks
 * what the aggregation needs (a sequence number), goes to {@link #DEAD_LETTERS} with the reason;
 * the job goes on.
 *
 * <p>Records are untrusted. On a Kinesis source anyone allowed to put records on the stream can
 * write one, so a Kinesis record must look like DynamoDB's: {@code eventSource} {@code
 * aws:dynamodb}, a {@code tableName} equal to {@code source.table.name}, and a creation time at
 * most {@link #MAX_CREATION_AHEAD_OF_ARRIVAL_MS} after Kinesis received it (its
 * ApproximateArrivalTimestamp, which Kinesis sets and the writer cannot; a forged far-future time
 * would otherwise make every later real change of the item "outdated"). The bound is the record's
 * own arrival time, not this operator's clock, so a record read again after a restore or a rollback
 * gets the same verdict. Only the bootstrap scan (its records come from {@link
 * #TABLE_SCAN_SHARD_PREFIX} splits) makes snapshot records; a stream record that claims to be one
 * is refused.
 *
 * <p>An {@link Error} thrown while a record is processed fails the job once, loudly (logged with
 * the record's shard and sequence number, and rethrown): Flink restarts from the last checkpoint.
 * If the same record throws an Error again in the same TaskManager process (after that restart or
 * any later replay), it is a dead letter with the Error as the reason and the job goes on, so a
 * record fails the job at most once. (With the parser's bounds no record should reach an Error;
 * what remains is a genuine VM problem, which the first failure and its restart report and may
 * cure.)
 */
public class ParseChangeRecords extends ProcessFunction<RawRecord, ChangeEvent> {
    private static final long serialVersionUID = 1L;

    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(ParseChangeRecords.class);

    /**
     * How far a Kinesis record's creation time may be ahead of its arrival in the stream (clock
     * skew between DynamoDB and Kinesis; DynamoDB writes the record after the change, so it is
     * normally behind).
     */
    public static final long MAX_CREATION_AHEAD_OF_ARRIVAL_MS = 5 * 60_000L;

    /** How many records that threw an Error {@link #FAILED_ONCE} remembers. */
    static final int FAILED_ONCE_CAPACITY = 1000;

    /**
     * Records that threw an Error once in this process, by {@link #errorKey}. An entry is kept
     * after the record is dead-lettered: a replay from the same checkpoint meets the record again,
     * and must dead-letter it again rather than fail the job (forgetting it let k such records
     * cause 2^k - 1 restarts). Bounded, least recently met forgotten first (access order).
     */
    private static final java.util.Map<String, Boolean> FAILED_ONCE =
            java.util.Collections.synchronizedMap(
                    new java.util.LinkedHashMap<String, Boolean>(16, 0.75f, true) {
                        private static final long serialVersionUID = 1L;

                        @Override
                        protected boolean removeEldestEntry(
                                java.util.Map.Entry<String, Boolean> eldest) {
                            return size() > FAILED_ONCE_CAPACITY;
                        }
                    });

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", Types.POJO(DeadLetter.class));

    /**
     * The split id prefix of the bootstrap scan's records ({@code source/scan/TableScanReader}:
     * "table-scan/" + split).
     */
    public static final String TABLE_SCAN_SHARD_PREFIX = "table-scan/";

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

    /**
     * @param filter the event filter (null: none): records that do not match it are marked {@link
     *     ChangeEvent#filteredOut}
     * @param kinesisRecords the records come from Kinesis Data Streams for DynamoDB: ordered by
     *     {@link io.streamsync.change.KinesisOrdering}, and records of another table than {@code
     *     expectedTable} (when given) are dead letters
     */
    public ParseChangeRecords(
            KeySchema keySchema,
            int maxRecordBytes,
            int maxDeadLetterBytes,
            io.streamsync.filter.EventFilter filter,
            boolean kinesisRecords,
            String expectedTable) {
        this.kinesisRecords = kinesisRecords;
        this.expectedTable =
                expectedTable == null || expectedTable.isEmpty() ? null : expectedTable;
        this.keySchema = keySchema;
        this.maxRecordBytes = maxRecordBytes;
        this.maxDeadLetterBytes = maxDeadLetterBytes;
        this.filter = filter;
    }

    /**
     * Whether the new image is rendered into {@link ChangeEvent#newImageJson} (default true);
     * without an item index nothing reads it, and it is then only validated.
     */
    public ParseChangeRecords renderNewImage(boolean render) {
        this.renderNewImage = render;
        return this;
    }

    @Override
    public void open(OpenContext openContext) {
        // no operator after this one reads the old image: it is validated (a malformed one is a
        // dead letter) but
        // not rendered, nor shipped through the key-by
        parser =
                new ChangeRecordParser(keySchema)
                        .renderOldImage(false)
                        .renderNewImage(renderNewImage)
                        .kinesisOrdering(kinesisRecords);
        deadLetters =
                CloudWatchMetrics.of(getRuntimeContext().getMetricGroup()).counter("deadLetters");
        filteredOut =
                CloudWatchMetrics.of(getRuntimeContext().getMetricGroup())
                        .counter("eventsFilteredOut");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<ChangeEvent> out) {
        if (raw.gap != null) { // not a record: data the source could not read any more
            reject(raw, raw.gap, ctx);
            return;
        }
        ChangeEvent e;
        try {
            e = check(raw);
        } catch (InvalidRecordException ex) {
            reject(raw, ex.getMessage(), ctx);
            return;
        } catch (
                RuntimeException
                        ex) { // a shape the parser did not foresee must not stop the job either
            reject(raw, "unexpected parse failure: " + ex, ctx);
            return;
        } catch (Error err) {
            String key = errorKey(raw);
            if (FAILED_ONCE.get(key)
                    != null) { // kept (and refreshed): a later replay dead-letters it again
                LOG.error(
                        "Record of shard {} at sequence number {} threw {} again after a restart: it is a dead letter, "
                                + "so that the job does not loop on it",
                        raw.shardId,
                        raw.sequenceNumber,
                        err,
                        err);
                reject(
                        raw,
                        "the record threw "
                                + err
                                + " again after the job restarted; written here so that the job "
                                + "does not loop on it",
                        ctx);
                return;
            }
            FAILED_ONCE.put(key, Boolean.TRUE);
            LOG.error(
                    "Record of shard {} at sequence number {} threw {}: failing the job; if it throws again after "
                            + "the restart it becomes a dead letter",
                    raw.shardId,
                    raw.sequenceNumber,
                    err,
                    err);
            throw err;
        }
        e.shardId = raw.shardId;
        out.collect(e);
    }

    /**
     * The record parsed and checked against its origin, or an InvalidRecordException with the
     * reason.
     */
    private ChangeEvent check(RawRecord raw) {
        if (raw.data == null) {
            throw new InvalidRecordException("empty record");
        }
        io.streamsync.change.RecordSizeLimit.check(raw.data, maxRecordBytes);
        boolean fromScan = raw.shardId != null && raw.shardId.startsWith(TABLE_SCAN_SHARD_PREFIX);
        ChangeEvent e = parse(raw);
        if (!fromScan && kinesisRecords) { // the scan reads the configured table itself
            if (e.tableName == null) {
                throw new InvalidRecordException(
                        "record has no tableName; a Kinesis record of DynamoDB names its table");
            }
            checkTable(e);
            if (raw.arrivalTime >= 0
                    && e.hasCreationTime()
                    && e.approximateCreationTimeMillis
                            > raw.arrivalTime + MAX_CREATION_AHEAD_OF_ARRIVAL_MS) {
                throw new InvalidRecordException(
                        "dynamodb.ApproximateCreationDateTime "
                                + java.time.Instant.ofEpochMilli(e.approximateCreationTimeMillis)
                                + " is "
                                + (e.approximateCreationTimeMillis - raw.arrivalTime)
                                + " ms after the stream received it ("
                                + java.time.Instant.ofEpochMilli(raw.arrivalTime)
                                + "); at most "
                                + MAX_CREATION_AHEAD_OF_ARRIVAL_MS
                                + " ms of clock skew are accepted");
            }
        }
        // filters read the record as a tree (a second parse, only when a filter is configured)
        if (filter != null && !filter.matches(parser.readTree(raw.data))) {
            e.filteredOut = true;
            filteredOut.inc();
        }
        if (e.sequenceNumber == null) {
            throw new InvalidRecordException("record has no dynamodb.SequenceNumber");
        }
        return e;
    }

    private void checkTable(ChangeEvent e) {
        if (expectedTable != null && e.tableName != null && !expectedTable.equals(e.tableName)) {
            throw new InvalidRecordException(
                    "record of table '"
                            + io.streamsync.change.DynamoJson.abbreviate(e.tableName)
                            + "', expected '"
                            + expectedTable
                            + "' (config key 'source.table.name')");
        }
    }

    /**
     * Parses one record, as coming from the table scan (its split ids start with {@link
     * #TABLE_SCAN_SHARD_PREFIX}), Kinesis, or the DynamoDB stream. Protected so that a test can
     * make it throw.
     */
    protected ChangeEvent parse(RawRecord raw) {
        ChangeRecordParser.Origin origin =
                raw.shardId != null && raw.shardId.startsWith(TABLE_SCAN_SHARD_PREFIX)
                        ? ChangeRecordParser.Origin.TABLE_SCAN
                        : kinesisRecords
                                ? ChangeRecordParser.Origin.KINESIS
                                : ChangeRecordParser.Origin.DYNAMODB_STREAM;
        return parser.parse(raw.data, origin);
    }

    /**
     * The record's identity for {@link #FAILED_ONCE}: where it was read, and a digest of its bytes.
     */
    private static String errorKey(RawRecord raw) {
        return raw.shardId
                + "/"
                + raw.sequenceNumber
                + "/"
                + (raw.data == null ? -1 : raw.data.length)
                + "/"
                + java.util.Arrays.hashCode(raw.data);
    }

    private void reject(RawRecord raw, String reason, Context ctx) {
        deadLetters.inc();
        ctx.output(
                DEAD_LETTERS,
                DeadLetter.of(
                        reason,
                        OperatorIds.PARSE.uid(),
                        raw.shardId,
                        raw.sequenceNumber,
                        ctx.timerService().currentProcessingTime(),
                        raw.text(),
                        maxDeadLetterBytes));
    }
}

package io.streamsync.change;

import java.util.Objects;

/**
 * One DynamoDB change record, parsed and converted to plain JSON.
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so that it travels between operators with
 * Flink's POJO serializer, never Kryo. The images are carried as plain-JSON text: they are produced
 * once by {@link DynamoJson} from the record's attribute maps and consumed as text by the search
 * sink, so a tree object would only be serialized again on the wire. {@link #sequenceNumber} is a
 * decimal string because DynamoDB sequence numbers exceed 64 bits; compare them with {@link
 * SequenceNumbers}.
 */
public class ChangeEvent {
    /**
     * {@link #approximateCreationTimeMillis} of a record that has no creation time: in the job only
     * the bootstrap scan's snapshots (a DynamoDB Streams or Kinesis change record without one is a
     * dead letter, {@link ChangeRecordParser.Origin}); records parsed with {@code Origin.ANY} by
     * tests and tools may lack it too. Test with {@link #hasCreationTime()}, never use it as a
     * time. A change that reaches the aggregation always has one, so no consumer needs a clock
     * fallback.
     */
    public static final long NO_CREATION_TIME = -1L;

    /**
     * The largest creation time a record may carry: 9,999,999,999,999 ms
     * (2286-11-20T17:46:39.999Z). Any present creation time is within 0 .. this, so adding a window
     * size, a lateness or a retention of up to ~292,000 years to it cannot overflow a long, and
     * neither can it in microseconds (the versions and Kinesis ordering numbers use those).
     */
    public static final long MAX_CREATION_TIME_MILLIS = 9_999_999_999_999L;

    /** {@code eventID} of the record: unique per change. */
    public String eventId;

    public ChangeType type;

    /** Source table name when the record says it (Kinesis records, stream ARNs), else null. */
    public String tableName;

    /**
     * The partition-key value rendered as text (S as is, N canonical, B base64): the aggregation
     * key.
     */
    public String partitionKey;

    /** Deterministic identifier of the item from its full primary key, see {@link ItemKeys}. */
    public String itemKey;

    /** {@code dynamodb.Keys} as plain JSON. */
    public String keysJson;

    /** {@code dynamodb.NewImage} as plain JSON, null when the record has none. */
    public String newImageJson;

    /** {@code dynamodb.OldImage} as plain JSON, null when the record has none. */
    public String oldImageJson;

    /** {@code dynamodb.SequenceNumber}: decimal digits, possibly longer than a long. */
    public String sequenceNumber;

    /**
     * {@code dynamodb.ApproximateCreationDateTime} in epoch milliseconds: either {@link
     * #NO_CREATION_TIME} (-1: the record has none) or a time within 0 .. {@link
     * #MAX_CREATION_TIME_MILLIS}; the parser refuses anything else. On a Kinesis source it is also
     * at most 5 minutes after the record's arrival in the stream.
     */
    public long approximateCreationTimeMillis = -1L;

    public String streamViewType;

    /** True for a REMOVE made by DynamoDB's time-to-live process (userIdentity of the service). */
    public boolean ttlExpiry;

    /**
     * True when a filter is configured and the record does not match it (see the docs, filters.md).
     */
    public boolean filteredOut;

    /** Shard the record was read from, for dead letters and diagnostics; may be null. */
    public String shardId;

    public ChangeEvent() {}

    /**
     * Whether the record carried a creation time ({@link #approximateCreationTimeMillis} is then
     * one).
     */
    public boolean hasCreationTime() {
        return approximateCreationTimeMillis != NO_CREATION_TIME;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ChangeEvent)) {
            return false;
        }
        ChangeEvent that = (ChangeEvent) o;
        return approximateCreationTimeMillis == that.approximateCreationTimeMillis
                && ttlExpiry == that.ttlExpiry
                && Objects.equals(eventId, that.eventId)
                && type == that.type
                && Objects.equals(tableName, that.tableName)
                && Objects.equals(partitionKey, that.partitionKey)
                && Objects.equals(itemKey, that.itemKey)
                && Objects.equals(keysJson, that.keysJson)
                && Objects.equals(newImageJson, that.newImageJson)
                && Objects.equals(oldImageJson, that.oldImageJson)
                && Objects.equals(sequenceNumber, that.sequenceNumber)
                && Objects.equals(streamViewType, that.streamViewType)
                && Objects.equals(shardId, that.shardId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, type, partitionKey, itemKey, sequenceNumber);
    }

    @Override
    public String toString() {
        return type
                + " "
                + itemKey
                + " seq="
                + sequenceNumber
                + " t="
                + approximateCreationTimeMillis
                + (ttlExpiry ? " ttl" : "");
    }
}

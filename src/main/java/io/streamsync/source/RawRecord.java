package io.streamsync.source;

import java.nio.charset.StandardCharsets;

/**
 * One change record as read from the stream, before parsing: the record's JSON as the stream
 * delivered it (UTF-8 bytes) and where it came from. A Flink POJO. Parsing happens in its own
 * operator so that a bad record becomes a dead letter instead of failing the source. The bytes are
 * kept as bytes: the parser reads UTF-8 directly (faster than decoding to a String first, see
 * src/bench/RESULTS.md), and bytes that are not valid UTF-8 are refused with the reason instead of
 * being silently replaced.
 */
public class RawRecord implements java.io.Serializable {
    private static final long serialVersionUID = 2L;

    /** The record's JSON in UTF-8. */
    public byte[] data;

    public String shardId;
    public String sequenceNumber;

    /** When the stream received the record (epoch ms), as reported by the source; -1 if unknown. */
    public long arrivalTime = -1L;

    /**
     * Not a record: the source skipped data it could no longer read (trimmed), and says which; the
     * parse operator makes it a dead letter. Null for a record.
     */
    public String gap;

    public RawRecord() {}

    public RawRecord(byte[] data, String shardId, String sequenceNumber, long arrivalTime) {
        this.data = data;
        this.shardId = shardId;
        this.sequenceNumber = sequenceNumber;
        this.arrivalTime = arrivalTime;
    }

    /** A record given as text: kept as its UTF-8 bytes. */
    public RawRecord(String data, String shardId, String sequenceNumber, long arrivalTime) {
        this(
                data == null ? null : data.getBytes(StandardCharsets.UTF_8),
                shardId,
                sequenceNumber,
                arrivalTime);
    }

    /** A marker for data lost in a shard (see {@link #gap}). */
    public static RawRecord gap(String shardId, String description) {
        RawRecord r = new RawRecord((byte[]) null, shardId, null, -1L);
        r.gap = description;
        return r;
    }

    /**
     * Not a record: the shard was found at the head of its stream at {@code now} (epoch ms). The
     * source turns it into the shard's watermark and never emits it.
     */
    public static RawRecord heartbeat(String shardId, long now) {
        return new RawRecord((byte[]) null, shardId, null, now);
    }

    /** Whether this is a {@link #heartbeat} (no data, no gap). */
    public boolean isHeartbeat() {
        return data == null && gap == null && sequenceNumber == null;
    }

    /**
     * The record as text (invalid UTF-8 shown as U+FFFD), for dead letters and diagnostics; null if
     * none.
     */
    public String text() {
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RawRecord{" + shardId + "/" + sequenceNumber + "}";
    }
}

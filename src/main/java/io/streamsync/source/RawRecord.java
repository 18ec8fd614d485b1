package io.streamsync.source;

/**
 * One change record as read from the stream, before parsing: the record's JSON text and where it came
 * from. A Flink POJO. Parsing happens in its own operator so that a bad record becomes a dead letter
 * instead of failing the source.
 */
public class RawRecord implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public String data;
    public String shardId;
    public String sequenceNumber;
    /** When the stream received the record (epoch ms), as reported by the source; -1 if unknown. */
    public long arrivalTime = -1L;

    public RawRecord() {}

    public RawRecord(String data, String shardId, String sequenceNumber, long arrivalTime) {
        this.data = data;
        this.shardId = shardId;
        this.sequenceNumber = sequenceNumber;
        this.arrivalTime = arrivalTime;
    }

    @Override
    public String toString() {
        return "RawRecord{" + shardId + "/" + sequenceNumber + "}";
    }
}

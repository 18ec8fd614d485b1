package io.streamsync.source.stream;

import io.streamsync.source.RawRecord;
import java.util.List;

/**
 * One GetRecords answer: the records (each its own bytes), the next iterator, and how far behind
 * the head it is.
 */
public final class RecordBatch {
    public final List<RawRecord> records;

    /** Null when the shard is closed and read to its end. */
    public final String nextIterator;

    /** Kinesis' MillisBehindLatest; -1 where the service does not say (DynamoDB Streams). */
    public final long millisBehindLatest;

    public RecordBatch(List<RawRecord> records, String nextIterator, long millisBehindLatest) {
        this.records = records;
        this.nextIterator = nextIterator;
        this.millisBehindLatest = millisBehindLatest;
    }
}

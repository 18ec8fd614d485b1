package io.streamsync.source.stream;

import java.util.List;

/**
 * What the change-stream source needs of a stream, for DynamoDB Streams and Kinesis alike. The
 * enumerator lists shards (DescribeStream is limited to 10 calls/s per account); readers get
 * iterators and records, and list only to confirm a shard's end (at most once a second per reader).
 * Every failure is a {@link StreamApiException} that says what to do about it.
 */
public interface ShardStream extends AutoCloseable {
    /** All shards of the stream, every page. */
    List<ListedShard> listShards() throws StreamApiException;

    /**
     * The children of a shard as the service lists them now (DynamoDB Streams: DescribeStream with
     * a {@code CHILD_SHARDS} shard filter), empty if none is listed yet; null if the service has no
     * such query (Kinesis: children come with the next listing).
     */
    default List<ListedShard> childShards(String shardId) throws StreamApiException {
        return null;
    }

    /**
     * Whether {@link #shardIterator} takes AT_TIMESTAMP positions (Kinesis); if not, the reader
     * emulates them.
     */
    default boolean supportsAtTimestamp() {
        return true;
    }

    /** An iterator at {@code position} in the shard. */
    String shardIterator(String shardId, StartPosition position) throws StreamApiException;

    /** Up to {@code limit} records from {@code iterator}. */
    RecordBatch getRecords(String shardId, String iterator, int limit) throws StreamApiException;

    /** Most records one GetRecords call may ask for. */
    int maxRecordsPerCall();

    /** Which stream this reads, for messages. */
    String describe();

    @Override
    void close();
}

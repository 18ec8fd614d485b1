package io.streamsync.change;

/**
 * The three kinds of DynamoDB change record ({@code eventName}), plus {@link #SNAPSHOT}: an item as
 * read by the bootstrap scan of the table, not a change (see {@code io.streamsync.source.scan}).
 */
public enum ChangeType {
    INSERT,
    MODIFY,
    REMOVE,
    /**
     * The item exists, as read by a scan; any change record of the item from the stream takes
     * precedence.
     */
    SNAPSHOT,
    /**
     * Not a change: a list as the source table held it at a read time, to bring the job's outputs
     * back to it (see {@link RepairPayload}). Only the repair source makes it; it goes straight to
     * the aggregation.
     */
    REPAIR
}

package io.streamsync.change;

/**
 * The job's one rule for the size of a change record ({@code source.max.record.bytes}): a record
 * larger than the limit is a dead letter, with this reason. The job's parse step applies it to
 * every record it reads (stream and bootstrap scan); the repair's read and the reconciliation
 * report apply it to the bootstrap scan's record of each table item they read, so they leave out
 * the items the job leaves out.
 */
public final class RecordSizeLimit {
    private RecordSizeLimit() {}

    /**
     * @throws InvalidRecordException with the reason, when {@code data} has more than {@code
     *     maxBytes} bytes
     */
    public static void check(byte[] data, int maxBytes) {
        if (data.length > maxBytes) {
            throw new InvalidRecordException(
                    "record of "
                            + data.length
                            + " bytes exceeds source.max.record.bytes ("
                            + maxBytes
                            + ")");
        }
    }
}

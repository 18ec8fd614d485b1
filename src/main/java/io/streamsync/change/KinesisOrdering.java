package io.streamsync.change;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The order of records from Kinesis Data Streams for DynamoDB, which carry no DynamoDB sequence
 * number: by {@code dynamodb.ApproximateCreationDateTime} in microseconds (MICROSECOND precision,
 * or milliseconds times 1000), ties broken by a hash of {@code eventID}. Rendered as a fixed-width
 * decimal number (17 digits of time, 15 of tie-break) so that {@link SequenceNumbers} orders it;
 * the same record always gets the same number, so a duplicate (same event id) is recognised as
 * already applied.
 *
 * <p>Limit: two changes of one item within the timestamp's resolution (1 µs, or 1 ms with
 * MILLISECOND precision) are ordered by the tie-break, not by when they happened; the item's state
 * can then be the earlier one until its next change.
 */
public final class KinesisOrdering {
    private KinesisOrdering() {}

    /**
     * From a record's creation time in microseconds (as {@code ChangeRecordParser} reads and bounds
     * it: within 0 .. {@link ChangeEvent#MAX_CREATION_TIME_MILLIS} ms, so it always fits the 17
     * digits) and its eventID.
     */
    public static String sequenceNumber(long micros, String eventId) {
        if (eventId == null || eventId.isEmpty()) {
            throw new InvalidRecordException(
                    "a Kinesis record needs an eventID to recognise duplicates");
        }
        if (micros < 0 || micros > 99_999_999_999_999_999L) {
            throw new InvalidRecordException("dynamodb.ApproximateCreationDateTime out of range");
        }
        return String.format("%017d%015d", micros, tieBreak(eventId));
    }

    private static long tieBreak(String eventId) {
        try {
            byte[] h =
                    MessageDigest.getInstance("SHA-256")
                            .digest(eventId.getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 6; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v; // below 2^48, 15 digits at most
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

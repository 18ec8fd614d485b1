package io.streamsync.change;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The order of records from Kinesis Data Streams for DynamoDB, which carry no DynamoDB sequence number:
 * by {@code dynamodb.ApproximateCreationDateTime} in microseconds (MICROSECOND precision, or milliseconds
 * times 1000), ties broken by a hash of {@code eventID}. Rendered as a fixed-width decimal number (17 digits
 * of time, 15 of tie-break) so that {@link SequenceNumbers} orders it; the same record always gets the same
 * number, so a duplicate (same event id) is recognised as already applied.
 *
 * <p>Limit: two changes of one item within the timestamp's resolution (1 µs, or 1 ms with MILLISECOND
 * precision) are ordered by the tie-break, not by when they happened; the item's state can then be the
 * earlier one until its next change.
 */
public final class KinesisOrdering {
    private KinesisOrdering() {}

    /** From a record's creation time (a number or a numeric string), its precision (may be null) and eventID. */
    public static String sequenceNumber(JsonNode time, String precision, String eventId) {
        if (time == null || time.isNull()) {
            throw new InvalidRecordException("a Kinesis record needs dynamodb.ApproximateCreationDateTime to be ordered");
        }
        if (eventId == null || eventId.isEmpty()) {
            throw new InvalidRecordException("a Kinesis record needs an eventID to recognise duplicates");
        }
        BigDecimal value;
        try {
            value = time.isNumber() ? time.decimalValue() : new BigDecimal(time.asText().trim());
        } catch (NumberFormatException e) {
            throw new InvalidRecordException("dynamodb.ApproximateCreationDateTime is not a number");
        }
        long micros;
        if ("MICROSECOND".equals(precision)) {
            micros = value.longValue();
        } else if ("MILLISECOND".equals(precision)) {
            micros = value.movePointRight(3).longValue();
        } else {
            // no precision field: by magnitude, as ChangeRecordParser reads it (seconds, ms or µs)
            micros = ChangeRecordParser.epochMillis(time, null) * 1000L;
            if (value.compareTo(BigDecimal.valueOf(100_000_000_000_000L)) >= 0) {
                micros = value.longValue();
            }
        }
        if (micros < 0 || micros > 99_999_999_999_999_999L) {
            throw new InvalidRecordException("dynamodb.ApproximateCreationDateTime out of range");
        }
        return String.format("%017d%015d", micros, tieBreak(eventId));
    }

    private static long tieBreak(String eventId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(eventId.getBytes(StandardCharsets.UTF_8));
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

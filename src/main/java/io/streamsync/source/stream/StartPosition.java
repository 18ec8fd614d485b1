package io.streamsync.source.stream;

import java.util.Objects;

/**
 * Where a reader starts in a shard: the beginning, the head, a timestamp (Kinesis), or after a
 * sequence number.
 */
public final class StartPosition implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public enum Type {
        TRIM_HORIZON,
        LATEST,
        AT_TIMESTAMP,
        AFTER_SEQUENCE_NUMBER
    }

    public static final StartPosition TRIM_HORIZON = new StartPosition(Type.TRIM_HORIZON, 0, null);
    public static final StartPosition LATEST = new StartPosition(Type.LATEST, 0, null);

    public final Type type;

    /** Epoch ms, for {@link Type#AT_TIMESTAMP}. */
    public final long timestampMillis;

    /** For {@link Type#AFTER_SEQUENCE_NUMBER}. */
    public final String sequenceNumber;

    private StartPosition(Type type, long timestampMillis, String sequenceNumber) {
        this.type = type;
        this.timestampMillis = timestampMillis;
        this.sequenceNumber = sequenceNumber;
    }

    public static StartPosition atTimestamp(long epochMillis) {
        return new StartPosition(Type.AT_TIMESTAMP, epochMillis, null);
    }

    public static StartPosition afterSequenceNumber(String sequenceNumber) {
        return new StartPosition(
                Type.AFTER_SEQUENCE_NUMBER, 0, Objects.requireNonNull(sequenceNumber));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof StartPosition)) {
            return false;
        }
        StartPosition p = (StartPosition) o;
        return type == p.type
                && timestampMillis == p.timestampMillis
                && Objects.equals(sequenceNumber, p.sequenceNumber);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, timestampMillis, sequenceNumber);
    }

    @Override
    public String toString() {
        switch (type) {
            case AT_TIMESTAMP:
                return "AT_TIMESTAMP(" + timestampMillis + ")";
            case AFTER_SEQUENCE_NUMBER:
                return "AFTER_SEQUENCE_NUMBER(" + sequenceNumber + ")";
            default:
                return type.name();
        }
    }
}

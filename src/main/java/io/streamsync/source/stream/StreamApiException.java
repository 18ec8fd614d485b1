package io.streamsync.source.stream;

import java.io.IOException;

/**
 * A change-stream API call that failed, classified by what the caller should do about it. The
 * message names the operation, the HTTP status and the service's error type and text.
 */
public final class StreamApiException extends IOException {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** The shard iterator is older than 15 minutes: get a new one from the last position. */
        EXPIRED_ITERATOR,
        /**
         * The position is older than the stream keeps (DynamoDB Streams'
         * TrimmedDataAccessException).
         */
        TRIMMED_DATA,
        /** Throttled (per-shard or per-account limits): retry later, with backoff. */
        THROTTLED,
        /** The stream or shard does not exist (any more). */
        NOT_FOUND,
        /** A server error or a broken connection: retry with backoff. */
        RETRYABLE,
        /**
         * A request the service refuses (access denied, a bad argument): retrying will not help.
         */
        FATAL
    }

    public final Kind kind;
    public final String errorType;
    public final int status;

    /**
     * Refused because the request's time is off from the service's (the client signs again with its
     * time).
     */
    public final boolean clockSkew;

    public StreamApiException(
            Kind kind, String message, String errorType, int status, Throwable cause) {
        this(kind, message, errorType, status, cause, false);
    }

    public StreamApiException(
            Kind kind,
            String message,
            String errorType,
            int status,
            Throwable cause,
            boolean clockSkew) {
        super(message, cause);
        this.kind = kind;
        this.errorType = errorType;
        this.status = status;
        this.clockSkew = clockSkew;
    }

    /**
     * Whether an error answer says the request's signing time is too far from the service's clock.
     */
    public static boolean isClockSkew(String errorType, String message) {
        if (errorType == null) {
            return false;
        }
        switch (errorType) {
            case "RequestTimeTooSkewed":
            case "RequestExpired":
            case "RequestInTheFuture":
                return true;
            case "InvalidSignatureException":
            case "SignatureDoesNotMatch":
            case "AuthFailure":
                String m = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
                return m.contains("expired")
                        || m.contains("not yet current")
                        || m.contains("too skewed")
                        || m.contains("in the future");
            default:
                return false;
        }
    }

    /**
     * Classifies an error answer of DynamoDB Streams or Kinesis by its type (the part after '#')
     * and status.
     */
    public static Kind classify(String errorType, int status) {
        if (errorType != null) {
            switch (errorType) {
                case "ExpiredIteratorException":
                    return Kind.EXPIRED_ITERATOR;
                case "TrimmedDataAccessException":
                    return Kind.TRIMMED_DATA;
                case "LimitExceededException":
                case "ProvisionedThroughputExceededException":
                case "ThrottlingException":
                case "RequestLimitExceeded":
                case "KMSThrottlingException":
                    return Kind.THROTTLED;
                case "ResourceNotFoundException":
                    return Kind.NOT_FOUND;
                case "InternalServerError":
                case "InternalFailureException":
                case "ServiceUnavailableException":
                case "ServiceUnavailable":
                    return Kind.RETRYABLE;
                default:
                    break;
            }
        }
        if (status == 429) {
            return Kind.THROTTLED;
        }
        return status >= 500 ? Kind.RETRYABLE : Kind.FATAL;
    }
}

package io.streamsync.change;

/**
 * A change record that cannot be turned into a {@link ChangeEvent}. The message is the reason shown
 * in the dead-letter output, so it names the field and what is wrong with it.
 */
public class InvalidRecordException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidRecordException(String reason) {
        super(reason);
    }

    public InvalidRecordException(String reason, Throwable cause) {
        super(reason, cause);
    }
}

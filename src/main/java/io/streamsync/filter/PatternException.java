package io.streamsync.filter;

/**
 * An invalid filter pattern: the message says which pattern, where (line, column, JSON path) and
 * why.
 */
public final class PatternException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public PatternException(String message) {
        super(message);
    }
}

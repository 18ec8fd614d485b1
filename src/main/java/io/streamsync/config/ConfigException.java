package io.streamsync.config;

/**
 * A configuration problem found at start-up; the message names the key, the value and what is
 * expected.
 */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}

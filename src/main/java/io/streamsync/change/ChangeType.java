package io.streamsync.change;

/** The three kinds of DynamoDB change record ({@code eventName}). */
public enum ChangeType {
    INSERT,
    MODIFY,
    REMOVE
}

package io.streamsync.pipeline;

/**
 * The uid and name of every operator of the job, in one place. Uids are part of every savepoint: never
 * change one of an operator that keeps state, or its state is lost on upgrade (restoring then needs
 * --allowNonRestoredState).
 */
public enum OperatorIds {
    SOURCE("dynamodb-stream-source", "DynamoDB stream source"),
    KINESIS_SOURCE("kinesis-stream-source", "Kinesis stream source"),
    BOOTSTRAP_SCAN("bootstrap-table-scan", "Bootstrap table scan"),
    PARSE("parse-change-records", "Parse change records"),
    AGGREGATE("list-aggregator", "Per-list aggregates"),
    AGGREGATE_TABLE_SINK("aggregate-table-sink", "DynamoDB aggregate table"),
    AGGREGATE_DOCUMENTS("aggregate-documents", "Aggregate documents"),
    ITEM_DOCUMENTS("item-documents", "Item documents"),
    SEARCH_SINK("search-index-sink", "Search index"),
    DEAD_LETTER_LINES("dead-letter-lines", "Dead-letter lines"),
    DEAD_LETTER_SINK("dead-letter-sink", "Dead letters");

    private final String uid;
    private final String displayName;

    OperatorIds(String uid, String displayName) {
        this.uid = uid;
        this.displayName = displayName;
    }

    public String uid() {
        return uid;
    }

    public String displayName() {
        return displayName;
    }
}

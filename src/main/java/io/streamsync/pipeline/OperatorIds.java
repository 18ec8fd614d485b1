package io.streamsync.pipeline;

/**
 * The uid and name of every operator of the job, in one place. Uids are part of every savepoint:
 * never change one of an operator that keeps state, or its state is lost on upgrade (restoring then
 * needs --allowNonRestoredState).
 */
public enum OperatorIds {
    /** The change-stream source on DynamoDB Streams (FLIP-27, since 0.2.0). */
    SOURCE("dynamodb-streams-shard-source", "DynamoDB Streams source"),
    /** The change-stream source on Kinesis Data Streams (FLIP-27, since 0.2.0). */
    KINESIS_SOURCE("kinesis-shard-source", "Kinesis stream source"),
    /**
     * 0.1.0's flink-connector-kinesis consumers (Kryo state). Retired: a 0.1.0 savepoint's state of
     * these is not restored (restore with --allowNonRestoredState); kept so that no operator ever
     * takes these uids again.
     */
    LEGACY_SOURCE("dynamodb-stream-source", "DynamoDB stream source (legacy connector)"),
    LEGACY_KINESIS_SOURCE("kinesis-stream-source", "Kinesis stream source (legacy connector)"),
    BOOTSTRAP_SCAN("bootstrap-table-scan", "Bootstrap table scan"),
    /**
     * Carries out the configured repair request once (since issue 30; in the job only while {@code
     * repair.request} is set; its state: the request ids taken on).
     */
    REPAIR_SOURCE("repair-requests", "Repair requests"),
    PARSE("parse-change-records", "Parse change records"),
    AGGREGATE("list-aggregator", "Per-list aggregates"),
    AGGREGATE_TABLE_SINK("aggregate-table-sink", "DynamoDB aggregate table"),
    /** Publishes the aggregate table's caught-up status row (no state; freshness.md). */
    AGGREGATE_TABLE_STATUS("aggregate-table-caught-up", "Aggregate table caught-up status"),
    AGGREGATE_DOCUMENTS("aggregate-documents", "Aggregate documents"),
    ITEM_DOCUMENTS("item-documents", "Item documents"),
    WINDOW_DOCUMENTS("window-documents", "Window documents"),
    SEARCH_SINK("search-index-sink", "Search index"),
    /** Publishes the aggregate index's caught-up status document (no state; freshness.md). */
    SEARCH_STATUS("search-index-caught-up", "Search index caught-up status"),
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

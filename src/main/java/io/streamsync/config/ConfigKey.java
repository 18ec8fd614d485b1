package io.streamsync.config;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every configuration key the job reads, with its default and meaning. The docs' configuration
 * reference is generated from this list and the deployment template is checked against it, so it is
 * the single source of truth.
 *
 * <p>Keys are flat ({@code source.table.name}). On Managed Service for Apache Flink a property
 * group {@code source} with the key {@code table.name} gives the same key: the group id is the
 * prefix.
 */
public enum ConfigKey {
    JOB_NAME("job.name", "streamsync", "Name of the Flink job."),
    JOB_PARALLELISM(
            "job.parallelism", "0", "Default operator parallelism; 0 keeps the cluster's default."),
    CHECKPOINT_INTERVAL_MS(
            "checkpoint.interval.ms",
            "10000",
            "Exactly-once checkpoint interval (ms); outputs are published when a checkpoint completes, so this adds up to its length to their delay."),
    CHECKPOINT_TIMEOUT_MS(
            "checkpoint.timeout.ms", "600000", "A checkpoint taking longer is aborted (ms)."),
    CHECKPOINT_DIR(
            "checkpoint.dir",
            "",
            "Checkpoint storage directory (file:// or s3://); empty: the cluster's (Managed Service for Apache Flink manages it)."),
    STATE_BACKEND(
            "state.backend",
            "cluster",
            "cluster (leave it to the cluster, as on Managed Service for Apache Flink), hashmap or rocksdb."),
    RESTART_ATTEMPTS(
            "restart.attempts",
            "2147483647",
            "Fixed-delay restart strategy: attempts before the job fails for good."),
    RESTART_DELAY_MS(
            "restart.delay.ms",
            "5000",
            "Fixed-delay restart strategy: pause between attempts (ms)."),

    AWS_REGION(
            "aws.region", "us-east-1", "AWS region of the source table and the aggregate table."),
    AWS_ENDPOINT(
            "aws.endpoint",
            "",
            "Endpoint override for DynamoDB and DynamoDB Streams (e.g. http://127.0.0.1:8000 for a local moto server); empty on AWS."),
    AWS_STREAMS_ENDPOINT(
            "aws.streams.endpoint",
            "",
            "Endpoint override for DynamoDB Streams alone (an interface VPC endpoint of DynamoDB Streams has no private DNS: give its endpoint-specific https:// host name); empty: aws.endpoint."),
    AWS_CREDENTIALS_PROVIDER(
            "aws.credentials.provider",
            "AUTO",
            "AUTO (default provider chain: the application's IAM role on AWS) or BASIC (the two keys below)."),
    AWS_ACCESS_KEY_ID(
            "aws.credentials.access.key.id", "", "Access key id when the provider is BASIC."),
    AWS_SECRET_ACCESS_KEY(
            "aws.credentials.secret.access.key", "", "Secret key when the provider is BASIC."),

    SECURITY_ALLOW_REMOTE_HTTP(
            "security.allow.remote.http",
            "false",
            "false: http:// is refused in sink.search.hosts, aws.endpoint, aws.streams.endpoint and source.kinesis.endpoint unless the host is loopback (127.0.0.0/8, ::1, localhost); true allows cleartext to remote hosts (a test network only: data, signatures and a basic-auth password travel unencrypted)."),

    SOURCE_TYPE(
            "source.type",
            "dynamodb-streams",
            "Change stream to read: dynamodb-streams (the table's DynamoDB stream) or kinesis (Kinesis Data Streams for DynamoDB)."),
    SOURCE_TABLE_NAME(
            "source.table.name",
            "todoListTask",
            "Source table; its LatestStreamArn is looked up when source.stream.arn is empty."),
    SOURCE_STREAM_ARN(
            "source.stream.arn",
            "",
            "DynamoDB stream ARN to read; empty: look it up from the table."),
    SOURCE_INITIAL_POSITION(
            "source.initial.position",
            "TRIM_HORIZON",
            "Where a job without state starts reading: TRIM_HORIZON (all the stream keeps), LATEST (the head of the shards open at the first start; shards created later are read from their beginning), or AT_TIMESTAMP (Kinesis only, see source.initial.timestamp)."),
    SOURCE_INITIAL_TIMESTAMP(
            "source.initial.timestamp",
            "",
            "With source.initial.position AT_TIMESTAMP: an ISO-8601 instant (2026-12-01T10:00:00Z) or epoch milliseconds."),
    SOURCE_POLL_INTERVAL_MS(
            "source.poll.interval.ms",
            "200",
            "Least pause between two GetRecords calls on one shard (ms); 200 keeps within DynamoDB Streams' 5 calls per second per shard."),
    SOURCE_GETRECORDS_MAX_RECORDS(
            "source.getrecords.max.records",
            "1000",
            "Records asked for per GetRecords call (DynamoDB Streams returns at most 1000, Kinesis 10000)."),
    SOURCE_ON_TRIMMED_DATA(
            "source.on.trimmed.data",
            "fail",
            "When a shard position is older than the stream keeps: fail (the job fails, naming the shard, the last sequence number read and since when data is lost) or continue (go on from TRIM_HORIZON; the gap is counted in trimmedDataGaps, logged, and written as a dead letter)."),
    SOURCE_RETRY_TIMEOUT_MS(
            "source.retry.timeout.ms",
            "300000",
            "How long reading a shard may keep failing (throttled, server errors, unreachable; retried with backoff and jitter) before the job fails over (ms)."),
    SOURCE_WATERMARK_OUT_OF_ORDERNESS_MS(
            "source.watermark.out.of.orderness.ms",
            "2000",
            "Event time (a record's ApproximateCreationDateTime) may go back this much within a shard; the shard's watermark is its latest event time minus this (DynamoDB rounds creation times down to the second) (ms)."),
    SOURCE_WATERMARK_HEAD_DELAY_MS(
            "source.watermark.head.delay.ms",
            "3000",
            "A shard found at the head of its stream moves its watermark on to now minus this and the out-of-orderness, so that a quiet stream does not hold event time back; it covers the stream's delivery delay and clock skew (ms)."),
    SOURCE_SHARD_DISCOVERY_INTERVAL_MS(
            "source.shard.discovery.interval.ms",
            "10000",
            "How often new shards are looked for (ms)."),

    SOURCE_KINESIS_STREAM(
            "source.kinesis.stream",
            "",
            "Kinesis data stream (name or ARN) the table streams its changes to; required when source.type is kinesis."),
    SOURCE_KINESIS_ENDPOINT(
            "source.kinesis.endpoint",
            "",
            "Endpoint override for Kinesis (e.g. http://127.0.0.1:4567 for kinesalite); empty on AWS."),

    BOOTSTRAP_MODE(
            "bootstrap.mode",
            "none",
            "none, or scan: on a start without state, also read the whole source table (parallel Scan) so counts and index include items older than the stream."),
    BOOTSTRAP_SCAN_SEGMENTS(
            "bootstrap.scan.segments",
            "0",
            "Scan segments (TotalSegments, 1-1000000), handed to the readers one at a time; 0: four per source subtask."),
    BOOTSTRAP_SCAN_PAGE_SIZE(
            "bootstrap.scan.page.size",
            "0",
            "Items per Scan page (Limit); 0: DynamoDB's 1 MB pages."),
    BOOTSTRAP_SCAN_READ_UNITS_PER_SECOND(
            "bootstrap.scan.read.units.per.second",
            "0",
            "Read capacity units per second the whole scan may use (shared by its readers); 0: no limit."),
    BOOTSTRAP_SCAN_CONSISTENT_READ(
            "bootstrap.scan.consistent.read",
            "false",
            "Strongly consistent Scan (twice the read units); not needed for exact results, see the docs (bootstrap.md)."),
    BOOTSTRAP_SCAN_PROGRESS_INTERVAL_MS(
            "bootstrap.scan.progress.interval.ms",
            "30000",
            "How often the scan logs its progress (ms)."),
    BOOTSTRAP_SCAN_ID(
            "bootstrap.scan.id",
            "1",
            "Identity of the scan: a restored job scans again only when this changes (a new value is a new scan operator)."),

    SOURCE_MAX_RECORD_BYTES(
            "source.max.record.bytes",
            "1048576",
            "A change record larger than this is a dead letter (DynamoDB items are at most 400 KB; a record holds two images)."),

    FILTER_PATTERNS(
            "filter.patterns",
            "",
            "Event filter: one pattern or a JSON array of patterns in the syntax of Lambda filter criteria (EventBridge patterns), on the change record; empty: no filter."),

    TABLE_PARTITION_KEY(
            "table.partition.key",
            "listId",
            "Partition-key attribute of the source table: the aggregation key."),
    TABLE_SORT_KEY(
            "table.sort.key",
            "taskId",
            "Sort-key attribute of the source table; empty for a simple primary key."),

    AGGREGATE_WINDOW_MS(
            "aggregate.window.ms",
            "10000",
            "Tumbling window (by the record's creation time): one aggregate per list per window at most."),
    AGGREGATE_WINDOW_ALLOWED_LATENESS_MS(
            "aggregate.window.allowed.lateness.ms",
            "0",
            "How long after the watermark passes a window's end the window still takes changes; it is published (final) then. A change later than that is counted in 'lateChanges' and dead-lettered; the live count still takes it (ms)."),
    AGGREGATE_TOMBSTONE_RETENTION_MS(
            "aggregate.tombstone.retention.ms",
            "3600000",
            "How long a removed item's last sequence number is kept to reject late or repeated older changes (ms)."),
    AGGREGATE_EMPTY_LIST_RETENTION_MS(
            "aggregate.empty.list.retention.ms",
            "86400000",
            "A list with no items and no change for this long has all its state dropped (ms)."),

    AGGREGATE_TTL_EXPIRY(
            "aggregate.ttl.expiry",
            "remove",
            "What a TTL deletion does: remove (the item leaves the count and the index) or keep (counted and indexed on, for archives); counted in 'expired' either way."),

    SINK_DYNAMODB_ENABLED(
            "sink.dynamodb.enabled", "true", "Write aggregates to the DynamoDB aggregate table."),
    SINK_DYNAMODB_TABLE(
            "sink.dynamodb.table",
            "todoTaskCount",
            "Aggregate table (partition key: the list id, type S)."),
    SINK_DYNAMODB_KEY(
            "sink.dynamodb.key", "listId", "Partition-key attribute name of the aggregate table."),
    SINK_DYNAMODB_MAX_BATCH_SIZE(
            "sink.dynamodb.max.batch.size",
            "25",
            "Conditional PutItems per group (1-100); a committer subtask has max.batch.size x max.in.flight.requests PutItems under way at once."),
    SINK_DYNAMODB_MAX_IN_FLIGHT(
            "sink.dynamodb.max.in.flight.requests",
            "4",
            "Groups of PutItems under way at once per committer subtask (order does not matter: writes are version-guarded)."),

    SINK_SEARCH_ENABLED(
            "sink.search.enabled", "true", "Write aggregate and item documents to Elasticsearch."),
    SINK_SEARCH_HOSTS(
            "sink.search.hosts",
            "http://127.0.0.1:9200",
            "Comma-separated node URLs (scheme://host:port)."),
    SINK_SEARCH_ENGINE(
            "sink.search.engine",
            "elasticsearch",
            "elasticsearch (7.x) or opensearch (1.x, 2.x, Amazon OpenSearch Service): whose REST client talks to the hosts."),
    SINK_SEARCH_AUTH(
            "sink.search.auth",
            "none",
            "none, basic (user and password) or sigv4 (AWS IAM request signing: Amazon OpenSearch Service, OpenSearch Serverless)."),
    SINK_SEARCH_USERNAME("sink.search.username", "", "User for basic auth."),
    SINK_SEARCH_PASSWORD_ENV(
            "sink.search.password.env",
            "",
            "Name of the environment variable that holds the basic-auth password."),
    SINK_SEARCH_PASSWORD_SECRET(
            "sink.search.password.secret",
            "",
            "AWS Secrets Manager secret (name or ARN) that holds the basic-auth password: plain text, or JSON with a 'password' field."),
    SINK_SEARCH_SIGV4_REGION(
            "sink.search.sigv4.region", "", "Region of the domain for SigV4; empty: aws.region."),
    SINK_SEARCH_SIGV4_SERVICE(
            "sink.search.sigv4.service",
            "es",
            "SigV4 service name: es (Amazon OpenSearch Service) or aoss (OpenSearch Serverless)."),
    SINK_SEARCH_TLS_CA_FILE(
            "sink.search.tls.ca.file",
            "",
            "PEM file of the CA certificates to trust for https hosts instead of the JVM's trust store (self-managed clusters); classpath:NAME reads it from the job jar."),
    SINK_SEARCH_ITEM_MAPPING_FILE(
            "sink.search.item.mapping.file",
            "",
            "JSON file with the item index's settings and mappings (like conf/item-index.json); empty: the built-in one; classpath:NAME reads it from the job jar."),
    SINK_SEARCH_WRITE_ALIAS(
            "sink.search.write.alias",
            "false",
            "true: the index names are write aliases; a missing one is created as NAME-000001 behind the alias, so data can be reindexed and the alias moved without downtime."),
    SINK_SEARCH_AGGREGATE_INDEX(
            "sink.search.aggregate.index",
            "todo-task-count",
            "Index of the per-list aggregate documents."),
    SINK_SEARCH_ITEM_INDEX(
            "sink.search.item.index",
            "todo-list-task",
            "Index of the items themselves (one document per item); empty: do not index items."),
    SINK_SEARCH_WINDOWS_INDEX(
            "sink.search.windows.index",
            "todo-task-windows",
            "Index of the windows history: one document per list and final window with activity (id: list id and window start); empty: no history."),
    SINK_SEARCH_BULK_MAX_ACTIONS(
            "sink.search.bulk.max.actions", "1000", "Most actions in one bulk request."),
    SINK_SEARCH_BULK_MAX_BYTES(
            "sink.search.bulk.max.bytes",
            "5242880",
            "Most bytes in one bulk request (Amazon OpenSearch Service refuses bodies over 10 MiB on small instance types); a request answered 413 is split, a document larger than this alone is rejected."),
    SINK_SEARCH_MAX_IN_FLIGHT(
            "sink.search.max.in.flight.requests",
            "4",
            "Concurrent bulk requests per committer subtask (order does not matter: writes are version-guarded)."),

    SINK_CAUGHT_UP_STATUS(
            "sink.caught.up.status",
            "true",
            "true: publish how far each output has caught up, as the row '|streamsync:caught-up' of the aggregate table and the document of that id in the aggregate index, after each checkpoint's publication (freshness.md); false: neither (readers that cannot skip a row that is no list)."),

    SINK_COMMIT_RETRY_TIMEOUT_MS(
            "sink.commit.retry.timeout.ms",
            "300000",
            "How long the writes of a completed checkpoint's outputs may keep failing (throttled, 5xx answers, unreachable target) without any of them going through before the job fails over (it is published again after the restore); any progress starts the period again, so a long publication is never cut short by it (ms)."),

    RECONCILE_MODE(
            "reconcile.mode",
            "none",
            "none: run the job; report: run the read-only reconciliation report (source table against the aggregate table, the aggregate documents and the item index) as a bounded job, then stop (see the docs, reconciliation.md)."),
    RECONCILE_READ_UNITS_PER_SECOND(
            "reconcile.read.units.per.second",
            "0",
            "Read capacity units per second the report may use on the source and aggregate tables (its Scan, Query and GetItem calls together); 0: no limit."),
    RECONCILE_SCAN_SEGMENTS(
            "reconcile.scan.segments",
            "8",
            "Parallel Scan segments (and threads) of the report's table scan (1-1000)."),
    RECONCILE_MARGIN_MS(
            "reconcile.margin.ms",
            "30000",
            "Margin of the drift-or-lag rule (ms): at least the job's stream lag plus the time it takes to publish a checkpoint's outputs."),
    RECONCILE_SETTLE_MS(
            "reconcile.settle.ms",
            "0",
            "How long after the first look the second look comes (ms); 0: aggregate.window.ms + checkpoint.interval.ms + reconcile.margin.ms. A difference is drift only if it is still there and the outputs did not move."),
    RECONCILE_OUTPUT_PATH(
            "reconcile.output.path",
            "",
            "Where the report is written (a file: local path, file:// or s3://): one JSON line per list with a difference, then the summary line; empty: the log."),
    RECONCILE_METRICS_HOLD_MS(
            "reconcile.metrics.hold.ms",
            "0",
            "How long the report job stays up after the report, so that its metrics are sent (Managed Service for Apache Flink sends them every minute: 120000 there) (ms)."),
    REPAIR_REQUEST(
            "repair.request",
            "none",
            "none, or a repair request the running job carries out once: ID=LIST[,LIST...] (the lists named) or ID=drifted:PATH (the drifted lists of a reconciliation report); a new repair needs a new ID (see the docs, reconciliation.md)."),
    REPAIR_READ_MARGIN_MS(
            "repair.read.margin.ms",
            "2000",
            "Subtracted from the time a repair's read of a list starts to give its read time (ms, at least 1000): at least the rounding of the stream's creation times (1 s on DynamoDB Streams) plus the clock skew."),
    REPAIR_REPORT_RETRY_MS(
            "repair.report.retry.ms",
            "60000",
            "How often the report of a drifted: request that cannot be read (missing, unreadable, a malformed line) is read again until it reads (ms, 1000 to 86400000); each failed read counts in repairReportsUnreadable."),

    DEADLETTER_PATH(
            "deadletter.path",
            "",
            "Directory (file:// or s3://) for rejected records, one JSON line each; empty: log them at WARN."),
    DEADLETTER_MAX_RECORD_BYTES(
            "deadletter.max.record.bytes",
            "16384",
            "How much of a rejected raw record is kept in its dead letter.");

    private static final Map<String, ConfigKey> BY_KEY;

    static {
        Map<String, ConfigKey> m = new LinkedHashMap<>();
        Arrays.stream(values()).forEach(k -> m.put(k.key, k));
        BY_KEY = Collections.unmodifiableMap(m);
    }

    private final String key;
    private final String defaultValue;
    private final String description;

    ConfigKey(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** All keys by name, in declaration order. */
    public static Map<String, ConfigKey> byKey() {
        return BY_KEY;
    }

    /**
     * Whether the key's value is secret: it is never logged ({@link JobConfig#describe()}, error
     * messages) and never serialized ({@link Secret}). The access key id is no password but names
     * the credential, so it is not logged either.
     */
    public boolean secret() {
        return this == AWS_ACCESS_KEY_ID || this == AWS_SECRET_ACCESS_KEY;
    }

    /**
     * The value that unsets an {@link #unsettable()} key where values cannot be empty (MSF's
     * properties).
     */
    public static final String NONE = "none";

    /**
     * Whether an empty value means something for this key (its default is empty, or it turns a
     * feature off: {@code table.sort.key}, {@code sink.search.item.index}). Such a key also takes
     * {@value #NONE} for empty, because Managed Service for Apache Flink refuses empty property
     * values.
     */
    public boolean unsettable() {
        return defaultValue.isEmpty()
                || this == TABLE_SORT_KEY
                || this == SINK_SEARCH_ITEM_INDEX
                || this == SINK_SEARCH_WINDOWS_INDEX;
    }
}

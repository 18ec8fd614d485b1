package io.streamsync.config;

import io.streamsync.change.KeySchema;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The job's whole configuration, parsed and validated once at start-up. Immutable and serializable,
 * so operators can carry the parts they need. Every problem is reported at once, each naming the
 * key, the value and what is expected; unknown keys are errors too (a typo must not silently fall
 * back to a default).
 */
public final class JobConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where the job's state lives between checkpoints. */
    public enum StateBackend {
        CLUSTER,
        HASHMAP,
        ROCKSDB
    }

    /** Which AWS credentials the clients use. */
    public enum CredentialsProvider {
        AUTO,
        BASIC
    }

    /** Whether a job without state also reads the whole table. */
    public enum BootstrapMode {
        NONE,
        SCAN
    }

    /** Which search engine's client the job uses. */
    public enum SearchEngine {
        ELASTICSEARCH,
        OPENSEARCH
    }

    /** How the job authenticates to the search cluster. */
    public enum SearchAuth {
        NONE,
        BASIC,
        SIGV4
    }

    /** Where a job without state starts reading the stream. */
    public enum InitialPosition {
        TRIM_HORIZON,
        LATEST,
        AT_TIMESTAMP
    }

    private final Map<String, String> values;

    /** True when read from the application properties of Managed Service for Apache Flink. */
    public final boolean managedFlink;

    public final String jobName;
    public final int parallelism;
    public final Duration checkpointInterval;
    public final Duration checkpointTimeout;

    /** Checkpoint storage directory, or null for the cluster's. */
    public final String checkpointDir;

    public final StateBackend stateBackend;
    public final int restartAttempts;
    public final Duration restartDelay;

    public final String awsRegion;

    /** Endpoint override, or null on AWS. */
    public final URI awsEndpoint;

    /**
     * DynamoDB Streams endpoint override ({@code aws.streams.endpoint}, else {@link #awsEndpoint}),
     * or null on AWS.
     */
    public final URI awsStreamsEndpoint;

    /** True: http:// to a remote host is allowed ({@code security.allow.remote.http}). */
    public final boolean allowRemoteHttp;

    public final CredentialsProvider credentialsProvider;
    public final String accessKeyId;

    /** Transient: never serialized with the job (see {@link Secret}). */
    public final Secret secretAccessKey;

    public final String sourceType;
    public final String sourceTableName;

    /** The stream ARN given in config, or null when it is to be looked up from the table. */
    public final String sourceStreamArn;

    public final InitialPosition initialPosition;
    public final Duration pollInterval;
    public final Duration shardDiscoveryInterval;
    public final Duration watermarkOutOfOrderness;
    public final Duration watermarkHeadDelay;

    public final int maxRecordBytes;

    /**
     * Kinesis stream name (from the name or ARN given), or null when the source is DynamoDB
     * Streams.
     */
    public final String kinesisStream;

    /** Kinesis endpoint override, or null on AWS. */
    public final URI kinesisEndpoint;

    /** With {@link InitialPosition#AT_TIMESTAMP}: where to start; else null. */
    public final java.time.Instant initialTimestamp;

    public final int maxRecordsPerCall;
    public final boolean continueOnTrimmedData;
    public final Duration sourceRetryTimeout;

    public final BootstrapMode bootstrapMode;

    /** Scan segments, or 0 for four per source subtask. */
    public final int bootstrapScanSegments;

    /** Scan page size (Limit), or 0 for DynamoDB's 1 MB pages. */
    public final int bootstrapScanPageSize;

    /** Read units per second for the whole scan, or 0 for no limit. */
    public final double bootstrapScanReadUnitsPerSecond;

    public final boolean bootstrapScanConsistentRead;
    public final Duration bootstrapScanProgressInterval;
    public final String bootstrapScanId;

    public final KeySchema keySchema;

    /**
     * The event filter's patterns ({@code filter.patterns}), or null when every record counts. The
     * filter stage parses them ({@code EventFilter.fromConfig}); the start fails on an invalid one,
     * naming this key.
     */
    public final String filterPatterns;

    public final Duration windowSize;

    /** How long a window still takes changes after the watermark passes its end. */
    public final Duration allowedLateness;

    public final Duration tombstoneRetention;
    public final Duration emptyListRetention;

    /** True: a TTL deletion removes the item; false: it stays counted and indexed. */
    public final boolean ttlExpiryRemoves;

    public final boolean dynamoSinkEnabled;

    /** Publish the caught-up status row and document (freshness.md). */
    public final boolean caughtUpStatus;

    public final String aggregateTable;
    public final String aggregateTableKey;
    public final int dynamoMaxBatchSize;
    public final int dynamoMaxInFlight;

    public final boolean searchSinkEnabled;
    public final List<URI> searchHosts;
    public final SearchEngine searchEngine;
    public final SearchAuth searchAuth;
    public final String searchUsername;

    /** Environment variable with the password, or null. */
    public final String searchPasswordEnv;

    /** Secrets Manager secret with the password, or null. */
    public final String searchPasswordSecret;

    public final String searchSigV4Region;
    public final String searchSigV4Service;

    /** PEM file (or classpath:NAME) of the CAs to trust, or null for the JVM's trust store. */
    public final String searchTlsCaFile;

    /** Item index settings and mappings file (or classpath:NAME), or null for the built-in ones. */
    public final String itemMappingFile;

    public final boolean searchWriteAlias;
    public final String aggregateIndex;

    /** Index of the items, or null when items are not indexed. */
    public final String itemIndex;

    /** Index of the windows history, or null when it is not written. */
    public final String windowsIndex;

    public final int bulkMaxActions;
    public final long bulkMaxBytes;
    public final int searchMaxInFlight;

    /** How long publishing one completed checkpoint's outputs retries before the job fails over. */
    public final Duration commitRetryTimeout;

    /** Dead-letter directory, or null to log dead letters. */
    public final String deadLetterPath;

    public final int deadLetterMaxRecordBytes;

    private JobConfig(Reader r, Secret.Origin origin) {
        this.values = Collections.unmodifiableMap(r.masked());
        managedFlink = r.managedFlink;
        jobName = r.nonEmpty(ConfigKey.JOB_NAME);
        parallelism = r.integer(ConfigKey.JOB_PARALLELISM, 0, 4096);
        checkpointInterval = r.millis(ConfigKey.CHECKPOINT_INTERVAL_MS, 100);
        checkpointTimeout = r.millis(ConfigKey.CHECKPOINT_TIMEOUT_MS, 1000);
        String dir = r.raw(ConfigKey.CHECKPOINT_DIR);
        checkpointDir = dir.isEmpty() ? null : dir;
        r.require(
                checkpointDir == null || checkpointDir.matches("[a-z0-9]+://.+"),
                ConfigKey.CHECKPOINT_DIR,
                "must be an absolute URI such as file:///var/flink/checkpoints or s3://bucket/checkpoints");
        stateBackend = r.enumValue(ConfigKey.STATE_BACKEND, StateBackend.class);
        restartAttempts = r.integer(ConfigKey.RESTART_ATTEMPTS, 0, Integer.MAX_VALUE);
        restartDelay = r.millis(ConfigKey.RESTART_DELAY_MS, 0);

        awsRegion = r.nonEmpty(ConfigKey.AWS_REGION);
        allowRemoteHttp = r.bool(ConfigKey.SECURITY_ALLOW_REMOTE_HTTP);
        awsEndpoint = r.endpoint(ConfigKey.AWS_ENDPOINT, allowRemoteHttp);
        URI streams = r.endpoint(ConfigKey.AWS_STREAMS_ENDPOINT, allowRemoteHttp);
        awsStreamsEndpoint = streams != null ? streams : awsEndpoint;
        credentialsProvider =
                r.enumValue(ConfigKey.AWS_CREDENTIALS_PROVIDER, CredentialsProvider.class);
        accessKeyId = r.raw(ConfigKey.AWS_ACCESS_KEY_ID);
        secretAccessKey =
                new Secret(
                        ConfigKey.AWS_SECRET_ACCESS_KEY,
                        r.raw(ConfigKey.AWS_SECRET_ACCESS_KEY),
                        origin);
        if (credentialsProvider == CredentialsProvider.BASIC) {
            r.require(
                    !accessKeyId.isEmpty(),
                    ConfigKey.AWS_ACCESS_KEY_ID,
                    "is required when aws.credentials.provider is BASIC");
            r.require(
                    !secretAccessKey.isEmpty(),
                    ConfigKey.AWS_SECRET_ACCESS_KEY,
                    "is required when aws.credentials.provider is BASIC");
        }

        sourceType = r.oneOf(ConfigKey.SOURCE_TYPE, "dynamodb-streams", "kinesis");
        sourceTableName = r.raw(ConfigKey.SOURCE_TABLE_NAME);
        String arn = r.raw(ConfigKey.SOURCE_STREAM_ARN);
        sourceStreamArn = arn.isEmpty() ? null : arn;
        if (sourceStreamArn == null) {
            r.require(
                    !sourceTableName.isEmpty(),
                    ConfigKey.SOURCE_TABLE_NAME,
                    "is required when source.stream.arn is empty (the stream is looked up from the table)");
        } else {
            r.require(
                    sourceStreamArn.startsWith("arn:")
                            && sourceStreamArn.contains(":table/")
                            && sourceStreamArn.contains("/stream/"),
                    ConfigKey.SOURCE_STREAM_ARN,
                    "must be a DynamoDB stream ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL)");
        }
        initialPosition = r.enumValue(ConfigKey.SOURCE_INITIAL_POSITION, InitialPosition.class);
        pollInterval = r.millis(ConfigKey.SOURCE_POLL_INTERVAL_MS, 1);
        shardDiscoveryInterval = r.millis(ConfigKey.SOURCE_SHARD_DISCOVERY_INTERVAL_MS, 100);
        watermarkOutOfOrderness = r.millis(ConfigKey.SOURCE_WATERMARK_OUT_OF_ORDERNESS_MS, 0);
        watermarkHeadDelay = r.millis(ConfigKey.SOURCE_WATERMARK_HEAD_DELAY_MS, 0);

        maxRecordBytes = r.integer(ConfigKey.SOURCE_MAX_RECORD_BYTES, 1024, Integer.MAX_VALUE);

        String stream = r.raw(ConfigKey.SOURCE_KINESIS_STREAM);
        if (stream.startsWith("arn:")) {
            r.require(
                    stream.matches("arn:[^:]+:kinesis:[^:]*:[^:]*:stream/[A-Za-z0-9_.-]+"),
                    ConfigKey.SOURCE_KINESIS_STREAM,
                    "must be a stream name or a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)");
            stream = stream.substring(stream.indexOf(":stream/") + 8);
        }
        kinesisStream = isKinesis() ? stream : null;
        if (isKinesis()) {
            r.require(
                    !stream.isEmpty(),
                    ConfigKey.SOURCE_KINESIS_STREAM,
                    "is required when source.type is kinesis");
        }
        kinesisEndpoint = r.endpoint(ConfigKey.SOURCE_KINESIS_ENDPOINT, allowRemoteHttp);
        String timestamp = r.raw(ConfigKey.SOURCE_INITIAL_TIMESTAMP);
        java.time.Instant at = null;
        if (initialPosition == InitialPosition.AT_TIMESTAMP) {
            r.require(
                    isKinesis(),
                    ConfigKey.SOURCE_INITIAL_POSITION,
                    "AT_TIMESTAMP is for source.type kinesis only"
                            + " (DynamoDB Streams has no timestamp iterator)");
            at = parseInstant(timestamp);
            r.require(
                    at != null,
                    ConfigKey.SOURCE_INITIAL_TIMESTAMP,
                    "must be an ISO-8601 instant (2026-12-01T10:00:00Z) or"
                            + " epoch milliseconds when source.initial.position is AT_TIMESTAMP, not '"
                            + timestamp
                            + "'");
        } else {
            r.require(
                    timestamp.isEmpty(),
                    ConfigKey.SOURCE_INITIAL_TIMESTAMP,
                    "is only used when source.initial.position is AT_TIMESTAMP");
        }
        initialTimestamp = at;
        maxRecordsPerCall = r.integer(ConfigKey.SOURCE_GETRECORDS_MAX_RECORDS, 1, 10_000);
        continueOnTrimmedData =
                r.oneOf(ConfigKey.SOURCE_ON_TRIMMED_DATA, "fail", "continue").equals("continue");
        sourceRetryTimeout = r.millis(ConfigKey.SOURCE_RETRY_TIMEOUT_MS, 1000);

        bootstrapMode = r.enumValue(ConfigKey.BOOTSTRAP_MODE, BootstrapMode.class);
        bootstrapScanSegments = r.integer(ConfigKey.BOOTSTRAP_SCAN_SEGMENTS, 0, 1_000_000);
        bootstrapScanPageSize = r.integer(ConfigKey.BOOTSTRAP_SCAN_PAGE_SIZE, 0, Integer.MAX_VALUE);
        bootstrapScanReadUnitsPerSecond =
                r.decimal(ConfigKey.BOOTSTRAP_SCAN_READ_UNITS_PER_SECOND, 0);
        bootstrapScanConsistentRead = r.bool(ConfigKey.BOOTSTRAP_SCAN_CONSISTENT_READ);
        bootstrapScanProgressInterval =
                r.millis(ConfigKey.BOOTSTRAP_SCAN_PROGRESS_INTERVAL_MS, 100);
        bootstrapScanId = r.nonEmpty(ConfigKey.BOOTSTRAP_SCAN_ID);
        r.require(
                bootstrapScanId.matches("[A-Za-z0-9_.-]{1,64}"),
                ConfigKey.BOOTSTRAP_SCAN_ID,
                "must be 1-64 letters, digits, '.', '_' or '-' (it is part of an operator uid)");
        if (bootstrapMode == BootstrapMode.SCAN) {
            r.require(
                    initialPosition == InitialPosition.TRIM_HORIZON,
                    ConfigKey.SOURCE_INITIAL_POSITION,
                    "must be TRIM_HORIZON when bootstrap.mode is scan (with LATEST, changes made while the stream"
                            + " reader starts could be missed by both the stream and the scan)");
        }
        String patterns = r.raw(ConfigKey.FILTER_PATTERNS);
        filterPatterns = patterns.isEmpty() ? null : patterns;
        keySchema =
                new KeySchema(
                        r.nonEmpty(ConfigKey.TABLE_PARTITION_KEY), r.raw(ConfigKey.TABLE_SORT_KEY));
        r.require(
                !r.raw(ConfigKey.TABLE_PARTITION_KEY).equals(r.raw(ConfigKey.TABLE_SORT_KEY)),
                ConfigKey.TABLE_SORT_KEY,
                "must differ from table.partition.key");

        windowSize = r.millis(ConfigKey.AGGREGATE_WINDOW_MS, 100);
        allowedLateness = r.millis(ConfigKey.AGGREGATE_WINDOW_ALLOWED_LATENESS_MS, 0);
        tombstoneRetention = r.millis(ConfigKey.AGGREGATE_TOMBSTONE_RETENTION_MS, 1000);
        emptyListRetention = r.millis(ConfigKey.AGGREGATE_EMPTY_LIST_RETENTION_MS, 1000);
        ttlExpiryRemoves =
                r.oneOf(ConfigKey.AGGREGATE_TTL_EXPIRY, "remove", "keep").equals("remove");
        r.require(
                emptyListRetention.compareTo(tombstoneRetention) >= 0,
                ConfigKey.AGGREGATE_EMPTY_LIST_RETENTION_MS,
                "must be at least aggregate.tombstone.retention.ms ("
                        + tombstoneRetention.toMillis()
                        + ")");

        dynamoSinkEnabled = r.bool(ConfigKey.SINK_DYNAMODB_ENABLED);
        caughtUpStatus = r.bool(ConfigKey.SINK_CAUGHT_UP_STATUS);
        aggregateTable = r.nonEmpty(ConfigKey.SINK_DYNAMODB_TABLE);
        aggregateTableKey = r.nonEmpty(ConfigKey.SINK_DYNAMODB_KEY);
        dynamoMaxBatchSize = r.integer(ConfigKey.SINK_DYNAMODB_MAX_BATCH_SIZE, 1, 100);
        dynamoMaxInFlight = r.integer(ConfigKey.SINK_DYNAMODB_MAX_IN_FLIGHT, 1, 10_000);

        searchSinkEnabled = r.bool(ConfigKey.SINK_SEARCH_ENABLED);
        searchHosts = searchSinkEnabled ? r.uriList(ConfigKey.SINK_SEARCH_HOSTS) : List.of();
        for (URI host : searchHosts) {
            r.requireTls(ConfigKey.SINK_SEARCH_HOSTS, host, allowRemoteHttp);
        }
        searchEngine = r.enumValue(ConfigKey.SINK_SEARCH_ENGINE, SearchEngine.class);
        searchAuth = r.enumValue(ConfigKey.SINK_SEARCH_AUTH, SearchAuth.class);
        searchUsername = r.raw(ConfigKey.SINK_SEARCH_USERNAME);
        searchPasswordEnv = r.optional(ConfigKey.SINK_SEARCH_PASSWORD_ENV);
        searchPasswordSecret = r.optional(ConfigKey.SINK_SEARCH_PASSWORD_SECRET);
        String sigRegion = r.raw(ConfigKey.SINK_SEARCH_SIGV4_REGION);
        searchSigV4Region = sigRegion.isEmpty() ? awsRegion : sigRegion;
        searchSigV4Service = r.oneOf(ConfigKey.SINK_SEARCH_SIGV4_SERVICE, "es", "aoss");
        searchTlsCaFile = r.optional(ConfigKey.SINK_SEARCH_TLS_CA_FILE);
        itemMappingFile = r.optional(ConfigKey.SINK_SEARCH_ITEM_MAPPING_FILE);
        searchWriteAlias = r.bool(ConfigKey.SINK_SEARCH_WRITE_ALIAS);
        if (searchSinkEnabled && searchAuth == SearchAuth.BASIC) {
            r.require(
                    !searchUsername.isEmpty(),
                    ConfigKey.SINK_SEARCH_USERNAME,
                    "is required when sink.search.auth is basic");
            r.require(
                    (searchPasswordEnv == null) != (searchPasswordSecret == null),
                    ConfigKey.SINK_SEARCH_PASSWORD_ENV,
                    "or sink.search.password.secret (exactly one of them) is required when sink.search.auth is basic");
        }
        if (searchSinkEnabled && searchAuth == SearchAuth.SIGV4) {
            r.require(
                    searchHosts.stream().allMatch(u -> u != null && "https".equals(u.getScheme())),
                    ConfigKey.SINK_SEARCH_HOSTS,
                    "must be https:// URLs when sink.search.auth is sigv4 (AWS endpoints are HTTPS only)");
        }
        aggregateIndex = r.indexName(ConfigKey.SINK_SEARCH_AGGREGATE_INDEX, true);
        itemIndex = r.indexName(ConfigKey.SINK_SEARCH_ITEM_INDEX, false);
        r.require(
                itemIndex == null || !itemIndex.equals(aggregateIndex),
                ConfigKey.SINK_SEARCH_ITEM_INDEX,
                "must differ from sink.search.aggregate.index");
        windowsIndex = r.indexName(ConfigKey.SINK_SEARCH_WINDOWS_INDEX, false);
        r.require(
                windowsIndex == null
                        || !windowsIndex.equals(aggregateIndex) && !windowsIndex.equals(itemIndex),
                ConfigKey.SINK_SEARCH_WINDOWS_INDEX,
                "must differ from sink.search.aggregate.index and sink.search.item.index");
        bulkMaxActions = r.integer(ConfigKey.SINK_SEARCH_BULK_MAX_ACTIONS, 1, 100_000);
        bulkMaxBytes = r.integer(ConfigKey.SINK_SEARCH_BULK_MAX_BYTES, 4096, Integer.MAX_VALUE);
        searchMaxInFlight = r.integer(ConfigKey.SINK_SEARCH_MAX_IN_FLIGHT, 1, 1000);

        commitRetryTimeout = r.millis(ConfigKey.SINK_COMMIT_RETRY_TIMEOUT_MS, 1);

        String dl = r.raw(ConfigKey.DEADLETTER_PATH);
        deadLetterPath = dl.isEmpty() ? null : dl;
        deadLetterMaxRecordBytes = r.integer(ConfigKey.DEADLETTER_MAX_RECORD_BYTES, 256, 1 << 20);

        r.throwIfErrors();
    }

    /** True when the changes come from Kinesis Data Streams for DynamoDB. */
    public boolean isKinesis() {
        return "kinesis".equals(sourceType);
    }

    /**
     * The table the bootstrap scan reads: source.table.name, else the table of source.stream.arn.
     */
    public String sourceTable() {
        if (!sourceTableName.isEmpty() || sourceStreamArn == null) {
            return sourceTableName;
        }
        int start = sourceStreamArn.indexOf(":table/") + 7;
        return sourceStreamArn.substring(start, sourceStreamArn.indexOf('/', start));
    }

    /** Parses and validates; throws one {@link ConfigException} listing every problem found. */
    public static JobConfig from(Map<String, String> properties) {
        return from(properties, Secret.Origin.CODE);
    }

    /**
     * The same, saying where the properties came from (so a secret can be read there again, see
     * {@link Secret}).
     */
    public static JobConfig from(Map<String, String> properties, Secret.Origin origin) {
        return new JobConfig(new Reader(properties, List.of()), origin);
    }

    /**
     * The same for the application properties of Managed Service for Apache Flink, where the
     * defaults that fit a local run only do not apply: {@code aws.region} defaults to the runtime's
     * region ({@code runtimeRegion}, null when it cannot be determined), and the tables and search
     * hosts of the enabled features must be given (their defaults name the local example's tables
     * and a node on 127.0.0.1).
     */
    public static JobConfig fromManagedFlink(Map<String, String> properties, String runtimeRegion) {
        Map<String, String> p = new java.util.LinkedHashMap<>(properties);
        List<String> problems = new ArrayList<>();
        if (!p.containsKey(ConfigKey.AWS_REGION.key())) {
            if (runtimeRegion == null) {
                problems.add(
                        "config key 'aws.region' is not set and the runtime's region cannot be determined: set it");
            } else {
                p.put(ConfigKey.AWS_REGION.key(), runtimeRegion);
            }
        }
        for (Map.Entry<String, String> refused : NOT_ON_MANAGED_FLINK.entrySet()) {
            if (p.containsKey(refused.getKey())) {
                problems.add(
                        "config key '"
                                + refused.getKey()
                                + "' cannot be set on Managed Service for Apache Flink: "
                                + refused.getValue()
                                + "; remove it from the property groups");
            }
        }
        if ("BASIC"
                .equalsIgnoreCase(
                        p.getOrDefault(ConfigKey.AWS_CREDENTIALS_PROVIDER.key(), "").trim())) {
            problems.add(
                    "config key 'aws.credentials.provider' cannot be BASIC on Managed Service for Apache Flink: static"
                            + " keys in the property groups show in DescribeApplication; the clients take the application's IAM"
                            + " role (ServiceExecutionRole) with AUTO");
        }
        if (!p.containsKey(ConfigKey.DEADLETTER_PATH.key())) {
            problems.add(
                    "config key 'deadletter.path' must be set on Managed Service for Apache Flink: dead letters hold"
                            + " table data, and without it they would be written to CloudWatch Logs; set it to the dead-letter"
                            + " bucket (the template's DeadLetterBucketName)");
        }
        List<ConfigKey> required = new ArrayList<>();
        if (!p.containsKey(ConfigKey.SOURCE_STREAM_ARN.key())) {
            required.add(ConfigKey.SOURCE_TABLE_NAME);
        }
        if (!"false"
                .equalsIgnoreCase(
                        p.getOrDefault(ConfigKey.SINK_DYNAMODB_ENABLED.key(), "").trim())) {
            required.add(ConfigKey.SINK_DYNAMODB_TABLE);
        }
        if (!"false"
                .equalsIgnoreCase(p.getOrDefault(ConfigKey.SINK_SEARCH_ENABLED.key(), "").trim())) {
            required.add(ConfigKey.SINK_SEARCH_HOSTS);
        }
        for (ConfigKey k : required) {
            if (!p.containsKey(k.key())) {
                problems.add(
                        "config key '"
                                + k.key()
                                + "' must be set on Managed Service for Apache Flink (its default '"
                                + k.defaultValue()
                                + "' fits a local run only)");
            }
        }
        Reader r = new Reader(p, problems);
        r.managedFlink = true;
        return new JobConfig(r, Secret.Origin.MANAGED_FLINK);
    }

    /**
     * Keys that cannot take effect on Managed Service for Apache Flink (the service refuses
     * configuration set in code outside its allowed list, guide "Programmatic Flink configuration
     * properties"), with where to set the same instead. They stay valid in a properties file (local
     * runs, a self-managed cluster).
     */
    static final Map<String, String> NOT_ON_MANAGED_FLINK = new java.util.LinkedHashMap<>();

    /**
     * The keys {@link #fromManagedFlink} refuses (the service sets what they set), for the
     * template's checks.
     */
    public static java.util.Set<String> keysRefusedOnManagedFlink() {
        return Collections.unmodifiableSet(NOT_ON_MANAGED_FLINK.keySet());
    }

    static {
        String checkpointing =
                "the service sets checkpointing; set CheckpointInterval and MinPauseBetweenCheckpoints in"
                        + " the application's FlinkApplicationConfiguration.CheckpointConfiguration (ConfigurationType CUSTOM;"
                        + " the template's CheckpointIntervalMs parameter)";
        String supportCase =
                "the service sets it (RocksDB, exponential-delay restarts); a change goes through an AWS"
                        + " Support case (guide \"Modifiable Flink configuration properties\")";
        NOT_ON_MANAGED_FLINK.put(
                ConfigKey.JOB_PARALLELISM.key(),
                "set Parallelism, ParallelismPerKPU and AutoScalingEnabled"
                        + " in FlinkApplicationConfiguration.ParallelismConfiguration (the template's Parallelism parameters)");
        NOT_ON_MANAGED_FLINK.put(ConfigKey.CHECKPOINT_INTERVAL_MS.key(), checkpointing);
        NOT_ON_MANAGED_FLINK.put(
                ConfigKey.CHECKPOINT_TIMEOUT_MS.key(),
                "the service sets the checkpoint timeout; a"
                        + " change goes through an AWS Support case (guide \"Modifiable Flink configuration properties\")");
        NOT_ON_MANAGED_FLINK.put(
                ConfigKey.CHECKPOINT_DIR.key(),
                "the service keeps checkpoints and snapshots itself");
        NOT_ON_MANAGED_FLINK.put(ConfigKey.STATE_BACKEND.key(), supportCase);
        NOT_ON_MANAGED_FLINK.put(ConfigKey.RESTART_ATTEMPTS.key(), supportCase);
        NOT_ON_MANAGED_FLINK.put(ConfigKey.RESTART_DELAY_MS.key(), supportCase);
        NOT_ON_MANAGED_FLINK.put(
                ConfigKey.AWS_ACCESS_KEY_ID.key(),
                "static keys in the property groups show in"
                        + " DescribeApplication; the clients take the application's IAM role (ServiceExecutionRole)");
        NOT_ON_MANAGED_FLINK.put(
                ConfigKey.AWS_SECRET_ACCESS_KEY.key(),
                "static keys in the property groups show in"
                        + " DescribeApplication; the clients take the application's IAM role (ServiceExecutionRole)");
        NOT_ON_MANAGED_FLINK.put(
                ConfigKey.SINK_SEARCH_PASSWORD_ENV.key(),
                "the service sets no environment variables for"
                        + " the job; put the password in AWS Secrets Manager and name it in sink.search.password.secret");
    }

    /**
     * The effective value of every key (defaults filled in), for the start-up log: built from the
     * known keys only, and a value is shown only for a key that is not {@link ConfigKey#secret()}
     * (a set secret shows as {@code ****}).
     */
    public Map<String, String> describe() {
        return new TreeMap<>(values);
    }

    /** An ISO-8601 instant or epoch milliseconds; null if neither. */
    private static java.time.Instant parseInstant(String text) {
        try {
            return text.matches("\\d{1,15}")
                    ? java.time.Instant.ofEpochMilli(Long.parseLong(text))
                    : java.time.Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** Keys of earlier releases that this one no longer reads, with what replaces them. */
    private static final Map<String, String> RETIRED =
            Map.of(
                    "source.kinesis.reader",
                            "the change-stream source reads Kinesis by polling (GetRecords); enhanced fan-out is not supported, remove the key",
                    "source.kinesis.efo.consumer",
                            "the change-stream source reads Kinesis by polling (GetRecords); enhanced fan-out is not supported, remove the key",
                    "sink.dynamodb.max.buffer.time.ms",
                            "outputs are published when a checkpoint completes (see checkpoint.interval.ms)",
                    "sink.search.bulk.interval.ms",
                            "outputs are published when a checkpoint completes (see checkpoint.interval.ms)");

    /**
     * Collects values and errors so that one start-up reports every bad key, not just the first.
     */
    private static final class Reader {
        private boolean managedFlink;
        private final Map<String, String> effective = new TreeMap<>();
        private final List<String> errors = new ArrayList<>();

        Reader(Map<String, String> properties, List<String> problems) {
            errors.addAll(problems);
            for (Map.Entry<String, String> e : properties.entrySet()) {
                String key = e.getKey().trim();
                if (RETIRED.containsKey(key)) {
                    errors.add("config key '" + key + "' is no longer used: " + RETIRED.get(key));
                } else if (!ConfigKey.byKey().containsKey(key)) {
                    errors.add("unknown config key '" + key + "'" + suggestion(key));
                } else {
                    String value = e.getValue() == null ? "" : e.getValue().trim();
                    if (ConfigKey.byKey().get(key).unsettable()
                            && value.equalsIgnoreCase(ConfigKey.NONE)) {
                        value = ""; // MSF refuses empty values: "none" says "empty" there
                    }
                    effective.put(key, value);
                }
            }
            for (ConfigKey k : ConfigKey.values()) {
                effective.putIfAbsent(k.key(), k.defaultValue());
            }
        }

        private static String suggestion(String key) {
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String known : ConfigKey.byKey().keySet()) {
                int d = distance(key, known);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = known;
                }
            }
            return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
        }

        private static int distance(String a, String b) {
            int[] prev = new int[b.length() + 1];
            int[] cur = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                prev[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                cur[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                    cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                }
                int[] t = prev;
                prev = cur;
                cur = t;
            }
            return prev[b.length()];
        }

        String raw(ConfigKey k) {
            return effective.get(k.key());
        }

        /**
         * Every known key's value, a secret one as {@code ****} when set: nothing else is kept or
         * logged.
         */
        Map<String, String> masked() {
            Map<String, String> out = new TreeMap<>();
            for (ConfigKey k : ConfigKey.values()) {
                String v = raw(k);
                out.put(k.key(), k.secret() && !v.isEmpty() ? "****" : v);
            }
            return out;
        }

        void require(boolean ok, ConfigKey k, String what) {
            if (!ok) {
                errors.add("config key '" + k.key() + "' (value '" + shown(k) + "') " + what);
            }
        }

        private String shown(ConfigKey k) {
            return k.secret() ? "****" : raw(k);
        }

        private void bad(ConfigKey k, String expected) {
            errors.add(
                    "config key '"
                            + k.key()
                            + "': bad value '"
                            + shown(k)
                            + "', expected "
                            + expected);
        }

        String nonEmpty(ConfigKey k) {
            String v = raw(k);
            if (v.isEmpty()) {
                errors.add("config key '" + k.key() + "' must not be empty");
            }
            return v;
        }

        int integer(ConfigKey k, int min, int max) {
            try {
                int v = Integer.parseInt(raw(k));
                if (v < min || v > max) {
                    bad(k, "an integer from " + min + " to " + max);
                }
                return v;
            } catch (NumberFormatException e) {
                bad(k, "an integer from " + min + " to " + max);
                return min;
            }
        }

        Duration millis(ConfigKey k, long min) {
            try {
                long v = Long.parseLong(raw(k));
                if (v < min) {
                    bad(k, "milliseconds, at least " + min);
                }
                return Duration.ofMillis(v);
            } catch (NumberFormatException e) {
                bad(k, "a whole number of milliseconds");
                return Duration.ofMillis(Math.max(min, 1));
            }
        }

        double decimal(ConfigKey k, double min) {
            try {
                double v = Double.parseDouble(raw(k));
                if (!(v >= min) || Double.isInfinite(v)) {
                    bad(k, "a number, at least " + min);
                }
                return v;
            } catch (NumberFormatException e) {
                bad(k, "a number, at least " + min);
                return min;
            }
        }

        boolean bool(ConfigKey k) {
            String v = raw(k).toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                bad(k, "true or false");
            }
            return v.equals("true");
        }

        <E extends Enum<E>> E enumValue(ConfigKey k, Class<E> type) {
            String v = raw(k).toUpperCase(Locale.ROOT).replace('-', '_');
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(v)) {
                    return e;
                }
            }
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                names.add(e.name());
            }
            bad(k, "one of " + names);
            return type.getEnumConstants()[0];
        }

        String oneOf(ConfigKey k, String... allowed) {
            String v = raw(k);
            for (String a : allowed) {
                if (a.equals(v)) {
                    return v;
                }
            }
            bad(k, "one of " + List.of(allowed));
            return allowed[0];
        }

        String optional(ConfigKey k) {
            String v = raw(k);
            return v.isEmpty() ? null : v;
        }

        URI optionalUri(ConfigKey k) {
            String v = raw(k);
            return v.isEmpty() ? null : uri(k, v);
        }

        /**
         * An optional endpoint URL: https, or http to a loopback host unless remote http is
         * allowed.
         */
        URI endpoint(ConfigKey k, boolean allowRemoteHttp) {
            URI u = optionalUri(k);
            if (u != null) {
                requireTls(k, u, allowRemoteHttp);
            }
            return u;
        }

        /**
         * Refuses cleartext http to a host other than loopback, unless {@code
         * security.allow.remote.http} is true.
         */
        void requireTls(ConfigKey k, URI u, boolean allowRemoteHttp) {
            if (u != null
                    && "http".equals(u.getScheme())
                    && u.getHost() != null
                    && !allowRemoteHttp
                    && !isLoopback(u.getHost())) {
                errors.add(
                        "config key '"
                                + k.key()
                                + "' (value '"
                                + shown(k)
                                + "') uses http:// to the remote host '"
                                + u.getHost()
                                + "': requests (data, signatures, a basic-auth password) would travel in clear text; use"
                                + " https://, or set '"
                                + ConfigKey.SECURITY_ALLOW_REMOTE_HTTP.key()
                                + "=true' on a trusted test network");
            }
        }

        /** localhost, 127.0.0.0/8 or ::1, by the literal only (no name is resolved). */
        static boolean isLoopback(String host) {
            String h = host.toLowerCase(Locale.ROOT);
            if (h.equals("localhost")) {
                return true; // not *.localhost: such a name can go through the resolver's search
                // domains
            }
            if (h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
                for (String octet : h.split("\\.")) {
                    if (Integer.parseInt(octet) > 255) {
                        return false; // not an address but a name (127.999.1.1), looked up in DNS
                    }
                }
                return true;
            }
            String v6 = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
            return v6.equals("::1") || v6.equals("0:0:0:0:0:0:0:1");
        }

        List<URI> uriList(ConfigKey k) {
            List<URI> out = new ArrayList<>();
            for (String part : raw(k).split(",")) {
                if (!part.trim().isEmpty()) {
                    out.add(uri(k, part.trim()));
                }
            }
            if (out.isEmpty()) {
                bad(k, "at least one URL such as http://127.0.0.1:9200");
            }
            return out;
        }

        private URI uri(ConfigKey k, String v) {
            try {
                URI u = new URI(v);
                if (u.getScheme() == null
                        || u.getHost() == null
                        || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                    bad(k, "an http:// or https:// URL with a host, such as http://127.0.0.1:9200");
                }
                return u;
            } catch (java.net.URISyntaxException e) {
                bad(k, "a URL (" + e.getReason() + ")");
                return null;
            }
        }

        /** Elasticsearch/OpenSearch index names: lower case, no spaces or reserved characters. */
        String indexName(ConfigKey k, boolean required) {
            String v = raw(k);
            if (v.isEmpty()) {
                if (required) {
                    errors.add("config key '" + k.key() + "' must not be empty");
                }
                return null;
            }
            boolean ok =
                    v.equals(v.toLowerCase(Locale.ROOT))
                            && !v.startsWith("-")
                            && !v.startsWith("_")
                            && !v.startsWith("+")
                            && v.chars().noneMatch(c -> " \\/*?\"<>|,#:".indexOf(c) >= 0);
            if (!ok) {
                bad(
                        k,
                        "an index name: lower case, not starting with - _ +, none of \\ / * ? \" < > | , # : or space");
            }
            return v;
        }

        void throwIfErrors() {
            if (!errors.isEmpty()) {
                throw new ConfigException(
                        "Invalid configuration:\n  - " + String.join("\n  - ", errors));
            }
        }
    }
}

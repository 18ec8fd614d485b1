package io.streamsync.sink.dynamodb;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.aggregate.ListAggregate;
import io.streamsync.aws.AwsSettings;
import io.streamsync.config.JobConfig;
import io.streamsync.sink.commit.Backoff;
import io.streamsync.sink.commit.CaughtUp;
import io.streamsync.sink.commit.CheckpointCommittingSink;
import io.streamsync.sink.commit.CommitKeys;
import io.streamsync.sink.commit.Publisher;
import io.streamsync.sink.rejections.RejectionLog;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * Publishes aggregates to the aggregate table with conditional {@code PutItem}s: a row is only
 * replaced by a row with a higher {@code version} ({@code attribute_not_exists(key) OR version <
 * :v}), so publishing a batch again (after a failure during its commit, or after a restore from an
 * older savepoint) never moves a row back. A failed condition means "already this version or newer"
 * and is counted, not an error.
 *
 * <p>The window fields (the list's latest final window) are guarded on their own: they never move
 * to an earlier window. Whether a window is final when a change is applied depends on the
 * watermark, which a replay after a rollback meets in another order than the first run: a replayed
 * state can be above the row's version and carry an earlier final window (or none, like a list that
 * comes back after its clean-up). So the put also requires the row's {@code windowStart} to be at
 * most the new one; when only that part fails (DynamoDB returns the row it refused against, {@code
 * ReturnValuesOnConditionCheckFailure=ALL_OLD}), a second {@code PutItem} writes the new count,
 * version and {@code updatedAt} with the row's window fields, on condition that the version is
 * newer and the row's window is still that one (metric {@code aggregateWindowFieldsKept}). Only
 * {@code PutItem}: the job's role needs no other write permission. A window's figures are the same
 * in every run, so the row always shows the latest final window any run published, with its own
 * figures. Throttling, 5xx answers and an unreachable endpoint are retried with backoff until they
 * have failed without progress for {@code sink.commit.retry.timeout.ms}. A refusal of one row for
 * good (a {@code ValidationException} about a size limit: a list id over DynamoDB's 2,048-byte key
 * limit, an item over 400 KB) is a rejection: the row goes to the {@link RejectionLog} with the
 * reason and the others are published, as the search sink does with the documents it refuses. Any
 * other refusal (a missing table, no permission, bad credentials) concerns every row alike and
 * fails the job over: nothing is dropped. Flink's {@code DynamoDbSink} cannot do this: it uses
 * BatchWriteItem, which has no conditions.
 */
public final class AggregateTablePublisher implements Publisher<ListAggregate> {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(AggregateTablePublisher.class);
    private static final int MAX_REJECTED_ID_CHARS = 4096;

    /** Error codes of DynamoDB that refuse one write for what it holds, not the request as such. */
    private static final java.util.Set<String> PER_ROW_ERRORS =
            java.util.Set.of("ValidationException", "ItemCollectionSizeLimitExceededException");

    private final DynamoDbAsyncClient client;
    private final RejectionLog rejections;
    private final ObjectMapper mapper = new ObjectMapper();
    private final String table;
    private final String key;
    private final AggregateItemConverter items;
    private final int concurrency;
    private final Duration retryTimeout;
    private final Counter written;
    private final Counter alreadyNewer;
    private final Counter retried;
    private final Counter rejected;
    private final Counter windowKept;

    AggregateTablePublisher(
            DynamoDbAsyncClient client,
            String table,
            String key,
            int concurrency,
            Duration retryTimeout,
            RejectionLog rejections,
            MetricGroup metrics) {
        this.client = client;
        this.table = table;
        this.key = key;
        this.items = new AggregateItemConverter(key);
        this.concurrency = concurrency;
        this.retryTimeout = retryTimeout;
        this.rejections = rejections;
        this.written = metrics.counter("aggregateWrites");
        this.alreadyNewer = metrics.counter("aggregateWritesAlreadyNewer");
        this.retried = metrics.counter("aggregateWritesRetried");
        this.rejected = metrics.counter("aggregateWritesRejected");
        this.windowKept = metrics.counter("aggregateWindowFieldsKept");
    }

    /**
     * The job's aggregate-table sink. Its publisher factory travels with the job graph, so it
     * captures only what the publisher needs: the AWS settings (no secret, see {@link
     * AwsSettings}), the table and the limits. {@code stage} names the sink in its rejection log
     * (the pipeline gives its operator uid).
     */
    public static CheckpointCommittingSink<ListAggregate> sink(
            JobConfig config, String stage, String statusStage, String statusName) {
        AwsSettings aws = AwsSettings.of(config);
        String table = config.aggregateTable;
        String key = config.aggregateTableKey;
        int concurrency = config.dynamoMaxBatchSize * config.dynamoMaxInFlight;
        Duration timeout = config.commitRetryTimeout;
        String deadLetters = config.deadLetterPath;
        return new CheckpointCommittingSink<>(
                new AggregateCodec(),
                CommitKeys.of(ListAggregate::commitKey, ListAggregate::commitVersion),
                (metrics, subtask) ->
                        new AggregateTablePublisher(
                                aws.dynamoDbAsync(),
                                table,
                                key,
                                concurrency,
                                timeout,
                                new RejectionLog(deadLetters, stage, subtask),
                                metrics),
                config.caughtUpStatus // evaluated here: the factory captures no config
                        ? metrics ->
                                new AggregateTableStatus(
                                        aws.dynamoDbAsync(), table, key, timeout, metrics)
                        : null,
                statusStage,
                statusName);
    }

    /**
     * The write of a state: the row as a whole, if its version is newer and its window is not an
     * earlier one ({@code :ws} is Long.MIN_VALUE for a state without a final window: it replaces
     * only a row without one).
     */
    PutItemRequest request(ListAggregate a) {
        return PutItemRequest.builder()
                .tableName(table)
                .item(items.item(a))
                .conditionExpression(
                        "attribute_not_exists(#k) OR (#v < :v AND (attribute_not_exists(#ws) OR #ws"
                                + " <= :ws))")
                .expressionAttributeNames(Map.of("#k", key, "#v", "version", "#ws", "windowStart"))
                .expressionAttributeValues(
                        Map.of(
                                ":v",
                                AttributeValue.fromN(Long.toString(a.version)),
                                ":ws",
                                AttributeValue.fromN(Long.toString(a.windowStart))))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /**
     * The write of a newer state when the row shows a later final window: the state with the row's
     * window fields ({@code refused}: the row as the refused put found it), if the version is newer
     * and the row's window is still that one.
     */
    PutItemRequest keepingWindow(ListAggregate a, Map<String, AttributeValue> refused) {
        Map<String, AttributeValue> item = new java.util.LinkedHashMap<>(items.item(a));
        for (String field : AggregateItemConverter.WINDOW_FIELDS) {
            item.remove(field);
            if (refused.containsKey(field)) {
                item.put(field, refused.get(field));
            }
        }
        return PutItemRequest.builder()
                .tableName(table)
                .item(item)
                .conditionExpression("#v < :v AND #ws = :ws")
                .expressionAttributeNames(Map.of("#v", "version", "#ws", "windowStart"))
                .expressionAttributeValues(
                        Map.of(
                                ":v",
                                AttributeValue.fromN(Long.toString(a.version)),
                                ":ws",
                                refused.get("windowStart")))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /** What became of one state's write. */
    private static final class Outcome {
        static final Outcome WRITTEN = new Outcome(null, false);
        static final Outcome WINDOW_KEPT = new Outcome(null, true);
        final Throwable error;
        final boolean windowKept;

        Outcome(Throwable error, boolean windowKept) {
            this.error = error;
            this.windowKept = windowKept;
        }
    }

    /** Rounds of a write that keeps a row's window while other writers move that window on. */
    private static final int KEEPING_ROUNDS = 4;

    /**
     * The put; then, while a refusal was for the row's later window only (its version is older),
     * the put that keeps the row's window fields. A refusal that is not (the row is already this
     * version or newer) is the outcome. If the row's window moves on between the two puts (another
     * committer), the second is refused and tried again against the new row, a few times, then the
     * write is retried from the start like a throttled one.
     */
    private CompletableFuture<Outcome> write(ListAggregate a) {
        return client.putItem(request(a))
                .handle((ok, error) -> unwrap(error))
                .thenCompose(error -> afterPut(a, error, KEEPING_ROUNDS));
    }

    private CompletableFuture<Outcome> afterPut(ListAggregate a, Throwable error, int rounds) {
        boolean kept = rounds < KEEPING_ROUNDS;
        if (error == null) {
            return CompletableFuture.completedFuture(kept ? Outcome.WINDOW_KEPT : Outcome.WRITTEN);
        }
        if (!(error instanceof ConditionalCheckFailedException)) {
            return CompletableFuture.completedFuture(new Outcome(error, false));
        }
        Map<String, AttributeValue> row =
                laterWindowOnly(a, (ConditionalCheckFailedException) error);
        if (row == null) {
            return CompletableFuture.completedFuture(new Outcome(error, false));
        }
        if (rounds == 0) {
            return CompletableFuture.completedFuture(
                    new Outcome(
                            SdkClientException.create(
                                    "the row's window moved on while its window fields were kept"),
                            false));
        }
        return client.putItem(keepingWindow(a, row))
                .handle((ok, e) -> unwrap(e))
                .thenCompose(e -> afterPut(a, e, rounds - 1));
    }

    /**
     * The row a put was refused against, when it was refused for the row's later window only (the
     * row's version is older and it has a window); null when the row is already this version or
     * newer, or the table did not return it (DynamoDB always does when asked: then the refusal
     * counts as "already newer").
     */
    static Map<String, AttributeValue> laterWindowOnly(
            ListAggregate a, ConditionalCheckFailedException refused) {
        if (!refused.hasItem() || refused.item().isEmpty()) {
            return null;
        }
        Map<String, AttributeValue> row = refused.item();
        AttributeValue stored = row.get("version");
        AttributeValue window = row.get("windowStart");
        if (stored == null || stored.n() == null || window == null || window.n() == null) {
            return null;
        }
        try {
            return new java.math.BigDecimal(stored.n())
                                    .compareTo(java.math.BigDecimal.valueOf(a.version))
                            < 0
                    ? row
                    : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public void publish(List<ListAggregate> states) throws IOException, InterruptedException {
        Backoff backoff = new Backoff(retryTimeout);
        long keptBefore = windowKept.getCount();
        List<ListAggregate> todo = states;
        while (!todo.isEmpty()) {
            Semaphore permits = new Semaphore(concurrency);
            List<CompletableFuture<Outcome>> calls = new ArrayList<>(todo.size());
            for (ListAggregate a : todo) {
                if (CaughtUp.isStatus(a.listId)) {
                    continue; // the status row's key: refused below
                }
                permits.acquire();
                calls.add(
                        write(a).handle(
                                        (outcome, error) -> {
                                            permits.release();
                                            return error != null
                                                    ? new Outcome(unwrap(error), false)
                                                    : outcome;
                                        }));
            }
            List<ListAggregate> retry = new ArrayList<>();
            Throwable lastRetryable = null;
            boolean progress = false;
            int call = 0;
            for (int i = 0; i < todo.size(); i++) {
                if (CaughtUp.isStatus(todo.get(i).listId)) {
                    rejectReserved(todo.get(i));
                    progress = true;
                    continue;
                }
                Outcome outcome = calls.get(call++).join();
                Throwable e = outcome.error;
                if (e == null) {
                    written.inc();
                    if (outcome.windowKept) {
                        windowKept.inc();
                    }
                    progress = true;
                } else if (e instanceof ConditionalCheckFailedException) {
                    alreadyNewer.inc(); // the row already holds this version or a newer one
                    progress = true;
                } else if (retryable(e)) {
                    retry.add(todo.get(i));
                    lastRetryable = e;
                } else if (perRow(e)) {
                    reject(todo.get(i), (DynamoDbException) e);
                    progress = true;
                } else {
                    throw new IOException(
                            "the aggregate table "
                                    + table
                                    + " refused the write of list "
                                    + shortId(todo.get(i).listId)
                                    + ": "
                                    + e.getMessage(),
                            e);
                }
            }
            rejections.flush();
            if (progress) {
                backoff.progressed();
            }
            if (!retry.isEmpty()) {
                retried.inc(retry.size());
                LOG.warn(
                        "{} of {} aggregate writes to {} failed and are retried: {}",
                        retry.size(),
                        todo.size(),
                        table,
                        String.valueOf(lastRetryable));
                backoff.pause(
                        retry.size() + " aggregate writes still failing, last: " + lastRetryable);
            }
            todo = retry;
        }
        if (windowKept.getCount() > keptBefore) {
            LOG.info(
                    "{} of {} aggregate rows kept their later window fields (a newer state with an"
                            + " earlier final window, or none: a replay after a rollback, a list back"
                            + " after its clean-up)",
                    windowKept.getCount() - keptBefore,
                    states.size());
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /**
     * A refusal of this row for what it holds; every other 4xx concerns the request as such (table,
     * permission, credentials).
     */
    static boolean perRow(Throwable e) {
        if (!(e instanceof DynamoDbException)) {
            return false;
        }
        DynamoDbException d = (DynamoDbException) e;
        if (d.awsErrorDetails() == null
                || !PER_ROW_ERRORS.contains(d.awsErrorDetails().errorCode())) {
            return false;
        }
        if (!"ValidationException".equals(d.awsErrorDetails().errorCode())) {
            return true;
        }
        // A ValidationException also answers a key schema that does not match the table's ("Missing
        // the key",
        // "Type mismatch for key"): that refuses every row alike, and dead-lettering it would drop
        // every
        // aggregate. Only DynamoDB's size limits (key over 2,048 bytes, item over 400 KB) are the
        // row's own.
        String message = d.awsErrorDetails().errorMessage();
        String m = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
        return m.contains("size") && (m.contains("exceeded") || m.contains("limit"));
    }

    /** A list whose id is the status row's key: its row would overwrite the status. */
    private void rejectReserved(ListAggregate a) throws IOException {
        rejected.inc();
        LOG.warn(
                "a list has the id of the status row ({}); its row is not written",
                CaughtUp.STATUS_ID);
        rejections.write(
                line(
                                a,
                                "the list id is the key of the job's status row ("
                                        + CaughtUp.STATUS_ID
                                        + ", see freshness.md); the list is not written")
                        .toString());
    }

    private ObjectNode line(ListAggregate a, String reason) {
        ObjectNode line = mapper.createObjectNode();
        line.put("time", Instant.now().toString());
        line.put("stage", rejections.sinkName());
        line.put("reason", reason);
        line.put("table", table);
        line.put("listId", cut(a.listId));
        line.put("truncated", a.listId.length() > MAX_REJECTED_ID_CHARS);
        line.put("listIdLength", a.listId.length());
        line.put("version", a.version);
        line.put("taskCount", a.taskCount);
        return line;
    }

    private void reject(ListAggregate a, DynamoDbException e) throws IOException {
        rejected.inc();
        String code = e.awsErrorDetails().errorCode();
        String reason = e.statusCode() + " " + code + ": " + e.awsErrorDetails().errorMessage();
        ObjectNode line = line(a, reason);
        LOG.warn(
                "the aggregate table {} refused the row of a list ({} characters) v{} for good: {} {}",
                table,
                a.listId.length(),
                a.version,
                e.statusCode(),
                code);
        rejections.write(line.toString());
    }

    private static String shortId(String listId) {
        return listId.length() <= 64
                ? listId
                : listId.substring(0, 64) + "... (" + listId.length() + " characters)";
    }

    private static String cut(String listId) {
        return listId.length() <= MAX_REJECTED_ID_CHARS
                ? listId
                : listId.substring(0, MAX_REJECTED_ID_CHARS);
    }

    /** Throttled, a 5xx, or no answer at all (the endpoint is down or unreachable). */
    private static boolean retryable(Throwable e) {
        if (e instanceof DynamoDbException) {
            DynamoDbException d = (DynamoDbException) e;
            return d.isThrottlingException() || d.statusCode() >= 500;
        }
        return e instanceof SdkClientException;
    }

    @Override
    public void close() throws IOException {
        try {
            rejections.close();
        } finally {
            client.close();
        }
    }
}

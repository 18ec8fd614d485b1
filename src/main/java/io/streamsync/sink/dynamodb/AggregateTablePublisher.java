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

/**
 * Publishes aggregates to the aggregate table with conditional {@code PutItem}s: a row is only
 * replaced by a row with a higher {@code version} ({@code attribute_not_exists(key) OR version <
 * :v}), so publishing a batch again (after a failure during its commit, or after a restore from an
 * older savepoint) never moves a row back. A failed condition means "already this version or newer"
 * and is counted, not an error. Throttling, 5xx answers and an unreachable endpoint are retried
 * with backoff until they have failed without progress for {@code sink.commit.retry.timeout.ms}. A
 * refusal of one row for good (a {@code ValidationException} about a size limit: a list id over
 * DynamoDB's 2,048-byte key limit, an item over 400 KB) is a rejection: the row goes to the {@link
 * RejectionLog} with the reason and the others are published, as the search sink does with the
 * documents it refuses. Any other refusal (a missing table, no permission, bad credentials)
 * concerns every row alike and fails the job over: nothing is dropped. Flink's {@code DynamoDbSink}
 * cannot do this: it uses BatchWriteItem, which has no conditions.
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

    PutItemRequest request(ListAggregate a) {
        return PutItemRequest.builder()
                .tableName(table)
                .item(items.item(a))
                .conditionExpression("attribute_not_exists(#k) OR #v < :v")
                .expressionAttributeNames(Map.of("#k", key, "#v", "version"))
                .expressionAttributeValues(
                        Map.of(":v", AttributeValue.fromN(Long.toString(a.version))))
                .build();
    }

    @Override
    public void publish(List<ListAggregate> states) throws IOException, InterruptedException {
        Backoff backoff = new Backoff(retryTimeout);
        List<ListAggregate> todo = states;
        while (!todo.isEmpty()) {
            Semaphore permits = new Semaphore(concurrency);
            List<CompletableFuture<Throwable>> calls = new ArrayList<>(todo.size());
            for (ListAggregate a : todo) {
                if (CaughtUp.isStatus(a.listId)) {
                    continue; // the status row's key: refused below
                }
                permits.acquire();
                calls.add(
                        client.putItem(request(a))
                                .handle(
                                        (ok, error) -> {
                                            permits.release();
                                            return error;
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
                Throwable e = unwrap(calls.get(call++).join());
                if (e == null) {
                    written.inc();
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

package io.streamsync.sink.dynamodb;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.aws.AwsSettings;
import io.streamsync.config.JobConfig;
import io.streamsync.sink.commit.Backoff;
import io.streamsync.sink.commit.CheckpointCommittingSink;
import io.streamsync.sink.commit.Publisher;
import java.io.IOException;
import java.time.Duration;
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
 * Publishes aggregates to the aggregate table with conditional {@code PutItem}s: a row is only replaced by a
 * row with a higher {@code version} ({@code attribute_not_exists(key) OR version < :v}), so publishing a
 * batch again (after a failure during its commit, or after a restore from an older savepoint) never moves a
 * row back. A failed condition means "already this version or newer" and is counted, not an error.
 * Throttling, 5xx answers and an unreachable endpoint are retried with backoff until
 * {@code sink.commit.retry.timeout.ms}; any other refusal (a missing table, no permission) fails the job over.
 * Flink's {@code DynamoDbSink} cannot do this: it uses BatchWriteItem, which has no conditions.
 */
public final class AggregateTablePublisher implements Publisher<ListAggregate> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AggregateTablePublisher.class);
    private final DynamoDbAsyncClient client;
    private final String table;
    private final String key;
    private final AggregateItemConverter items;
    private final int concurrency;
    private final Duration retryTimeout;
    private final Counter written;
    private final Counter alreadyNewer;
    private final Counter retried;

    AggregateTablePublisher(JobConfig config, MetricGroup metrics) {
        this.client = AwsSettings.dynamoDbAsync(config);
        this.table = config.aggregateTable;
        this.key = config.aggregateTableKey;
        this.items = new AggregateItemConverter(config.aggregateTableKey);
        this.concurrency = config.dynamoMaxBatchSize * config.dynamoMaxInFlight;
        this.retryTimeout = config.commitRetryTimeout;
        this.written = metrics.counter("aggregateWrites");
        this.alreadyNewer = metrics.counter("aggregateWritesAlreadyNewer");
        this.retried = metrics.counter("aggregateWritesRetried");
    }

    /** The job's aggregate-table sink. */
    public static CheckpointCommittingSink<ListAggregate> sink(JobConfig config) {
        return new CheckpointCommittingSink<>(new AggregateCodec(), (metrics, subtask) -> new AggregateTablePublisher(config, metrics));
    }

    PutItemRequest request(ListAggregate a) {
        return PutItemRequest.builder()
                .tableName(table)
                .item(items.item(a))
                .conditionExpression("attribute_not_exists(#k) OR #v < :v")
                .expressionAttributeNames(Map.of("#k", key, "#v", "version"))
                .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(a.version))))
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
                permits.acquire();
                calls.add(client.putItem(request(a)).handle((ok, error) -> {
                    permits.release();
                    return error;
                }));
            }
            List<ListAggregate> retry = new ArrayList<>();
            Throwable lastRetryable = null;
            for (int i = 0; i < todo.size(); i++) {
                Throwable e = unwrap(calls.get(i).join());
                if (e == null) {
                    written.inc();
                } else if (e instanceof ConditionalCheckFailedException) {
                    alreadyNewer.inc(); // the row already holds this version or a newer one
                } else if (retryable(e)) {
                    retry.add(todo.get(i));
                    lastRetryable = e;
                } else {
                    throw new IOException("the aggregate table " + table + " refused the write of list " + todo.get(i).listId
                            + ": " + e.getMessage(), e);
                }
            }
            if (!retry.isEmpty()) {
                retried.inc(retry.size());
                LOG.warn("{} of {} aggregate writes to {} failed and are retried: {}", retry.size(), todo.size(), table,
                        String.valueOf(lastRetryable));
                backoff.pause(retry.size() + " aggregate writes still failing, last: " + lastRetryable);
            }
            todo = retry;
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
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
    public void close() {
        client.close();
    }
}

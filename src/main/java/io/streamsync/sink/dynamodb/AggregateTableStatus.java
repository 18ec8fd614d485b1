package io.streamsync.sink.dynamodb;

import io.streamsync.sink.commit.Backoff;
import io.streamsync.sink.commit.CaughtUp;
import io.streamsync.sink.commit.StatusPublisher;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * The status row of the aggregate table (key {@link CaughtUp#STATUS_ID}): {@code caughtUp}, every
 * change created before it (epoch ms) is in the table, with {@code caughtUpIso} and the {@code
 * checkpoint} that published it. A conditional {@code PutItem} ({@code attribute_not_exists(key) OR
 * caughtUp < :t}) keeps it from ever going back, whatever order or repetition the writes come in.
 */
public final class AggregateTableStatus implements StatusPublisher {
    private final DynamoDbAsyncClient client;
    private final String table;
    private final String key;
    private final Duration retryTimeout;
    private final Counter written;

    public AggregateTableStatus(
            DynamoDbAsyncClient client,
            String table,
            String key,
            Duration retryTimeout,
            MetricGroup metrics) {
        this.client = client;
        this.table = table;
        this.key = key;
        this.retryTimeout = retryTimeout;
        this.written = metrics.counter("caughtUpStatusWrites");
    }

    /** The row for {@code caughtUp}. */
    public static Map<String, AttributeValue> row(String key, long caughtUp, long checkpointId) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put(key, AttributeValue.fromS(CaughtUp.STATUS_ID));
        item.put("caughtUp", AttributeValue.fromN(Long.toString(caughtUp)));
        item.put("caughtUpIso", AttributeValue.fromS(Instant.ofEpochMilli(caughtUp).toString()));
        item.put("checkpoint", AttributeValue.fromN(Long.toString(checkpointId)));
        return item;
    }

    PutItemRequest request(long caughtUp, long checkpointId) {
        return PutItemRequest.builder()
                .tableName(table)
                .item(row(key, caughtUp, checkpointId))
                .conditionExpression("attribute_not_exists(#k) OR #c < :c")
                .expressionAttributeNames(Map.of("#k", key, "#c", "caughtUp"))
                .expressionAttributeValues(
                        Map.of(":c", AttributeValue.fromN(Long.toString(caughtUp))))
                .build();
    }

    @Override
    public void publish(long caughtUp, long checkpointId) throws IOException, InterruptedException {
        Backoff backoff = new Backoff(retryTimeout);
        while (true) {
            try {
                client.putItem(request(caughtUp, checkpointId)).join();
                written.inc();
                return;
            } catch (CompletionException wrapped) {
                Throwable e = wrapped.getCause() != null ? wrapped.getCause() : wrapped;
                if (e instanceof ConditionalCheckFailedException) {
                    return; // the row already says this or later
                }
                boolean retryable =
                        e instanceof SdkClientException
                                || (e instanceof DynamoDbException
                                        && (((DynamoDbException) e).isThrottlingException()
                                                || ((DynamoDbException) e).statusCode() >= 500));
                if (!retryable) {
                    throw new IOException(
                            "the aggregate table " + table + " refused its status row: " + e, e);
                }
                backoff.pause("the status row of " + table + ": " + e);
            }
        }
    }

    @Override
    public void close() {
        client.close();
    }
}

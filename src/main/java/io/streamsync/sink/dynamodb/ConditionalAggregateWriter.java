package io.streamsync.sink.dynamodb;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.aws.AwsSettings;
import io.streamsync.config.JobConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.metrics.Counter;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/** The writer of {@link ConditionalAggregateSink}: the PutItems of a batch are sent concurrently. */
class ConditionalAggregateWriter extends AsyncSinkWriter<ListAggregate, ListAggregate> {
    private final DynamoDbAsyncClient client;
    private final String table;
    private final String key;
    private final AggregateItemConverter items;
    private final Counter conflicts;
    private final Counter retried;

    @SuppressWarnings("deprecation")
    ConditionalAggregateWriter(ElementConverter<ListAggregate, ListAggregate> converter,
            org.apache.flink.api.connector.sink2.Sink.InitContext context, int maxBatchSize, int maxInFlight,
            int maxBuffered, long maxBatchBytes, long maxTimeInBufferMs, long maxRecordBytes,
            Collection<BufferedRequestState<ListAggregate>> state, JobConfig config) {
        super(converter, context, AsyncSinkWriterConfiguration.builder().setMaxBatchSize(maxBatchSize)
                .setMaxBatchSizeInBytes(maxBatchBytes).setMaxInFlightRequests(maxInFlight).setMaxBufferedRequests(maxBuffered)
                .setMaxTimeInBufferMS(maxTimeInBufferMs).setMaxRecordSizeInBytes(maxRecordBytes).build(), state);
        this.client = AwsSettings.dynamoDbAsync(config);
        this.table = config.aggregateTable;
        this.key = config.aggregateTableKey;
        this.items = new AggregateItemConverter(config.aggregateTableKey);
        this.conflicts = context.metricGroup().counter("aggregateWritesAlreadyNewer");
        this.retried = context.metricGroup().counter("aggregateWritesRetried");
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
    protected void submitRequestEntries(List<ListAggregate> batch, ResultHandler<ListAggregate> result) {
        List<CompletableFuture<Outcome>> calls = new ArrayList<>(batch.size());
        for (ListAggregate a : batch) {
            calls.add(client.putItem(request(a)).handle((ok, error) -> classify(error)));
        }
        CompletableFuture.allOf(calls.toArray(new CompletableFuture[0])).whenComplete((ignored, e) -> {
            List<ListAggregate> retry = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                Outcome o = calls.get(i).join();
                if (o.fatal != null) {
                    result.completeExceptionally(o.fatal);
                    return;
                }
                if (o.retry) {
                    retry.add(batch.get(i));
                }
            }
            if (retry.isEmpty()) {
                result.complete();
            } else {
                retried.inc(retry.size());
                result.retryForEntries(retry);
            }
        });
    }

    private Outcome classify(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e == null) {
            return Outcome.DONE;
        }
        if (e instanceof ConditionalCheckFailedException) {
            conflicts.inc(); // the row already holds this version or a newer one
            return Outcome.DONE;
        }
        if (e instanceof DynamoDbException && (((DynamoDbException) e).isThrottlingException()
                || ((DynamoDbException) e).statusCode() >= 500)) {
            return Outcome.RETRY; // still throttled after the SDK's own retries: try again later
        }
        return new Outcome(false, e instanceof Exception ? (Exception) e : new RuntimeException(e));
    }

    @Override
    protected long getSizeInBytes(ListAggregate a) {
        return 128 + a.listId.length();
    }

    @Override
    public void close() {
        super.close();
        client.close();
    }

    private static final class Outcome {
        static final Outcome DONE = new Outcome(false, null);
        static final Outcome RETRY = new Outcome(true, null);
        final boolean retry;
        final Exception fatal;

        Outcome(boolean retry, Exception fatal) {
            this.retry = retry;
            this.fatal = fatal;
        }
    }
}

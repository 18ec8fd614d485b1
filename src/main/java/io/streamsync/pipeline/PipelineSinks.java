package io.streamsync.pipeline;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.sink.search.SearchAction;
import org.apache.flink.api.connector.sink2.Sink;

/**
 * The pipeline's outputs. Production builds them from the config ({@link #fromConfig}); tests pass
 * their own. A null sink means that output is not written.
 */
public final class PipelineSinks {
    public final Sink<ListAggregate> aggregateTable;
    public final Sink<SearchAction> searchIndex;
    public final Sink<String> deadLetters;

    public PipelineSinks(
            Sink<ListAggregate> aggregateTable,
            Sink<SearchAction> searchIndex,
            Sink<String> deadLetters) {
        this.aggregateTable = aggregateTable;
        this.searchIndex = searchIndex;
        this.deadLetters = deadLetters;
    }

    public static PipelineSinks fromConfig(io.streamsync.config.JobConfig c) {
        return new PipelineSinks(
                c.dynamoSinkEnabled
                        ? io.streamsync.sink.dynamodb.AggregateTablePublisher.sink(
                                c,
                                OperatorIds.AGGREGATE_TABLE_SINK.uid(),
                                OperatorIds.AGGREGATE_TABLE_STATUS.uid(),
                                OperatorIds.AGGREGATE_TABLE_STATUS.displayName())
                        : null,
                c.searchSinkEnabled
                        ? io.streamsync.sink.search.SearchIndexPublisher.sink(
                                c,
                                OperatorIds.SEARCH_SINK.uid(),
                                OperatorIds.SEARCH_STATUS.uid(),
                                OperatorIds.SEARCH_STATUS.displayName())
                        : null,
                c.deadLetterPath != null
                        ? io.streamsync.sink.deadletter.DeadLetterSinks.files(c.deadLetterPath)
                        : io.streamsync.sink.deadletter.DeadLetterSinks.log());
    }
}

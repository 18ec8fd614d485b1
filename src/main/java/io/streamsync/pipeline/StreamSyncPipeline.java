package io.streamsync.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.aggregate.AggregationSettings;
import io.streamsync.aggregate.ItemUpdate;
import io.streamsync.aggregate.ListAggregate;
import io.streamsync.aggregate.ListAggregator;
import io.streamsync.aggregate.WatermarkHoldingOperator;
import io.streamsync.aggregate.WindowAggregate;
import io.streamsync.change.ChangeEvent;
import io.streamsync.config.JobConfig;
import io.streamsync.deadletter.DeadLetter;
import io.streamsync.filter.EventFilter;
import io.streamsync.sink.search.SearchAction;
import io.streamsync.sink.search.SearchClientSettings;
import io.streamsync.sink.search.SearchDocuments;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import io.streamsync.source.repair.ListDocuments;
import io.streamsync.source.repair.RepairSettings;
import io.streamsync.source.repair.RepairSource;
import java.time.Duration;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job's dataflow: source -> parse -> key by list -> per-list aggregation -> aggregate table,
 * search index (aggregates, items, windows history) and dead letters (unparsable records, late
 * changes). The source and sinks are passed in, so tests run the same graph with their own edges.
 * Every operator gets its uid and name from {@link OperatorIds}.
 */
public final class StreamSyncPipeline {
    public static final TypeInformation<SearchAction> SEARCH_ACTION_TYPE =
            Types.POJO(SearchAction.class);

    private StreamSyncPipeline() {}

    /**
     * The job's settings. Always the two graph guards, which Managed Service for Apache Flink
     * allows code to set (guide "Programmatic Flink configuration properties"): no generic (Kryo)
     * types, and no operator without an explicit uid (the graph fails to build otherwise). On
     * Managed Service for Apache Flink ({@link JobConfig#managedFlink}) nothing else: the service
     * refuses any other key set in code and sets checkpointing (the application's
     * CheckpointConfiguration), the restart strategy and the state backend itself. From a
     * properties file (local runs, tests, a self-managed cluster) also {@link
     * #selfManagedSettings}.
     */
    public static void configureEnvironment(StreamExecutionEnvironment env, JobConfig c) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        if (!c.managedFlink) {
            conf.addAll(selfManagedSettings(c));
        }
        env.configure(conf);
        if (c.parallelism > 0) {
            env.setParallelism(
                    c.parallelism); // job.parallelism is refused on Managed Service for Apache
            // Flink
        }
    }

    /**
     * What a cluster of one's own takes from the properties file: exactly-once checkpointing, the
     * fixed-delay restart strategy, checkpoint storage and the state backend. Never set on Managed
     * Service for Apache Flink, where {@link JobConfig#fromManagedFlink} refuses the keys behind
     * them.
     */
    public static Configuration selfManagedSettings(JobConfig c) {
        // all by configuration options, the API that stays in Flink 2.x
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, c.restartAttempts);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, c.restartDelay);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, c.checkpointInterval);
        conf.set(
                CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, c.checkpointTimeout);
        conf.set(
                CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS,
                Duration.ofMillis(Math.min(1000, c.checkpointInterval.toMillis() / 2)));
        if (c.checkpointDir != null) {
            // without it a local MiniCluster keeps checkpoints in the JobManager's memory (5 MB at
            // most)
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, c.checkpointDir);
        }
        switch (c.stateBackend) {
            case HASHMAP:
                conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
                break;
            case ROCKSDB:
                conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
                conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
                break;
            default:
                break; // the cluster's
        }
        return conf;
    }

    public static void define(
            StreamExecutionEnvironment env, JobConfig c, RecordSource source, PipelineSinks sinks) {
        DataStream<RawRecord> records = source.create(env);

        boolean indexItems = sinks.searchIndex != null && c.itemIndex != null;
        SingleOutputStreamOperator<ChangeEvent> events =
                records.process(
                                new ParseChangeRecords(
                                                c.keySchema,
                                                c.maxRecordBytes,
                                                c.deadLetterMaxRecordBytes,
                                                EventFilter.fromConfig(c),
                                                c.isKinesis(),
                                                c.isKinesis() ? c.sourceTableName : null)
                                        .renderNewImage(indexItems))
                        .returns(Types.POJO(ChangeEvent.class))
                        .uid(OperatorIds.PARSE.uid())
                        .name(OperatorIds.PARSE.displayName());

        SingleOutputStreamOperator<ListAggregate> aggregates =
                withRepairs(env, c, events, indexItems)
                        .keyBy(e -> e.partitionKey, Types.STRING)
                        .transform( // KeyedProcessOperator, its output watermark held: freshness.md
                                OperatorIds.AGGREGATE.displayName(),
                                Types.POJO(ListAggregate.class),
                                new WatermarkHoldingOperator(
                                        new ListAggregator(
                                                AggregationSettings.fromConfig(
                                                        c,
                                                        indexItems,
                                                        OperatorIds.AGGREGATE.uid()))))
                        .uid(OperatorIds.AGGREGATE.uid())
                        .name(OperatorIds.AGGREGATE.displayName());

        if (sinks.aggregateTable != null) {
            aggregates
                    .sinkTo(sinks.aggregateTable)
                    .uid(OperatorIds.AGGREGATE_TABLE_SINK.uid())
                    .name(OperatorIds.AGGREGATE_TABLE_SINK.displayName());
        }

        if (sinks.searchIndex != null) {
            String aggregateIndex = c.aggregateIndex;
            String listField = c.keySchema.partitionKey();
            DataStream<SearchAction> documents =
                    aggregates
                            .map(
                                    (MapFunction<ListAggregate, SearchAction>)
                                            a ->
                                                    SearchDocuments.aggregate(
                                                            aggregateIndex, listField, a))
                            .returns(SEARCH_ACTION_TYPE)
                            .uid(OperatorIds.AGGREGATE_DOCUMENTS.uid())
                            .name(OperatorIds.AGGREGATE_DOCUMENTS.displayName());
            if (indexItems) {
                String itemIndex = c.itemIndex;
                DataStream<ItemUpdate> itemUpdates =
                        aggregates.getSideOutput(ListAggregator.ITEM_UPDATES);
                documents =
                        documents.union(
                                itemUpdates
                                        .map(
                                                (MapFunction<ItemUpdate, SearchAction>)
                                                        u -> SearchDocuments.item(itemIndex, u))
                                        .returns(SEARCH_ACTION_TYPE)
                                        .uid(OperatorIds.ITEM_DOCUMENTS.uid())
                                        .name(OperatorIds.ITEM_DOCUMENTS.displayName()));
            }
            if (c.windowsIndex != null) {
                String windowsIndex = c.windowsIndex;
                documents =
                        documents.union(
                                aggregates
                                        .getSideOutput(ListAggregator.WINDOWS)
                                        .map(
                                                (MapFunction<WindowAggregate, SearchAction>)
                                                        w ->
                                                                SearchDocuments.window(
                                                                        windowsIndex, listField, w))
                                        .returns(SEARCH_ACTION_TYPE)
                                        .uid(OperatorIds.WINDOW_DOCUMENTS.uid())
                                        .name(OperatorIds.WINDOW_DOCUMENTS.displayName()));
            }
            documents
                    .sinkTo(sinks.searchIndex)
                    .uid(OperatorIds.SEARCH_SINK.uid())
                    .name(OperatorIds.SEARCH_SINK.displayName());
        }

        if (sinks.deadLetters != null) {
            events.getSideOutput(ParseChangeRecords.DEAD_LETTERS)
                    .union(aggregates.getSideOutput(ListAggregator.LATE_CHANGES))
                    .map(new DeadLetterLines())
                    .returns(Types.STRING)
                    .uid(OperatorIds.DEAD_LETTER_LINES.uid())
                    .name(OperatorIds.DEAD_LETTER_LINES.displayName())
                    .sinkTo(sinks.deadLetters)
                    .uid(OperatorIds.DEAD_LETTER_SINK.uid())
                    .name(OperatorIds.DEAD_LETTER_SINK.displayName());
        }
    }

    /**
     * The parsed changes, united with the repair source's records when {@code repair.request} is
     * set (see reconciliation.md, "Repair through the running job"): one source of parallelism 1,
     * uid {@code repair-requests}, whose state is the request ids it has taken on.
     */
    static DataStream<ChangeEvent> withRepairs(
            StreamExecutionEnvironment env,
            JobConfig c,
            DataStream<ChangeEvent> events,
            boolean indexItems) {
        RepairSettings repair = RepairSettings.fromConfig(c);
        if (!repair.requested()) {
            return events;
        }
        ListDocuments documents =
                indexItems
                        ? new SearchListDocuments(
                                SearchClientSettings.from(c),
                                c.itemIndex,
                                c.keySchema.partitionKey())
                        : ListDocuments.none();
        return events.union(
                env.fromSource(
                                new RepairSource(repair, documents),
                                RepairSource.idle(),
                                OperatorIds.REPAIR_SOURCE.displayName(),
                                Types.POJO(ChangeEvent.class))
                        .setParallelism(1)
                        .uid(OperatorIds.REPAIR_SOURCE.uid())
                        .name(OperatorIds.REPAIR_SOURCE.displayName()));
    }

    /** Renders dead letters as JSON lines; one ObjectMapper per operator instance. */
    static final class DeadLetterLines extends RichMapFunction<DeadLetter, String> {
        private static final long serialVersionUID = 1L;
        private transient ObjectMapper mapper;

        @Override
        public void open(OpenContext openContext) {
            mapper = new ObjectMapper();
        }

        @Override
        public String map(DeadLetter d) {
            return d.toJsonLine(mapper);
        }
    }
}

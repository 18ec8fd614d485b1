package io.streamsync.upgrade;

import io.streamsync.pipeline.OperatorIds;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Emits fixed records, then stays open (a job that must be stopped with a savepoint cannot have
 * finished). Under the production source's uid, with no state of its own that a golden savepoint
 * would keep: the committed savepoints made with it (0.1.0's, by a legacy source function) carry no
 * source state, and this FLIP-27 version restores them the same way (no source function is left in
 * Flink 2).
 */
public final class FixtureSource implements RecordSource {
    private final List<RawRecord> records;

    public FixtureSource(List<RawRecord> records) {
        this.records = new ArrayList<>(records);
    }

    @Override
    public DataStream<RawRecord> create(StreamExecutionEnvironment env) {
        ArrayList<RawRecord> fixed = new ArrayList<>(records);
        return env.fromSource(
                        new OpenSequence(fixed.size()),
                        WatermarkStrategy.noWatermarks(),
                        OperatorIds.SOURCE.displayName())
                .setParallelism(1)
                .uid(OperatorIds.SOURCE.uid())
                .name(OperatorIds.SOURCE.displayName())
                .map((MapFunction<Long, RawRecord>) i -> fixed.get(i.intValue()))
                .returns(Types.POJO(RawRecord.class))
                .setParallelism(1)
                .uid("fixture-records")
                .name("Fixture records");
    }

    /**
     * The indices 0..n-1, then nothing more, without ever ending: its enumerator never says "no
     * more splits".
     */
    static final class OpenSequence extends NumberSequenceSource {
        private static final long serialVersionUID = 1L;

        OpenSequence(int n) {
            super(0, n - 1);
        }

        @Override
        public SplitEnumerator<NumberSequenceSplit, Collection<NumberSequenceSplit>>
                createEnumerator(SplitEnumeratorContext<NumberSequenceSplit> context) {
            return new Enumerator(context, splitNumberRange(getFrom(), getTo(), 1));
        }

        @Override
        public SplitEnumerator<NumberSequenceSplit, Collection<NumberSequenceSplit>>
                restoreEnumerator(
                        SplitEnumeratorContext<NumberSequenceSplit> context,
                        Collection<NumberSequenceSplit> remaining) {
            return new Enumerator(context, remaining);
        }
    }

    private static final class Enumerator
            implements SplitEnumerator<
                    NumberSequenceSource.NumberSequenceSplit,
                    Collection<NumberSequenceSource.NumberSequenceSplit>> {
        private final SplitEnumeratorContext<NumberSequenceSource.NumberSequenceSplit> context;
        private final ArrayDeque<NumberSequenceSource.NumberSequenceSplit> remaining;

        Enumerator(
                SplitEnumeratorContext<NumberSequenceSource.NumberSequenceSplit> context,
                Collection<NumberSequenceSource.NumberSequenceSplit> splits) {
            this.context = context;
            this.remaining = new ArrayDeque<>(splits);
        }

        @Override
        public void start() {}

        @Override
        public void handleSplitRequest(int subtask, String host) {
            NumberSequenceSource.NumberSequenceSplit next = remaining.poll();
            if (next != null) {
                context.assignSplit(next, subtask);
            } // else: no answer, so the reader waits for more for ever
        }

        @Override
        public void addSplitsBack(
                List<NumberSequenceSource.NumberSequenceSplit> splits, int subtask) {
            remaining.addAll(splits);
        }

        @Override
        public void addReader(int subtask) {}

        @Override
        public Collection<NumberSequenceSource.NumberSequenceSplit> snapshotState(
                long checkpointId) {
            return new ArrayList<>(remaining);
        }

        @Override
        public void close() {}
    }
}

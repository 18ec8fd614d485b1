package io.streamsync.upgrade;

import io.streamsync.pipeline.OperatorIds;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.source.SourceFunction;

/**
 * Emits fixed records, then stays open (a job that must be stopped with a savepoint cannot have finished).
 * Stateless, under the production source's uid: a savepoint taken with it carries no source state.
 */
public final class FixtureSource implements RecordSource {
    private final List<RawRecord> records;

    public FixtureSource(List<RawRecord> records) {
        this.records = new ArrayList<>(records);
    }

    @Override
    @SuppressWarnings("deprecation")
    public DataStream<RawRecord> create(StreamExecutionEnvironment env) {
        return env.addSource(new Emitter(records), OperatorIds.SOURCE.displayName(), Types.POJO(RawRecord.class))
                .setParallelism(1)
                .uid(OperatorIds.SOURCE.uid())
                .name(OperatorIds.SOURCE.displayName());
    }

    @SuppressWarnings("deprecation")
    private static final class Emitter implements SourceFunction<RawRecord> {
        private static final long serialVersionUID = 1L;
        private final ArrayList<RawRecord> records;
        private volatile boolean running = true;

        Emitter(List<RawRecord> records) {
            this.records = new ArrayList<>(records);
        }

        @Override
        public void run(SourceContext<RawRecord> ctx) throws InterruptedException {
            for (RawRecord r : records) {
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(r);
                }
            }
            while (running) {
                Thread.sleep(50);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }
}

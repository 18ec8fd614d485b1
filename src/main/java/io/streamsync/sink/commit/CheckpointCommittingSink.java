package io.streamsync.sink.commit;

import io.streamsync.metrics.CloudWatchMetrics;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A sink whose output becomes visible only for completed checkpoints, so that no reader ever sees a
 * state a restore takes back.
 *
 * <p>The writer keeps the latest state per key (per list, per document) that reached it since the
 * last checkpoint. At the checkpoint barrier it hands them to the committer as one {@link
 * CommitBatch}, which Flink stores in the checkpoint; once the checkpoint is complete, the
 * committer publishes the batch with its {@link Publisher}, whose writes are idempotent and guarded
 * by the states' deterministic versions. A batch whose commit was cut short by a failure is in the
 * restored checkpoint and is published again; a state written twice is refused the second time as
 * "not newer". What the job computed after the last completed checkpoint is never published before
 * a later checkpoint completes, and so is never seen if a failure discards it.
 *
 * <p>The writer's own state is empty at every checkpoint (its states went into the batch); its
 * format is that of Flink's async sink base, so that the unwritten states of a savepoint of release
 * 0.1.0 (whose sinks were built on that base) are adopted and committed with the first checkpoint.
 *
 * <p><b>How far it has caught up.</b> Each batch also carries the watermark its writer had at the
 * barrier (the aggregation holds its watermark until the states of the changes before it are
 * emitted, see {@code aggregate.WatermarkHoldingOperator}). With a {@link StatusPublisherFactory},
 * the committers pass the batches they published to a status step of parallelism 1, which publishes
 * the least watermark of a checkpoint once every writer subtask's batch of it is published ({@link
 * CaughtUp}).
 */
public final class CheckpointCommittingSink<T extends Serializable>
        implements Sink<T>,
                SupportsCommitter<CommitBatch<T>>,
                SupportsWriterState<T, BufferedRequestState<T>>,
                SupportsPostCommitTopology<CommitBatch<T>> {
    private static final long serialVersionUID = 1L;

    private final ElementCodec<T> codec;
    private final CommitKeys<T> keys;
    private final PublisherFactory<T> publishers;
    private final StatusPublisherFactory status;
    private final String statusUid;
    private final String statusName;

    public CheckpointCommittingSink(
            ElementCodec<T> codec, CommitKeys<T> keys, PublisherFactory<T> publishers) {
        this(codec, keys, publishers, null, null, null);
    }

    /**
     * With a status step: once the batches of every writer subtask of a checkpoint are published,
     * it publishes how far the output has caught up ({@link CaughtUp}) with {@code status}, in an
     * operator of parallelism 1 with the given uid and name.
     */
    public CheckpointCommittingSink(
            ElementCodec<T> codec,
            CommitKeys<T> keys,
            PublisherFactory<T> publishers,
            StatusPublisherFactory status,
            String statusUid,
            String statusName) {
        this.codec = codec;
        this.keys = keys;
        this.publishers = publishers;
        this.status = status;
        this.statusUid = statusUid;
        this.statusName = statusName;
    }

    @Override
    public Writer<T> createWriter(WriterInitContext context) {
        return restoreWriter(context, Collections.emptyList());
    }

    @Override
    public Writer<T> restoreWriter(
            WriterInitContext context, Collection<BufferedRequestState<T>> recovered) {
        return new Writer<>(
                keys,
                recovered,
                CloudWatchMetrics.of(context.metricGroup()),
                context.getTaskInfo().getIndexOfThisSubtask(),
                context.getTaskInfo().getNumberOfParallelSubtasks());
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<CommitBatch<T>>> committed) {
        if (status == null) {
            return;
        }
        committed
                .global()
                .process(new StatusStep<T>(status))
                .returns(Types.VOID)
                .setParallelism(1)
                .setMaxParallelism(1)
                .uid(statusUid)
                .name(statusName);
    }

    @Override
    public SimpleVersionedSerializer<BufferedRequestState<T>> getWriterStateSerializer() {
        return new BufferedStateSerializer<>(codec);
    }

    @Override
    public Committer<CommitBatch<T>> createCommitter(CommitterInitContext context)
            throws IOException {
        MetricGroup metrics = CloudWatchMetrics.of(context.metricGroup());
        return new PublishingCommitter<>(
                keys,
                publishers.create(metrics, context.getTaskInfo().getIndexOfThisSubtask()),
                metrics);
    }

    @Override
    public SimpleVersionedSerializer<CommitBatch<T>> getCommittableSerializer() {
        return new CommitBatchSerializer<>(codec);
    }

    /** Collects the latest state per key between two checkpoints. */
    public static final class Writer<T extends Serializable>
            implements CommittingSinkWriter<T, CommitBatch<T>>,
                    StatefulSinkWriter<T, BufferedRequestState<T>> {
        private final LatestPerKey<T> pending;
        private final Counter received;
        private final Counter handedToCommit;
        private final int subtask;
        private final int subtasks;
        private long watermark = CommitBatch.NO_WATERMARK;

        Writer(
                CommitKeys<T> keys,
                Collection<BufferedRequestState<T>> recovered,
                MetricGroup metrics) {
            this(keys, recovered, metrics, -1, 0);
        }

        Writer(
                CommitKeys<T> keys,
                Collection<BufferedRequestState<T>> recovered,
                MetricGroup metrics,
                int subtask,
                int subtasks) {
            this.pending = new LatestPerKey<>(keys);
            this.subtask = subtask;
            this.subtasks = subtasks;
            for (BufferedRequestState<T> state : recovered) {
                for (RequestEntryWrapper<T> entry : state.getBufferedRequestEntries()) {
                    pending.add(entry.getRequestEntry());
                }
            }
            received = metrics.counter("statesReceived");
            handedToCommit = metrics.counter("statesHandedToCommit");
            metrics.gauge("statesPending", pending::size);
        }

        @Override
        public void write(T state, Context context) {
            received.inc();
            pending.add(state);
        }

        /**
         * Every state of a change created before {@code mark} reached this writer before it (the
         * aggregation holds its watermark until it has emitted them). The end of the input ({@code
         * Long.MAX_VALUE}) is no event time: the writer keeps the watermark it had.
         */
        @Override
        public void writeWatermark(Watermark mark) {
            if (mark.getTimestamp() != Long.MAX_VALUE) {
                watermark = Math.max(watermark, mark.getTimestamp());
            }
        }

        @Override
        public void flush(boolean endOfInput) {
            // nothing is sent from here: the committer publishes once the checkpoint is complete
        }

        @Override
        public Collection<CommitBatch<T>> prepareCommit() {
            if (pending.isEmpty() && watermark == CommitBatch.NO_WATERMARK) {
                return Collections.emptyList();
            }
            // a batch at every barrier once the writer has a watermark, states or not: the status
            // step needs every subtask's batch of a checkpoint to publish how far it caught up
            List<T> states = pending.drain();
            handedToCommit.inc(states.size());
            return Collections.singletonList(
                    new CommitBatch<>(states, watermark, subtask, subtasks));
        }

        @Override
        public List<BufferedRequestState<T>> snapshotState(long checkpointId) {
            if (pending.isEmpty()) {
                return Collections
                        .emptyList(); // the usual case: prepareCommit ran before the snapshot
            }
            List<RequestEntryWrapper<T>> entries = new ArrayList<>();
            for (T s : pending.values()) {
                entries.add(new RequestEntryWrapper<>(s, 128));
            }
            return Collections.singletonList(new BufferedRequestState<>(entries));
        }

        @Override
        public void close() {}
    }

    /**
     * The status step (parallelism 1): takes the batches the committers have published, with their
     * checkpoint, and publishes how far the output has caught up once every writer subtask's batch
     * of a checkpoint is published ({@link CaughtUp}). Metric {@code caughtUpLagMs}: the clock
     * minus the last caught-up time published (0 before any).
     */
    static final class StatusStep<T>
            extends ProcessFunction<CommittableMessage<CommitBatch<T>>, Void> {
        private static final long serialVersionUID = 1L;
        private final StatusPublisherFactory factory;
        private transient StatusPublisher publisher;
        private transient CaughtUp caughtUp;

        StatusStep(StatusPublisherFactory factory) {
            this.factory = factory;
        }

        @Override
        public void open(OpenContext openContext) throws Exception {
            MetricGroup metrics = CloudWatchMetrics.of(getRuntimeContext().getMetricGroup());
            publisher = factory.create(metrics);
            caughtUp = new CaughtUp();
            metrics.gauge(
                    "caughtUpLagMs",
                    () -> {
                        long t = caughtUp.published();
                        return t == CaughtUp.NONE ? 0L : System.currentTimeMillis() - t;
                    });
        }

        @Override
        public void processElement(
                CommittableMessage<CommitBatch<T>> message, Context ctx, Collector<Void> out)
                throws Exception {
            if (!(message instanceof CommittableWithLineage)) {
                return; // a summary: the batches themselves say which writer made them
            }
            CommittableWithLineage<CommitBatch<T>> c =
                    (CommittableWithLineage<CommitBatch<T>>) message;
            CommitBatch<T> b = c.getCommittable();
            long t = caughtUp.published(c.getCheckpointId(), b.subtask, b.subtasks, b.watermark);
            if (t != CaughtUp.NONE) {
                publisher.publish(t, c.getCheckpointId());
            }
        }

        @Override
        public void close() throws Exception {
            if (publisher != null) {
                publisher.close();
            }
        }
    }

    /**
     * Publishes the batches of completed checkpoints. All batches of one call are merged, latest
     * state per key, and published together. A publisher that cannot finish throws, which fails the
     * job over: the batches stay in the checkpoint and are published again after the restore
     * (before the job processes anything new).
     */
    static final class PublishingCommitter<T extends Serializable>
            implements Committer<CommitBatch<T>> {
        private final CommitKeys<T> keys;
        private final Publisher<T> publisher;
        private final Counter published;
        private final AtomicLong lastCommitMillis = new AtomicLong();

        PublishingCommitter(CommitKeys<T> keys, Publisher<T> publisher, MetricGroup metrics) {
            this.keys = keys;
            this.publisher = publisher;
            this.published = metrics.counter("statesPublished");
            metrics.gauge("lastCommitDurationMs", lastCommitMillis::get);
        }

        @Override
        public void commit(Collection<CommitRequest<CommitBatch<T>>> requests)
                throws IOException, InterruptedException {
            LatestPerKey<T> latest = new LatestPerKey<>(keys);
            for (CommitRequest<CommitBatch<T>> r : requests) {
                latest.addAll(r.getCommittable().states);
            }
            if (latest.isEmpty()) {
                return;
            }
            long start = System.nanoTime();
            List<T> states = latest.drain();
            publisher.publish(states);
            published.inc(states.size());
            lastCommitMillis.set((System.nanoTime() - start) / 1_000_000);
        }

        @Override
        public void close() throws IOException {
            publisher.close();
        }
    }
}

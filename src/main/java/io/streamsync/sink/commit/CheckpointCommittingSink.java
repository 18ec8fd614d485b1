package io.streamsync.sink.commit;

import io.streamsync.metrics.CloudWatchMetrics;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
 */
public final class CheckpointCommittingSink<T extends Serializable>
        implements Sink<T>,
                SupportsCommitter<CommitBatch<T>>,
                SupportsWriterState<T, BufferedRequestState<T>> {
    private static final long serialVersionUID = 1L;

    private final ElementCodec<T> codec;
    private final CommitKeys<T> keys;
    private final PublisherFactory<T> publishers;

    public CheckpointCommittingSink(
            ElementCodec<T> codec, CommitKeys<T> keys, PublisherFactory<T> publishers) {
        this.codec = codec;
        this.keys = keys;
        this.publishers = publishers;
    }

    @Override
    public Writer<T> createWriter(WriterInitContext context) {
        return new Writer<>(
                keys, Collections.emptyList(), CloudWatchMetrics.of(context.metricGroup()));
    }

    @Override
    public Writer<T> restoreWriter(
            WriterInitContext context, Collection<BufferedRequestState<T>> recovered) {
        return new Writer<>(keys, recovered, CloudWatchMetrics.of(context.metricGroup()));
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

        Writer(
                CommitKeys<T> keys,
                Collection<BufferedRequestState<T>> recovered,
                MetricGroup metrics) {
            pending = new LatestPerKey<>(keys);
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

        @Override
        public void flush(boolean endOfInput) {
            // nothing is sent from here: the committer publishes once the checkpoint is complete
        }

        @Override
        public Collection<CommitBatch<T>> prepareCommit() {
            if (pending.isEmpty()) {
                return Collections.emptyList();
            }
            List<T> states = pending.drain();
            handedToCommit.inc(states.size());
            return Collections.singletonList(new CommitBatch<>(states));
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

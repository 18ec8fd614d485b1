package io.streamsync.source.repair;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.JobConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repair source takes a request on once, whatever restores it, and its state goes through its
 * versioned serializers unchanged.
 */
class RepairSourceStateTest {
    /** Records the splits assigned. */
    static class Context implements SplitEnumeratorContext<RepairSplit> {
        final Map<Integer, ReaderInfo> readers = new TreeMap<>();
        final List<RepairSplit> assigned = new ArrayList<>();

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            return UnregisteredMetricsGroup.createSplitEnumeratorMetricGroup();
        }

        @Override
        public void sendEventToSourceReader(int subtaskId, SourceEvent event) {}

        @Override
        public int currentParallelism() {
            return 1;
        }

        @Override
        public Map<Integer, ReaderInfo> registeredReaders() {
            return readers;
        }

        @Override
        public void assignSplits(SplitsAssignment<RepairSplit> assignment) {
            assignment.assignment().values().forEach(assigned::addAll);
        }

        @Override
        public void signalNoMoreSplits(int subtask) {}

        @Override
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {}

        @Override
        public <T> void callAsync(
                Callable<T> callable,
                BiConsumer<T, Throwable> handler,
                long initialDelay,
                long period) {}

        @Override
        public void runInCoordinatorThread(Runnable runnable) {
            runnable.run();
        }

        void register() {
            readers.put(0, new ReaderInfo(0, "localhost"));
        }
    }

    private static RepairSettings settings(String request) {
        return RepairSettings.fromConfig(JobConfig.from(Map.of("repair.request", request)));
    }

    /** An enumerator of {@code request} with no state. */
    static RepairEnumerator fresh(Context ctx, String request) {
        return new RepairEnumerator(
                ctx, settings(request), new RepairEnumeratorState(Set.of(), List.of()));
    }

    private static RepairEnumeratorState roundTrip(RepairEnumeratorState s) throws Exception {
        RepairSerializers.EnumeratorState ser = new RepairSerializers.EnumeratorState();
        return ser.deserialize(ser.getVersion(), ser.serialize(s));
    }

    @Test
    void aRequestIsTakenOnOnceWhateverRestoresTheJob() throws Exception {
        Context ctx = new Context();
        RepairEnumerator e =
                new RepairEnumerator(
                        ctx, settings("r-1=a,b"), new RepairEnumeratorState(Set.of(), List.of()));
        e.start(); // no reader yet: pending
        assertThat(ctx.assigned).isEmpty();
        RepairEnumeratorState before = roundTrip(e.snapshotState(1));
        assertThat(before.done).containsExactly("r-1");
        assertThat(before.pending).hasSize(1);
        ctx.register();
        e.addReader(0);
        assertThat(ctx.assigned).hasSize(1);
        assertThat(ctx.assigned.get(0).lists).containsExactly("a", "b");
        RepairEnumeratorState after = roundTrip(e.snapshotState(2));
        assertThat(after.pending).as("handed to the reader: its state now").isEmpty();

        // a global failover to the checkpoint before the assignment: assigned again
        Context ctx2 = new Context();
        ctx2.register();
        RepairEnumerator restored = new RepairEnumerator(ctx2, settings("r-1=a,b"), before);
        restored.start();
        restored.addReader(0);
        assertThat(ctx2.assigned).hasSize(1);

        // restored after it: the same request is not taken on again, a new one is
        Context ctx3 = new Context();
        ctx3.register();
        new RepairEnumerator(ctx3, settings("r-1=a,b"), after).start();
        assertThat(ctx3.assigned).isEmpty();
        new RepairEnumerator(ctx3, settings("r-2=c"), after).start();
        assertThat(ctx3.assigned).extracting(s -> s.requestId).containsExactly("r-2");
    }

    @Test
    void splitsGivenBackAfterAFailureAreAssignedAgain() {
        Context ctx = new Context();
        ctx.register();
        RepairEnumerator e =
                new RepairEnumerator(
                        ctx, settings("r-1=a,b,c"), new RepairEnumeratorState(Set.of(), List.of()));
        e.start();
        RepairSplit half = ctx.assigned.get(0).advanced();
        e.addSplitsBack(List.of(half), 0);
        e.addReader(0);
        assertThat(ctx.assigned).hasSize(2);
        assertThat(ctx.assigned.get(1).next).isEqualTo(1);
    }

    @Test
    void aDriftedRequestTakesTheReportsDriftedLists(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.jsonl");
        Files.writeString(
                report,
                "{\"list\":\"q\",\"verdict\":\"drift\"}\n"
                        + "{\"list\":\"r\",\"verdict\":\"drift\"}\n"
                        + "{\"summary\":true,\"drifted\":[\"q\",\"r\"]}\n",
                StandardCharsets.UTF_8);
        Context ctx = new Context();
        ctx.register();
        new RepairEnumerator(
                        ctx,
                        settings("r-9=drifted:" + report.toUri()),
                        new RepairEnumeratorState(Set.of(), List.of()))
                .start();
        assertThat(ctx.assigned.get(0).lists).containsExactly("q", "r");

        Context missing = new Context();
        missing.register();
        RepairEnumerator e =
                new RepairEnumerator(
                        missing,
                        settings("r-10=drifted:" + dir.resolve("none.jsonl").toUri()),
                        new RepairEnumeratorState(Set.of(), List.of()));
        e.start();
        assertThat(missing.assigned).isEmpty();
        assertThat(e.snapshotState(1).done)
                .as("not taken on: the same request runs once the report is there")
                .isEmpty();
    }

    @Test
    void theSplitSerializerKeepsTheReadersPosition() throws Exception {
        RepairSerializers.Split ser = new RepairSerializers.Split();
        RepairSplit s = new RepairSplit("r-1", List.of("a", "ü,b", ""), 2);
        RepairSplit back = ser.deserialize(ser.getVersion(), ser.serialize(s));
        assertThat(back.requestId).isEqualTo("r-1");
        assertThat(back.lists).containsExactly("a", "ü,b", "");
        assertThat(back.next).isEqualTo(2);
        assertThat(back.splitId()).isEqualTo(s.splitId());
    }
}

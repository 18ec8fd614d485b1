package io.streamsync.source.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.config.ConfigException;
import io.streamsync.config.JobConfig;
import io.streamsync.metrics.CloudWatchMetrics;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review item 6: a {@code drifted:} report that cannot be read (missing, unreadable, a malformed
 * line) is counted in {@code repairReportsUnreadable} (group {@code kinesisanalytics}) and read
 * again on a schedule ({@code repair.report.retry.ms}) until it reads, not only at the next start
 * of the job; the report is read line by line.
 */
class AnUnreadableDriftedReportIsCountedAndTriedAgainTest {

    /** An enumerator context that records the scheduled calls and the counters by group. */
    static final class Context extends RepairSourceStateTest.Context {
        final Map<String, Counter> counters = new HashMap<>();
        final List<Scheduled<?>> scheduled = new ArrayList<>();

        static final class Scheduled<T> {
            final Callable<T> callable;
            final BiConsumer<T, Throwable> handler;
            final long initialDelay;
            final long period;

            Scheduled(
                    Callable<T> callable,
                    BiConsumer<T, Throwable> handler,
                    long initialDelay,
                    long period) {
                this.callable = callable;
                this.handler = handler;
                this.initialDelay = initialDelay;
                this.period = period;
            }

            /** One run, as Flink's coordinator runs it: the call, then its handler. */
            void runOnce() {
                T result;
                try {
                    result = callable.call();
                } catch (Throwable t) {
                    handler.accept(null, t);
                    return;
                }
                handler.accept(result, null);
            }
        }

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            return new Group("");
        }

        @Override
        public <T> void callAsync(
                Callable<T> callable,
                BiConsumer<T, Throwable> handler,
                long initialDelay,
                long period) {
            scheduled.add(new Scheduled<>(callable, handler, initialDelay, period));
        }

        long count(String name) {
            Counter c = counters.get(CloudWatchMetrics.GROUP + "." + name);
            return c == null ? -1 : c.getCount();
        }

        final class Group extends UnregisteredMetricsGroup implements SplitEnumeratorMetricGroup {
            private final String prefix;

            Group(String prefix) {
                this.prefix = prefix;
            }

            @Override
            public Counter counter(String name) {
                return counters.computeIfAbsent(prefix + name, n -> new SimpleCounter());
            }

            @Override
            public MetricGroup addGroup(String name) {
                return new Group(prefix + name + ".");
            }

            @Override
            public <G extends org.apache.flink.metrics.Gauge<Long>> G setUnassignedSplitsGauge(
                    G unassignedSplitsGauge) {
                return unassignedSplitsGauge;
            }
        }
    }

    private static final String REPORT =
            "{\"list\":\"q\",\"verdict\":\"drift\"}\n"
                    + "{\"list\":\"l\",\"verdict\":\"lag\"}\n"
                    + "{\"list\":\"r\",\"verdict\":\"drift\"}\n"
                    + "{\"summary\":true,\"drifted\":[\"q\",\"r\"]}\n";

    @Test
    void aMissingReportIsCountedAndReadAgainOnAScheduleUntilItIsThere(@TempDir Path dir)
            throws Exception {
        Path report = dir.resolve("report.jsonl");
        Context ctx = new Context();
        ctx.register();
        RepairEnumerator e = RepairSourceStateTest.fresh(ctx, "r-1=drifted:" + report.toUri());
        e.start();
        assertThat(ctx.assigned).isEmpty();
        assertThat(e.snapshotState(1).done).as("not taken on yet").isEmpty();
        assertThat(ctx.count("repairReportsUnreadable"))
                .as("the failed read, counted in the kinesisanalytics group")
                .isEqualTo(1);
        assertThat(ctx.scheduled).as("a read of the report again, on a schedule").hasSize(1);
        Context.Scheduled<?> retry = ctx.scheduled.get(0);
        assertThat(retry.period)
                .as("every repair.report.retry.ms (default 60 s)")
                .isEqualTo(60_000);
        assertThat(retry.initialDelay).isEqualTo(60_000);

        retry.runOnce(); // still missing
        assertThat(ctx.assigned).isEmpty();
        assertThat(ctx.count("repairReportsUnreadable")).isEqualTo(2);

        Files.writeString(report, REPORT, StandardCharsets.UTF_8);
        retry.runOnce();
        assertThat(ctx.assigned).hasSize(1);
        assertThat(ctx.assigned.get(0).lists).containsExactly("q", "r");
        assertThat(e.snapshotState(2).done).containsExactly("r-1");
        assertThat(ctx.count("repairReportsUnreadable")).isEqualTo(2);

        retry.runOnce(); // the schedule goes on: nothing more happens
        assertThat(ctx.assigned).hasSize(1);
        assertThat(ctx.count("repairReportsUnreadable")).isEqualTo(2);
    }

    @Test
    void aMalformedLineIsAnUnreadableReportTooNamingTheLine(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.jsonl");
        Files.writeString(
                report,
                "{\"list\":\"q\",\"verdict\":\"drift\"}\n{\"list\":\"r\",\"verd\n"
                        + "{\"summary\":true}\n",
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> RepairRequest.driftedLists(Files.readString(report)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("line 2");
        Context ctx = new Context();
        ctx.register();
        RepairEnumerator e = RepairSourceStateTest.fresh(ctx, "r-2=drifted:" + report.toUri());
        e.start();
        assertThat(ctx.assigned).isEmpty();
        assertThat(ctx.count("repairReportsUnreadable")).isEqualTo(1);
        assertThat(ctx.scheduled).hasSize(1);
        Files.writeString(report, REPORT, StandardCharsets.UTF_8); // written again, whole
        ctx.scheduled.get(0).runOnce();
        assertThat(ctx.assigned).extracting(s -> s.lists).containsExactly(List.of("q", "r"));
    }

    @Test
    void aReadableReportIsTakenOnAtOnceWithNothingScheduled(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.jsonl");
        Files.writeString(report, REPORT, StandardCharsets.UTF_8);
        Context ctx = new Context();
        ctx.register();
        RepairSourceStateTest.fresh(ctx, "r-3=drifted:" + report.toUri()).start();
        assertThat(ctx.assigned).hasSize(1);
        assertThat(ctx.scheduled).isEmpty();
        assertThat(ctx.count("repairReportsUnreadable")).isEqualTo(0);
    }

    /**
     * The report is read as a stream of lines: a report of a million lines (about 60 MB of text)
     * that exists only as a stream gives its drifted lists.
     */
    @Test
    void theReportIsReadLineByLine() throws Exception {
        int lines = 1_000_000;
        Reader generated =
                new Reader() {
                    private int line;
                    private String current = "";
                    private int at;

                    @Override
                    public int read(char[] buf, int off, int len) {
                        if (at == current.length()) {
                            if (line > lines) {
                                return -1;
                            }
                            current =
                                    line == lines
                                            ? "{\"summary\":true}\n"
                                            : line % 250_000 == 7
                                                    ? "{\"list\":\"d-"
                                                            + line
                                                            + "\",\"verdict\":\"drift\"}\n"
                                                    : "{\"list\":\"l-"
                                                            + line
                                                            + "\",\"verdict\":\"lag\",\"reason\":\"x\"}\n";
                            at = 0;
                            line++;
                        }
                        int n = Math.min(len, current.length() - at);
                        current.getChars(at, at + n, buf, off);
                        at += n;
                        return n;
                    }

                    @Override
                    public void close() {}
                };
        assertThat(RepairRequest.driftedLists(generated))
                .containsExactly("d-7", "d-250007", "d-500007", "d-750007");
    }

    @Test
    void theRetryIntervalIsASettingWithAClearError() {
        for (String bad : List.of("0", "999", "-1", "x", "86400001")) {
            assertThatThrownBy(
                            () ->
                                    RepairSettings.fromConfig(
                                            JobConfig.from(Map.of("repair.report.retry.ms", bad))))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("repair.report.retry.ms=" + bad)
                    .hasMessageContaining("between 1000 and 86400000");
        }
        assertThat(
                        RepairSettings.fromConfig(
                                        JobConfig.from(Map.of("repair.report.retry.ms", "5000")))
                                .reportRetryMs)
                .isEqualTo(5000);
    }
}

package io.streamsync.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the pipeline's time goes: runs the pipeline benchmark (parallelism 1, heap state) under a
 * JFR recording (the JDK's "profile" settings: method samples every 10-20 ms per thread) and sums
 * the CPU samples of the task threads by method, self (top frame) and inclusive (anywhere on the
 * stack), and by stage (the first frame of ours, or of Flink's network stack and serializers, on
 * the stack).
 */
public final class Profile {
    private Profile() {}

    /** The summary as Markdown lines; the recording is written to {@code jfrFile}. */
    public static List<String> run(long records, Path jfrFile) throws Exception {
        PipelineThroughput.run(false, 1, "hashmap", 10, records / 4); // warm-up, not recorded
        Recording recording = new Recording(Configuration.getConfiguration("profile"));
        recording.start();
        long t0 = System.nanoTime();
        double seconds = PipelineThroughput.run(false, 1, "hashmap", 10, records);
        recording.stop();
        Files.createDirectories(jfrFile.toAbsolutePath().getParent());
        recording.dump(jfrFile);
        recording.close();

        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> stage = new HashMap<>();
        int samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfrFile)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            String thread =
                    e.getThread("sampledThread") == null
                            ? ""
                            : e.getThread("sampledThread").getJavaName();
            if (st == null
                    || st.getFrames().isEmpty()
                    || thread == null
                    || thread.startsWith("observe")) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = st.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
                if (seen.add(name(f))) {
                    inclusive.merge(name(f), 1, Integer::sum);
                }
            }
            stage.merge(stageOf(frames), 1, Integer::sum);
        }
        List<String> md = new ArrayList<>();
        md.add(
                String.format(
                        "JFR (`profile` settings) over one run of %,d records at parallelism 1, heap state: %.1f s, "
                                + "%,d events/s, %,d CPU samples of Java threads. Recording: `%s` (not committed; open it with JDK Mission "
                                + "Control or `jfr print`).",
                        records,
                        seconds,
                        Math.round(records / seconds),
                        samples,
                        jfrFile.getFileName()));
        md.add("");
        md.add("Samples by stage (the innermost frame on the stack that belongs to a stage):");
        md.add("");
        table(md, "stage", stage, samples, 12);
        md.add("Hottest methods, self time (top frame):");
        md.add("");
        table(md, "method", self, samples, 15);
        md.add("Hottest methods of ours and of Jackson, inclusive (anywhere on the stack):");
        md.add("");
        Map<String, Integer> ours = new HashMap<>();
        inclusive.forEach(
                (k, v) -> {
                    if (k.startsWith("io.streamsync.") || k.startsWith("com.fasterxml.")) {
                        ours.put(k, v);
                    }
                });
        table(md, "method", ours, samples, 15);
        long t1 = System.nanoTime();
        System.out.printf("profile summarised in %.1f s (run %.1f s)%n", (t1 - t0) / 1e9, seconds);
        return md;
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /** The stage a sample belongs to, from its innermost recognisable frame. */
    static String stageOf(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String n = name(f);
            if (n.startsWith("io.streamsync.change.")
                    || n.startsWith("io.streamsync.pipeline.ParseChangeRecords")) {
                return "parse and convert (io.streamsync.change, ParseChangeRecords)";
            }
            if (n.startsWith("io.streamsync.aggregate.")) {
                return "aggregation (io.streamsync.aggregate)";
            }
            if (n.startsWith("io.streamsync.bench.")) {
                return "benchmark source (pre-generated records)";
            }
            if (n.contains("api.java.typeutils.runtime")
                    || n.contains("api.common.typeutils.base")
                    || n.contains("core.memory.DataOutput")
                    || n.contains("core.memory.DataInput")) {
                return "Flink serializers (records between operators)";
            }
            if (n.startsWith("org.apache.flink.runtime.io.network")
                    || n.startsWith("org.apache.flink.runtime.io.")) {
                return "Flink network stack and buffers";
            }
            if (n.startsWith("org.apache.flink.runtime.state")
                    || n.startsWith("org.apache.flink.streaming.api.operators")) {
                return "Flink state and operator plumbing";
            }
        }
        return "other (JVM, GC helpers, Flink runtime threads)";
    }

    private static void table(
            List<String> md, String what, Map<String, Integer> counts, int total, int top) {
        md.add("| " + what + " | samples | share |");
        md.add("|---|---|---|");
        counts.entrySet().stream()
                .sorted((a, b) -> b.getValue() - a.getValue())
                .limit(top)
                .forEach(
                        e ->
                                md.add(
                                        String.format(
                                                "| `%s` | %,d | %.1f%% |",
                                                e.getKey(),
                                                e.getValue(),
                                                100.0 * e.getValue() / total)));
        md.add("");
    }
}

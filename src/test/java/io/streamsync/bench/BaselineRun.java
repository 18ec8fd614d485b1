package io.streamsync.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One side of a comparison between two builds ({@code src/bench/baseline.sh}): {@code run FILE}
 * measures this build's pipeline and source cases and writes every repetition and its {@link
 * ResultsHeader} to FILE; {@code report OUT.md BASE_FILES... -- NEW_FILES...} writes the results
 * file from both sides' files. The script copies this class and {@link ResultsHeader} into the
 * baseline's tree (extracted with {@code git archive}) so that both sides measure and describe
 * themselves with the same code; each side runs its own {@code PipelineThroughput} and {@code
 * SourceThroughput}.
 */
public final class BaselineRun {
    private BaselineRun() {}

    /** Pipeline cases as parallelism:backend:lists. */
    static final String CASES = "1:hashmap:10,2:hashmap:10,2:rocksdb:10,2:hashmap:10000";

    public static void main(String[] args) throws Exception {
        if (args[0].equals("run")) {
            run(Path.of(args[1]));
        } else {
            report(args);
        }
        System.exit(0);
    }

    private static void run(Path file) throws Exception {
        long n = Long.getLong("streamsync.bench.records", 150_000L);
        long sourceN = Long.getLong("streamsync.bench.source.records", 200_000L);
        int repeats = Integer.getInteger("streamsync.bench.repeats", 3);
        int shards = 4;
        int keys = 10_000;
        ResultsHeader h = ResultsHeader.begin(file.getFileName().toString());
        h.command("src/bench/baseline.sh (this side: BaselineRun run)");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // warm-up of this JVM, not recorded
            PipelineThroughput.run(false, 2, "hashmap", 10, n);
        }
        for (String c : CASES.split(",")) {
            String[] p = c.split(":");
            double[] v = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                v[i] =
                        n
                                / PipelineThroughput.run(
                                        false,
                                        Integer.parseInt(p[0]),
                                        p[1],
                                        Integer.parseInt(p[2]),
                                        n);
                System.out.printf(
                        Locale.ROOT,
                        "[baseline] pipeline %s run %d: %.0f events/s%n",
                        c,
                        i + 1,
                        v[i]);
            }
            out.add("raw\tpipeline " + c + "\tevents/s\t" + join(v));
        }
        SourceThroughput.job(shards, sourceN / 4, keys); // warm-up, not recorded
        String[] names = {"(a) change-stream source", "(c) bare SDK loop", "(d) in-memory records"};
        double[][] wall = new double[3][repeats];
        double[][] cpu = new double[3][repeats];
        for (int i = 0; i < repeats; i++) {
            Object[] r = {
                SourceThroughput.job(shards, sourceN, keys),
                SourceThroughput.bareSdkLoop(shards, sourceN, keys),
                SourceThroughput.inMemory(sourceN, keys)
            };
            for (int k = 0; k < 3; k++) {
                SourceThroughput.Result x = (SourceThroughput.Result) r[k];
                wall[k][i] = x.perSecond;
                cpu[k][i] = x.perCpuSecond;
                System.out.println("[baseline] source " + names[k] + ": " + x);
            }
        }
        for (int k = 0; k < 3; k++) {
            out.add("raw\tsource " + names[k] + "\tevents/s\t" + join(wall[k]));
            out.add("raw\tsource " + names[k] + "\tevents per CPU-second\t" + join(cpu[k]));
        }
        h.param("streamsync.bench.records", n);
        h.param("streamsync.bench.source.records", sourceN);
        h.param("streamsync.bench.repeats", repeats);
        out.add("flink\t" + ResultsHeader.flink());
        for (String line : h.header()) {
            out.add("header\t" + line);
        }
        Files.write(file, out, StandardCharsets.UTF_8);
    }

    /** {@code report OUT.md BASE... -- NEW...}: the comparison, medians (range) per side. */
    private static void report(String[] args) throws Exception {
        Path out = Path.of(args[1]);
        int sep = Arrays.asList(args).indexOf("--");
        List<Path> base = new ArrayList<>();
        List<Path> now = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            if (i != sep) {
                (i < sep ? base : now).add(Path.of(args[i]));
            }
        }
        Side b = Side.read(base);
        Side a = Side.read(now);
        String commit = System.getProperty("streamsync.bench.base.commit", "?");
        ResultsHeader h = ResultsHeader.begin(out.getFileName().toString());
        h.command("src/bench/baseline.sh");
        h.note(
                "baseline: commit "
                        + commit
                        + " extracted with git archive, built with its own pom; see its own header below");
        List<String> md = new ArrayList<>();
        md.add(
                "# This build next to release 0.2.0 (the last on Flink 1.20): the pipeline and source benchmarks on both");
        md.add("");
        md.add("## This build (the header of the report and of the 'this build' side)");
        md.add("");
        md.addAll(h.header());
        md.add(
                "## The baseline build, as it described itself (the same header code, copied into its tree)");
        md.add("");
        md.addAll(b.header);
        md.add(
                String.format(
                        "Each side ran in its own JVM, its own build's `PipelineThroughput` and `SourceThroughput` (what changed in them since the"
                                + " baseline: `git diff -w %s -- src/test/java/io/streamsync/bench`), %d round(s), baseline first; per round three"
                                + " untimed warm-up runs, then the repetitions. Figures: median (min-max) over every repetition of every round.",
                        commit, base.size()));
        md.add("");
        md.add(
                "Pipeline (events/s of the whole graph: parse, key by list, aggregate with the event-time windows, discarding sinks):");
        md.add("");
        md.add(
                "| parallelism:state:lists | baseline, Flink "
                        + b.flinkShort()
                        + " | this build, Flink "
                        + a.flinkShort()
                        + " | this / baseline (medians) |");
        md.add("|---|---|---|---|");
        List<Double> ratios = new ArrayList<>();
        for (String c : CASES.split(",")) {
            String key = "pipeline " + c + "\tevents/s";
            double r = median(a.values(key)) / median(b.values(key));
            ratios.add(r);
            md.add(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %s | %.2f |",
                            c,
                            spread(b.values(key)),
                            spread(a.values(key)),
                            r));
        }
        md.add("");
        md.add(
                "Source (MiniCluster, parallelism 1, the loopback DynamoDB Streams server, 4 shards; events/s and events per CPU-second of the job):");
        md.add("");
        md.add(
                "| case | baseline events/s | baseline per CPU-s | this build events/s | this build per CPU-s | this / baseline per CPU-s |");
        md.add("|---|---|---|---|---|---|");
        for (String s :
                new String[] {
                    "(a) change-stream source", "(c) bare SDK loop", "(d) in-memory records"
                }) {
            String w = "source " + s + "\tevents/s";
            String c = "source " + s + "\tevents per CPU-second";
            md.add(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %s | %s | %s | %.2f |",
                            s,
                            spread(b.values(w)),
                            spread(b.values(c)),
                            spread(a.values(w)),
                            spread(a.values(c)),
                            median(a.values(c)) / median(b.values(c))));
        }
        md.add("");
        md.add(
                String.format(
                        Locale.ROOT,
                        "Pipeline ratios, every case: %.2f to %.2f.",
                        ratios.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                        ratios.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
        md.add("");
        md.add("## Raw numbers (every repetition, in run order, rounds one after the other)");
        md.add("");
        md.add("| side | series | unit | values |");
        md.add("|---|---|---|---|");
        for (Map.Entry<String, List<Double>> e : b.raw.entrySet()) {
            md.add(
                    "| baseline | "
                            + e.getKey().replace("\t", " | ")
                            + " | "
                            + join(e.getValue())
                            + " |");
        }
        for (Map.Entry<String, List<Double>> e : a.raw.entrySet()) {
            md.add(
                    "| this build | "
                            + e.getKey().replace("\t", " | ")
                            + " | "
                            + join(e.getValue())
                            + " |");
        }
        md.add("");
        Files.write(out, md, StandardCharsets.UTF_8);
        System.out.println("written to " + out.toAbsolutePath());
    }

    /** One side's files: raw series (rounds concatenated), the first round's header. */
    private static final class Side {
        final Map<String, List<Double>> raw = new LinkedHashMap<>();
        final List<String> header = new ArrayList<>();
        String flink = "?";

        static Side read(List<Path> files) throws Exception {
            Side s = new Side();
            for (Path f : files) {
                boolean first = s.header.isEmpty();
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    String[] t = line.split("\t", -1);
                    if (t[0].equals("raw")) {
                        List<Double> v =
                                s.raw.computeIfAbsent(t[1] + "\t" + t[2], k -> new ArrayList<>());
                        for (String x : t[3].split(", ")) {
                            v.add(Double.parseDouble(x));
                        }
                    } else if (t[0].equals("flink")) {
                        s.flink = t[1];
                    } else if (t[0].equals("header") && first) {
                        s.header.add(t[1]);
                    }
                }
            }
            return s;
        }

        double[] values(String key) {
            List<Double> v = raw.get(key);
            if (v == null) {
                throw new IllegalStateException(
                        "no series " + key.replace("\t", " ") + " in " + raw.keySet());
            }
            return v.stream().mapToDouble(Double::doubleValue).toArray();
        }

        String flinkShort() {
            return flink.split(" ")[0];
        }
    }

    private static String join(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", x));
        }
        return b.toString();
    }

    private static String join(List<Double> v) {
        return join(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String spread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%,.0f (%,.0f-%,.0f)", median(v), s[0], s[s.length - 1]);
    }
}

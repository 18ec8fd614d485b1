package io.streamsync.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code mvn -Pbench}: runs the benchmarks and writes every results file under {@code src/bench}
 * (see {@link #FILES}), each with its generated header ({@link ResultsHeader}: versions, commit,
 * machine, the command and parameters used), its figures next to their baselines from the same run,
 * and the raw number of every repetition.
 *
 * <p>{@code -Dstreamsync.bench.only=a,b} runs those parts only; without {@code
 * -Dstreamsync.bench.out} they must make up whole results files (a published file is never
 * rewritten with part of its figures); with it, they go to that file. {@code only=charts} redraws
 * the charts from the git-tracked results files.
 */
public final class Benchmarks {
    private Benchmarks() {}

    /** The published results files and the parts each one holds, in the order they run. */
    static final Map<String, List<String>> FILES = new java.util.LinkedHashMap<>();

    static {
        FILES.put("RESULTS.md", List.of("conversion", "pipeline"));
        FILES.put("SOURCE.md", List.of("source", "rollover"));
        FILES.put("SCAN.md", List.of("scan"));
        FILES.put("WRITE-COST.md", List.of("writecost"));
        FILES.put("LATENCY-RECOVERY.md", List.of("latency", "recovery"));
        FILES.put("PROFILE.md", List.of("profile"));
        FILES.put("RECONCILE.md", List.of("reconcile"));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/bench");
        String only = System.getProperty("streamsync.bench.only", "").trim();
        String out = System.getProperty("streamsync.bench.out", "").trim();
        if (only.equals("charts")) {
            Charts.draw(dir);
            System.exit(0);
        }
        java.util.Set<String> parts = new java.util.LinkedHashSet<>();
        for (String part : only.split(",")) {
            if (!part.isBlank()) {
                parts.add(part.trim());
            }
        }
        java.util.Set<String> known = new java.util.HashSet<>();
        FILES.values().forEach(known::addAll);
        for (String part : parts) {
            if (!known.contains(part)) {
                throw new IllegalArgumentException(
                        "unknown part " + part + " in -Dstreamsync.bench.only; known: " + FILES);
            }
        }
        Map<String, List<String>> plan = new java.util.LinkedHashMap<>();
        if (out.isEmpty()) {
            for (Map.Entry<String, List<String>> f : FILES.entrySet()) {
                List<String> chosen = new ArrayList<>();
                for (String part : f.getValue()) {
                    if (parts.isEmpty() || parts.contains(part)) {
                        chosen.add(part);
                    }
                }
                if (!chosen.isEmpty() && !chosen.equals(f.getValue())) {
                    throw new IllegalArgumentException(
                            f.getKey()
                                    + " holds "
                                    + String.join(",", f.getValue())
                                    + ": run them all, or write "
                                    + String.join(",", chosen)
                                    + " elsewhere with -Dstreamsync.bench.out=FILE.md");
                }
                if (!chosen.isEmpty()) {
                    plan.put(f.getKey(), chosen);
                }
            }
        } else {
            List<String> chosen = new ArrayList<>();
            for (List<String> f : FILES.values()) {
                for (String part : f) {
                    if (parts.isEmpty() || parts.contains(part)) {
                        chosen.add(part);
                    }
                }
            }
            plan.put(out, chosen);
        }
        long t0 = System.nanoTime();
        boolean tracked = false;
        for (Map.Entry<String, List<String>> f : plan.entrySet()) {
            Path file = dir.resolve(f.getKey());
            write(file, f.getKey(), f.getValue(), !out.isEmpty());
            tracked |= Charts.isTracked(file);
        }
        System.out.printf(
                "%nall results files written in %.1f min%n", (System.nanoTime() - t0) / 6e10);
        if (tracked) {
            Charts.draw(dir); // from the git-tracked results files only
        }
        System.exit(0);
    }

    /** Runs {@code parts} and writes their results file with its header and raw numbers. */
    static void write(Path file, String name, List<String> parts, boolean namedOut)
            throws Exception {
        ResultsHeader h = ResultsHeader.begin(name);
        h.param("streamsync.bench.only", String.join(",", parts));
        if (namedOut) {
            h.param("streamsync.bench.out", name);
        }
        int repeats = Integer.getInteger("streamsync.bench.repeats", 3);
        long records = Long.getLong("streamsync.bench.records", 150_000L);
        List<String> md = new ArrayList<>();
        for (String part : parts) {
            switch (part) {
                case "conversion":
                    conversion(md, h);
                    break;
                case "pipeline":
                    h.param("streamsync.bench.records", records);
                    h.param("streamsync.bench.repeats", repeats);
                    pipeline(md, h, records, repeats);
                    break;
                case "source":
                    long sourceRecords = Long.getLong("streamsync.bench.source.records", 200_000L);
                    int shards = Integer.getInteger("streamsync.bench.source.shards", 4);
                    h.param("streamsync.bench.source.records", sourceRecords);
                    h.param("streamsync.bench.source.shards", shards);
                    h.param("streamsync.bench.repeats", repeats);
                    source(md, h, sourceRecords, repeats, shards);
                    break;
                case "rollover": // the source as users run it (bench/SourceRollover)
                    long rolloverRecords =
                            Long.getLong("streamsync.bench.rollover.records", 120_000L);
                    int rolloverRepeats =
                            Integer.getInteger("streamsync.bench.rollover.repeats", 2);
                    String rolloverCases =
                            System.getProperty(
                                    "streamsync.bench.rollover.cases",
                                    "P2,P1,P2-fixed,P2-fast,P1-fast");
                    h.param("streamsync.bench.rollover.records", rolloverRecords);
                    h.param("streamsync.bench.rollover.repeats", rolloverRepeats);
                    h.param("streamsync.bench.rollover.cases", rolloverCases);
                    SourceRollover.measure(md, h, rolloverRecords, rolloverRepeats, rolloverCases);
                    break;
                case "scan":
                    int items = Integer.getInteger("streamsync.bench.scan.items", 50_000);
                    h.param("streamsync.bench.scan.items", items);
                    h.param("streamsync.bench.repeats", repeats);
                    scan(md, h, items, repeats);
                    break;
                case "writecost":
                    writeCost(
                            md,
                            h,
                            Integer.getInteger("streamsync.bench.writecost.changes", 10_000));
                    break;
                case "profile":
                    long profiled = Long.getLong("streamsync.bench.profile.records", 200_000L);
                    h.param("streamsync.bench.profile.records", profiled);
                    md.add("## Profile of the pipeline benchmark");
                    md.add("");
                    md.addAll(Profile.run(profiled, Path.of("target/pipeline.jfr")));
                    break;
                case "latency":
                    String checkpoints =
                            System.getProperty(
                                    "streamsync.bench.latency.checkpoints", "1000,5000,60000");
                    int rate = Integer.getInteger("streamsync.bench.latency.rate", 50);
                    int seconds = Integer.getInteger("streamsync.bench.latency.seconds", 70);
                    h.param("streamsync.bench.latency.checkpoints", checkpoints);
                    h.param("streamsync.bench.latency.rate", rate);
                    h.param("streamsync.bench.latency.seconds", seconds);
                    h.param("streamsync.bench.repeats", repeats);
                    for (String checkpointMs : checkpoints.split(",")) {
                        latency(md, h, rate, seconds, repeats, Long.parseLong(checkpointMs.trim()));
                    }
                    break;
                case "recovery":
                    String backlogs =
                            System.getProperty(
                                    "streamsync.bench.recovery.backlogs", "10000,100000");
                    h.param("streamsync.bench.recovery.backlogs", backlogs);
                    h.param("streamsync.bench.repeats", repeats);
                    recovery(md, h, backlogs, repeats);
                    break;
                case "reconcile":
                    int reconcileItems =
                            Integer.getInteger("streamsync.bench.reconcile.items", 100_000);
                    int reconcileLists =
                            Integer.getInteger("streamsync.bench.reconcile.lists", 10_000);
                    int reconcileWriters =
                            Integer.getInteger("streamsync.bench.reconcile.writers", 4);
                    h.param("streamsync.bench.reconcile.items", reconcileItems);
                    h.param("streamsync.bench.reconcile.lists", reconcileLists);
                    h.param("streamsync.bench.reconcile.writers", reconcileWriters);
                    h.param("streamsync.bench.repeats", repeats);
                    ReconcileCost.run(
                            md, h, reconcileItems, reconcileLists, repeats, reconcileWriters);
                    break;
                default:
                    throw new IllegalArgumentException(part);
            }
        }
        List<String> all = new ArrayList<>();
        all.add("# Benchmark results: " + String.join(", ", parts));
        all.add("");
        all.addAll(h.header());
        all.addAll(md);
        all.addAll(h.rawSection());
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, all, StandardCharsets.UTF_8);
        System.out.println("\nwritten to " + file.toAbsolutePath());
    }

    private static void conversion(List<String> md, ResultsHeader h) throws Exception {
        Options opt =
                new OptionsBuilder()
                        .include(ConversionBenchmark.class.getName())
                        .forks(3)
                        .threads(1)
                        .warmupIterations(6)
                        .warmupTime(TimeValue.seconds(2))
                        .measurementIterations(4)
                        .measurementTime(TimeValue.seconds(2))
                        .jvmArgs("-Xmx1g")
                        .build();
        double bytes = ConversionBenchmark.averageRecordBytes();
        Map<String, double[]> score = new java.util.HashMap<>();
        for (RunResult r : new Runner(opt).run()) {
            String name = r.getParams().getBenchmark();
            score.put(
                    name.substring(name.lastIndexOf('.') + 1),
                    new double[] {
                        r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()
                    });
            List<Double> iterations = new ArrayList<>();
            for (org.openjdk.jmh.results.BenchmarkResult fork : r.getBenchmarkResults()) {
                for (org.openjdk.jmh.results.IterationResult it : fork.getIterationResults()) {
                    iterations.add(it.getPrimaryResult().getScore());
                }
            }
            h.raw(
                    "conversion "
                            + name.substring(name.lastIndexOf('.') + 1)
                            + " (JMH iterations, fork by fork)",
                    "records/s",
                    iterations.stream().mapToDouble(Double::doubleValue).toArray());
        }
        double tokens = score.get("tokenizerBytes")[0];
        double tree = score.get("treeBytes")[0];
        md.add("## Conversion (JMH, one thread, 3 forks, each 4 x 2 s after 6 x 2 s warm-up)");
        md.add("");
        md.add(
                "Three forks because the JIT does not always settle on the same code: on this machine a fork of the same "
                        + "benchmark can run 30-40% below the others for all its iterations (seen: 41k against 68k records/s); the "
                        + "score and its CI are over all 12 iterations, so such a fork shows as a wide CI.");
        md.add("");
        md.add(
                String.format(
                        "Records: MODIFY with both images, 20-40 attributes, average %.0f bytes. The converter reads the "
                                + "record's UTF-8 bytes (as the stream delivers them) token by token and writes the plain JSON as it goes "
                                + "(no tree), so its floor is Jackson's tokenizer over the same bytes; reading the record into a Jackson "
                                + "tree, the floor of a tree-based converter, is shown too, and the same work from Java Strings.",
                        bytes));
        md.add("");
        md.add("| what | records/s (± 99.9% CI) | MB/s | / tokenizer (floor) | / tree parse |");
        md.add("|---|---|---|---|---|");
        String[][] rows = {
            {"tokenizerBytes", "Jackson tokenizer only, from bytes (floor)"},
            {"tokenizerString", "Jackson tokenizer only, from a String"},
            {"treeBytes", "Jackson tree parse (readTree), from bytes"},
            {"parseAllImages", "record -> ChangeEvent, all images rendered"},
            {
                "parseAsTheJob",
                "record -> ChangeEvent as the job runs it (old image validated, not rendered)"
            },
            {
                "parseAsTheJobFromString",
                "the same from a String (the job before it kept records as bytes)"
            }
        };
        for (String[] row : rows) {
            double[] s = score.get(row[0]);
            String line =
                    String.format(
                            "| %s | %,.0f ± %,.0f | %.1f | %.2f | %.2f |",
                            row[1], s[0], s[1], s[0] * bytes / 1e6, s[0] / tokens, s[0] / tree);
            System.out.println(line);
            md.add(line);
        }
        md.add("");
        md.add(
                String.format(
                        "Converter / floor: **%.2f** with all images, **%.2f** as the job runs it (target: at least 0.5). "
                                + "Parsing the bytes instead of a String: **%.2fx**.",
                        score.get("parseAllImages")[0] / tokens,
                        score.get("parseAsTheJob")[0] / tokens,
                        score.get("parseAsTheJob")[0] / score.get("parseAsTheJobFromString")[0]));
        md.add("");
    }

    private static void source(List<String> md, ResultsHeader h, long n, int repeats, int shards)
            throws Exception {
        int keys = 10_000;
        md.add(
                "## Source throughput (MiniCluster, parallelism 1, the full job with discarding sinks)");
        md.add("");
        md.add(
                String.format(
                        "A loopback DynamoDB Streams server (`bench/LoopbackStreamServer`, in this JVM) answers DescribeStream, "
                                + "GetShardIterator and GetRecords as fast as it can: %d open shards, GetRecords answers of at most 1,000 records and 1 MB (as DynamoDB Streams: about 330 of these records), the pipeline "
                                + "benchmark's MODIFY records with both images (3.1 KB), each a new task with its own sequence number, %,d lists. "
                                + "Each run counts %,d records right after the source, after a tenth as warm-up; the job downstream "
                                + "backpressures the source, so the count is the whole job's pace to within its buffers. events/CPU-s is per "
                                + "second of CPU the process used minus the server threads' CPU (JIT and GC included). The sources poll each shard "
                                + "without pause (`source.poll.interval.ms=1`; AWS allows 5 calls/s per shard: at most 5,000 records or 5 MB "
                                + "per second per shard). %d runs per case, median (min-max).",
                        shards, keys, n, repeats));
        md.add("");
        md.add("| case | events/s | events per CPU-second | / (a) per CPU-second |");
        md.add("|---|---|---|---|");
        String[] names = {
            "(a) change-stream source -> full job",
            "(c) bare SDK v2 GetRecords loop (one thread, records unmarshalled, nothing else)",
            "(d) in-memory records -> full job (the pipeline benchmark's source, no I/O)"
        };
        double[][] wall = new double[names.length][repeats];
        double[][] cpu = new double[names.length][repeats];
        SourceThroughput.job(shards, n / 4, keys); // warm-up of this JVM, not recorded
        for (int i = 0; i < repeats; i++) {
            SourceThroughput.Result[] r = {
                SourceThroughput.job(shards, n, keys),
                SourceThroughput.bareSdkLoop(shards, n, keys),
                SourceThroughput.inMemory(n, keys)
            };
            for (int k = 0; k < names.length; k++) {
                wall[k][i] = r[k].perSecond;
                cpu[k][i] = r[k].perCpuSecond;
                System.out.println("[source] " + names[k] + ": " + r[k]);
            }
        }
        for (int k = 0; k < names.length; k++) {
            h.raw("source " + names[k], "events/s", wall[k]);
            h.raw("source " + names[k], "events per CPU-second", cpu[k]);
        }
        for (int k = 0; k < names.length; k++) {
            String row =
                    String.format(
                            "| %s | %s | %s | %.2f |",
                            names[k],
                            spread(wall[k]),
                            spread(cpu[k]),
                            median(cpu[k]) / median(cpu[0]));
            System.out.println(row);
            md.add(row);
        }
        double a = median(cpu[0]);
        for (String[] recorded : SOURCE_RECORDED) {
            md.add(
                    String.format(
                            "| %s | %s | %s | %.2f (across runs) |",
                            recorded[0],
                            recorded[1],
                            recorded[2],
                            Double.parseDouble(recorded[3]) / a));
        }
        md.add("");
        md.add(
                String.format(
                        "Ratios (per CPU-second): new source / in-memory %.2f; new source / bare SDK loop %.2f; "
                                + "new source (this run) / legacy source (recorded) %.2f.",
                        a / median(cpu[2]),
                        a / median(cpu[1]),
                        a / Double.parseDouble(SOURCE_RECORDED[0][3])));
        md.add("");
        md.add(
                "Recorded rows are not re-run: their code is not in this build. (b) was measured by this benchmark, in the same "
                        + "run as (a), (c) and (d), on this machine on 2026-12-02 (commit 70825d2, the last with flink-connector-kinesis "
                        + "4.3.0-1.19 in test scope): that run had (a) at 17,122 events per CPU-second, 2.73x (b). (e) and (e0) are the "
                        + "official source, built beside the project from its public repository and run by a harness outside it, "
                        + "alternating with (a) in one JVM on the same server (3 runs each; (a) in that run: 15,210 (12,491-28,609) "
                        + "events per CPU-second, 1.84x (e)); how is in src/site/markdown/performance.md.");
        md.add("");
    }

    /**
     * Figures of cases whose code left the build: name, events/s, events per CPU-second, and that
     * median.
     */
    static final String[][] SOURCE_RECORDED = {
        {
            "(b) legacy flink-connector-kinesis 4.3 consumer -> full job (recorded on 2026-12-02, commit 70825d2, not re-runnable)",
            "11,933 (10,070-12,251)",
            "6,273 (5,260-6,393)",
            "6273"
        },
        {
            "(e) official DynamoDbStreamsSource (flink-connector-aws v5.1.0) -> record JSON -> full job (recorded on 2026-12-02, commit b53016a, not re-runnable: its harness was never committed)",
            "14,559 (12,962-19,248)",
            "8,278 (7,276-10,542)",
            "8278"
        },
        {
            "(e0) the same official source alone, records only counted (recorded on 2026-12-02, commit b53016a, not re-runnable: its harness was never committed)",
            "26,022 (20,411-28,482)",
            "22,085 (16,830-25,849)",
            "22085"
        },
    };

    private static void pipeline(List<String> md, ResultsHeader h, long n, int repeats)
            throws Exception {
        md.add(
                "## Pipeline throughput (MiniCluster, bounded source -> parse -> key -> aggregate -> discarding sinks)");
        md.add("");
        md.add(
                String.format(
                        "%,d records per run, %d runs each after three untimed warm-up runs; median (min-max) events/s; the floor is the same source "
                                + "straight into a discarding sink. `lists` is the key space: a run touches at most as many lists as it "
                                + "has records.",
                        n, repeats));
        md.add("");
        md.add(
                "| parallelism | state | lists | floor events/s | pipeline events/s | pipeline / floor |");
        md.add("|---|---|---|---|---|---|");
        // warm-up, not recorded: the MiniClusters run in this JVM, and the first runs measured the
        // JIT (a first
        // run without it had the first case at 21,720 events/s and the same case at 37,039 later in
        // the run)
        for (int i = 0; i < 3; i++) {
            PipelineThroughput.run(false, 2, "hashmap", 10, n);
            PipelineThroughput.run(true, 2, "hashmap", 10, n);
        }
        Object[][] cases = {
            {1, "hashmap", 10},
            {2, "hashmap", 10},
            {1, "rocksdb", 10},
            {2, "rocksdb", 10},
            {2, "hashmap", 10_000},
            {2, "hashmap", 1_000_000},
            {2, "rocksdb", 10_000},
            {2, "rocksdb", 1_000_000}
        };
        String chosen = System.getProperty("streamsync.bench.pipeline.cases", "");
        if (!chosen.isEmpty()) {
            h.param("streamsync.bench.pipeline.cases", chosen); // e.g. 1:hashmap:10,2:rocksdb:10000
            cases =
                    java.util.Arrays.stream(chosen.split(","))
                            .map(c -> c.split(":"))
                            .map(
                                    c ->
                                            new Object[] {
                                                Integer.valueOf(c[0]), c[1], Integer.valueOf(c[2])
                                            })
                            .toArray(Object[][]::new);
        }
        for (Object[] c : cases) {
            int p = (Integer) c[0];
            String backend = (String) c[1];
            int keys = (Integer) c[2];
            double[] floor = new double[repeats];
            double[] job = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                floor[i] = n / PipelineThroughput.run(true, p, backend, keys, n);
                job[i] = n / PipelineThroughput.run(false, p, backend, keys, n);
            }
            String label = String.format("pipeline p=%d %s %,d lists", p, backend, keys);
            h.raw(label + ": floor", "events/s", floor);
            h.raw(label + ": pipeline", "events/s", job);
            String row =
                    String.format(
                            "| %d | %s | %,d | %s | %s | %.2f |",
                            p,
                            backend,
                            keys,
                            spread(floor),
                            spread(job),
                            median(job) / median(floor));
            System.out.println(row);
            md.add(row);
        }
        md.add("");
        if (!chosen.isEmpty()) {
            return;
        }
        md.add(
                "Without an item index (`sink.search.item.index` empty: the job keeps only the aggregates, so the parser "
                        + "validates the new image without rendering it and events cross the key-by without it), heap state, 10 lists, "
                        + "same records; the with-index figure is measured again alongside:");
        md.add("");
        md.add("| parallelism | item index | pipeline events/s | vs with item index |");
        md.add("|---|---|---|---|");
        for (int p : new int[] {1, 2}) {
            double[] with = new double[repeats];
            double[] without = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                with[i] = n / PipelineThroughput.run(false, p, "hashmap", 10, n, true);
                without[i] = n / PipelineThroughput.run(false, p, "hashmap", 10, n, false);
            }
            h.raw("pipeline p=" + p + " hashmap 10 lists, item index: yes", "events/s", with);
            h.raw("pipeline p=" + p + " hashmap 10 lists, item index: no", "events/s", without);
            for (String row :
                    new String[] {
                        String.format("| %d | yes | %s | 1.00 |", p, spread(with)),
                        String.format(
                                "| %d | no | %s | %.2f |",
                                p, spread(without), median(without) / median(with))
                    }) {
                System.out.println(row);
                md.add(row);
            }
        }
        md.add("");
    }

    private static void writeCost(List<String> md, ResultsHeader h, int changes) throws Exception {
        int lists = 100;
        int batched = Integer.getInteger("streamsync.bench.writecost.batched", 50_000);
        String baseline = System.getProperty("streamsync.bench.writecost.baseline", "performed");
        h.param("streamsync.bench.writecost.changes", changes);
        h.param("streamsync.bench.writecost.batched", batched);
        h.param("streamsync.bench.writecost.baseline", baseline);
        md.add("## Write cost (moto behind a counting proxy, a fresh server per case)");
        md.add("");
        md.add(
                String.format(
                        "Writes to the aggregate table per 1,000 stream events, for two workloads over %d lists: "
                                + "**one at a time**, %,d random changes (PutItem/DeleteItem, one writer, as fast as moto answers "
                                + "while the job runs), and **batched**, %,d changes with BatchWriteItem (70%% new tasks, 15%% overwrites, 15%% "
                                + "deletes), a heavier load per list. The baseline is the per-event design on the same workload: one "
                                + "`UpdateItem ADD taskCount :delta` per INSERT or REMOVE event (it skips MODIFY events, which favours it); "
                                + "its final counts are checked too, as are the job's. The job publishes completed checkpoints only (default "
                                + "interval 10 s), the latest state per list: at most one write per list per window or per checkpoint "
                                + "interval, whichever is longer. The reduction is therefore about the number of counting events a list gets "
                                + "in that time, so it is shown with the load that produced it.",
                        lists, changes, batched));
        md.add("");
        md.add(
                "| workload | design | window | stream events | events per list per s | aggregate writes | writes per 1,000 events | reduction vs baseline |");
        md.add("|---|---|---|---|---|---|---|---|");
        // every case on a moto server of its own, so that no case pays for the tables and streams
        // the earlier
        // cases left behind (moto keeps every stream record and shard iterator in memory)
        Object[][] workloads = {
            {"one at a time", WriteCost.oneAtATime(changes, lists)},
            {"batched", WriteCost.batched(batched)}
        };
        for (Object[] w : workloads) {
            String label = (String) w[0];
            if (label.startsWith("one") && changes == 0
                    || label.equals("batched") && batched == 0) {
                continue; // -Dstreamsync.bench.writecost.changes=0 (or .batched=0) leaves that
                // workload out
            }
            WriteCost.Workload workload = (WriteCost.Workload) w[1];
            String tag = label.startsWith("one") ? "one" : "batch";
            // -Dstreamsync.bench.writecost.baseline=counted: the baseline's writes are counted from
            // the job
            // runs' own streams (one per INSERT or REMOVE event) instead of being performed and
            // checked
            boolean perform = !"counted".equals(baseline);
            WriteCost.Result base = null;
            if (perform) {
                try (io.streamsync.testing.Moto ddb = io.streamsync.testing.Moto.start()) {
                    h.moto(ddb.endpoint());
                    base = WriteCost.perEventBaseline(ddb, workload, tag + "Baseline");
                }
                h.raw(
                        label + ", per-event baseline: stream events, writes (one run)",
                        "count",
                        base.events,
                        base.writes);
            }
            String baseRow =
                    base == null
                            ? null
                            : String.format(
                                    "| %s | per-event UpdateItem | - | %,d | - | %,d | %.1f | 1.0 |",
                                    label, base.events, base.writes, base.perThousand());
            if (baseRow != null) {
                System.out.println(baseRow);
                md.add(baseRow);
            }
            for (long window : new long[] {1_000, 10_000, 60_000}) {
                WriteCost.Result job;
                try (io.streamsync.testing.Moto ddb = io.streamsync.testing.Moto.start()) {
                    h.moto(ddb.endpoint());
                    job = WriteCost.job(ddb, window, workload, tag + "Job" + window);
                }
                h.raw(
                        label
                                + ", streamsync "
                                + window / 1000
                                + " s window: stream events, counting events, writes, seconds of writing (one run)",
                        "count, count, count, s",
                        job.events,
                        job.countingEvents,
                        job.writes,
                        job.writeSeconds);
                if (base == null) {
                    base = new WriteCost.Result(job.events, job.countingEvents);
                    baseRow =
                            String.format(
                                    "| %s | per-event UpdateItem (counted from the stream, not performed) | - | %,d "
                                            + "| - | %,d | %.1f | 1.0 |",
                                    label, base.events, base.writes, base.perThousand());
                    System.out.println(baseRow);
                    md.add(baseRow);
                }
                String row =
                        String.format(
                                "| %s | streamsync | %d s | %,d | %.2f | %,d | %.1f | %.1fx |",
                                label,
                                window / 1000,
                                job.events,
                                job.events / job.writeSeconds / lists,
                                job.writes,
                                job.perThousand(),
                                base.perThousand() / job.perThousand());
                System.out.println(row);
                md.add(row);
            }
        }
        md.add("");
        md.add("Target: at least 20x fewer writes than the baseline at a 10 s window.");
        md.add("");
    }

    private static void latency(
            List<String> md,
            ResultsHeader h,
            int rate,
            int minSeconds,
            int repeats,
            long checkpointMs)
            throws Exception {
        int lists = 20;
        int warmup = 10;
        // a run spans at least three checkpoint intervals after the warm-up
        int seconds = (int) Math.max(minSeconds, warmup + 3 * checkpointMs / 1000);
        List<EndToEndLatency.Result> runs = new ArrayList<>();
        try (io.streamsync.testing.LocalServices services =
                io.streamsync.testing.LocalServices.start()) {
            h.moto(services.dynamoDb.endpoint());
            h.search(services.search.uri());
            for (int i = 0; i < repeats; i++) {
                EndToEndLatency.Result r =
                        EndToEndLatency.run(
                                services, "lat" + i, rate, seconds, lists, warmup, checkpointMs);
                System.out.printf(
                        "latency run %d: %,d writes in %.1f s%n", i + 1, r.writes, r.seconds);
                runs.add(r);
            }
        }
        EndToEndLatency.Result first = runs.get(0);
        md.add(
                String.format(
                        "## End-to-end latency, checkpoints every %,d ms (moto + Elasticsearch, MiniCluster parallelism 2)",
                        checkpointMs));
        md.add("");
        md.add(
                String.format(
                        "One writer inserts %d new tasks/s over %d lists (%.1f changes per list per second) for %d s; "
                                + "the first %d s are warm-up; %d runs (a new job, tables and indices each, same services), %s writes "
                                + "measured, from the moment each PutItem is sent until an output first shows its effect (observers poll "
                                + "every 25 ms). Each percentile is the median of the runs' percentiles (min-max over the runs). Job "
                                + "settings: %s. The floor is a bare reader polling the stream at the job's poll interval. The searchable "
                                + "row also waits for Elasticsearch's refresh (`index.refresh_interval` 1 s).",
                        rate,
                        lists,
                        (double) rate / lists,
                        seconds,
                        warmup,
                        repeats,
                        runs.stream()
                                .map(r -> String.format("%,d", r.writes))
                                .collect(java.util.stream.Collectors.joining(" / ")),
                        first.settings));
        md.add("");
        md.add("| output | p50 ms | p95 ms | p99 ms | max ms | p50 / floor p50 |");
        md.add("|---|---|---|---|---|---|");
        double floor50 = 0;
        for (String output : first.latenciesMs.keySet()) {
            double[][] q = new double[4][repeats];
            for (int i = 0; i < repeats; i++) {
                double[] v = runs.get(i).latenciesMs.get(output);
                q[0][i] = EndToEndLatency.percentile(v, 0.50);
                q[1][i] = EndToEndLatency.percentile(v, 0.95);
                q[2][i] = EndToEndLatency.percentile(v, 0.99);
                q[3][i] = v[v.length - 1];
            }
            String series = "latency, checkpoints " + checkpointMs + " ms, " + output;
            h.raw(series + ": p50", "ms", q[0]);
            h.raw(series + ": p95", "ms", q[1]);
            h.raw(series + ": p99", "ms", q[2]);
            h.raw(series + ": max", "ms", q[3]);
            if (floor50 == 0) {
                floor50 = median(q[0]);
            }
            String row =
                    String.format(
                            "| %s | %s | %s | %s | %s | %.1f |",
                            output,
                            msSpread(q[0]),
                            msSpread(q[1]),
                            msSpread(q[2]),
                            msSpread(q[3]),
                            median(q[0]) / floor50);
            System.out.println(row);
            md.add(row);
        }
        md.add("");
        md.add(
                String.format(
                        "Outputs are published when a checkpoint completes, so a change waits for its window (1 s), then "
                                + "for the next checkpoint (up to %,d ms) and its commit.",
                        checkpointMs));
        md.add("");
    }

    /** Median (min-max) of a few millisecond figures. */
    private static String msSpread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 1
                ? String.format("%,.0f", s[0])
                : String.format("%,.0f (%,.0f-%,.0f)", median(s), s[0], s[s.length - 1]);
    }

    private static void recovery(List<String> md, ResultsHeader h, String backlogs, int repeats)
            throws Exception {
        md.add("## Recovery time (moto + Elasticsearch, MiniCluster parallelism 2)");
        md.add("");
        md.add(
                String.format(
                        "The job runs exact on 100 lists; its only TaskManager is killed; a backlog of changes (70%% new "
                                + "tasks, 15%% overwrites, 15%% deletes, BatchWriteItem) is written while no TaskManager exists; a TaskManager "
                                + "starts and the job restores its last checkpoint. Times from the TaskManager's start; the outputs are "
                                + "compared with a scan taken before it. Floor: a bare GetRecords loop reading the whole stream, no "
                                + "processing, same run. Job defaults (poll interval 200 ms, checkpoints every 10 s). %d runs per backlog, "
                                + "each on fresh services (no run pays for the streams an earlier one left in moto); median (min-max).",
                        repeats));
        md.add("");
        md.add(
                "| backlog changes | stream records | counts exact (table + documents) s | item index exact s "
                        + "| floor: read the stream s | counts / floor |");
        md.add("|---|---|---|---|---|---|");
        for (String b : backlogs.split(",")) {
            int n = Integer.parseInt(b.trim());
            double[] counts = new double[repeats];
            double[] all = new double[repeats];
            double[] floor = new double[repeats];
            double[] ratio = new double[repeats];
            double[] check = new double[repeats];
            double[] written = new double[repeats];
            long records = 0;
            for (int i = 0; i < repeats; i++) {
                try (io.streamsync.testing.LocalServices services =
                        io.streamsync.testing.LocalServices.start()) {
                    h.moto(services.dynamoDb.endpoint());
                    h.search(services.search.uri());
                    RecoveryTime.Result r = RecoveryTime.run(services, n, "rec" + n);
                    System.out.printf(
                            "recovery %,d run %d: counts %.1f s, items %.1f s (check %.1f s), floor %.1f s, "
                                    + "backlog written in %.0f s%n",
                            n,
                            i + 1,
                            r.countsExactSeconds,
                            r.allExactSeconds,
                            r.checkSeconds,
                            r.floorReadSeconds,
                            r.writeSeconds);
                    counts[i] = r.countsExactSeconds;
                    all[i] = r.allExactSeconds;
                    floor[i] = r.floorReadSeconds;
                    ratio[i] = r.countsExactSeconds / r.floorReadSeconds;
                    records = r.streamRecords;
                    check[i] = r.checkSeconds;
                    written[i] = r.writeSeconds;
                }
            }
            String series = "recovery, backlog " + n;
            h.raw(series + ": counts exact", "s", counts);
            h.raw(series + ": item index exact", "s", all);
            h.raw(series + ": the item-index check itself", "s", check);
            h.raw(series + ": floor, read the stream", "s", floor);
            h.raw(series + ": backlog written in", "s", written);
            String row =
                    String.format(
                            "| %,d | %,d | %s | %s | %s | %s |",
                            n,
                            records,
                            secSpread(counts),
                            secSpread(all),
                            secSpread(floor),
                            secSpread(ratio));
            System.out.println(row);
            md.add(row);
        }
        md.add("");
    }

    /** Median (min-max) of a few second figures, one decimal. */
    private static String secSpread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 1
                ? String.format("%.1f", s[0])
                : String.format("%.1f (%.1f-%.1f)", median(s), s[0], s[s.length - 1]);
    }

    private static void scan(List<String> md, ResultsHeader h, int items, int repeats)
            throws Exception {
        md.add("## Bootstrap scan throughput (moto)");
        md.add("");
        md.add(
                String.format(
                        "A table of %,d workload tasks (about 250 bytes each, 200 lists); %d runs each, median (min-max) "
                                + "items/s. Baselines: plain SDK Scan loops in the same process that only count the items (one thread, "
                                + "sequential; and 2 threads over 8 parallel segments). The job's scan source renders every item as a "
                                + "change record and sends it into a discarding sink; it uses four segments per reader and no read limit.",
                        items, repeats));
        md.add("");
        md.add("| reader | items/s | vs sequential SDK Scan |");
        md.add("|---|---|---|");
        try (io.streamsync.testing.Moto ddb = io.streamsync.testing.Moto.start();
                software.amazon.awssdk.services.dynamodb.DynamoDbClient client = ddb.client()) {
            h.moto(ddb.endpoint());
            long t0 = System.nanoTime();
            String table = ScanThroughput.preload(client, items);
            System.out.printf(
                    "pre-loaded %,d items in %.1f s%n", items, (System.nanoTime() - t0) / 1e9);
            ScanThroughput.sdkScan(client, table, 1, 1, items); // warm-up
            double[] seq = new double[repeats];
            double[] par = new double[repeats];
            double[] job1 = new double[repeats];
            double[] job2 = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                seq[i] = items / ScanThroughput.sdkScan(client, table, 1, 1, items);
                par[i] = items / ScanThroughput.sdkScan(client, table, 2, 8, items);
                job1[i] = items / ScanThroughput.jobScan(ddb, table, 1);
                job2[i] = items / ScanThroughput.jobScan(ddb, table, 2);
            }
            h.raw("scan, SDK Scan 1 thread sequential", "items/s", seq);
            h.raw("scan, SDK Scan 2 threads 8 segments", "items/s", par);
            h.raw("scan, job scan source p=1", "items/s", job1);
            h.raw("scan, job scan source p=2", "items/s", job2);
            String[][] rows = {
                {"SDK Scan, 1 thread, sequential (baseline)", spread(seq), "1.00"},
                {
                    "SDK Scan, 2 threads, 8 segments",
                    spread(par),
                    String.format("%.2f", median(par) / median(seq))
                },
                {
                    "job scan source, parallelism 1",
                    spread(job1),
                    String.format("%.2f", median(job1) / median(seq))
                },
                {
                    "job scan source, parallelism 2",
                    spread(job2),
                    String.format("%.2f", median(job2) / median(seq))
                }
            };
            for (String[] r : rows) {
                String row = "| " + r[0] + " | " + r[1] + " | " + r[2] + " |";
                System.out.println(row);
                md.add(row);
            }
        }
        md.add("");
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String spread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format("%,.0f (%,.0f-%,.0f)", median(v), s[0], s[s.length - 1]);
    }
}

package io.streamsync.bench;

import io.streamsync.aggregate.ListAggregate;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.sink.search.SearchAction;
import io.streamsync.source.RawRecord;
import io.streamsync.source.RecordSource;
import io.streamsync.testing.StreamsModel;
import io.streamsync.testing.StreamsModelServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Issue 27, item 5: the change-stream source as users run it. The full job (discarding sinks) on a
 * MiniCluster reads a DynamoDB stream served by the {@link StreamsModel} (through {@link
 * StreamsModelServer}, read-only use) in a separate JVM, so that this JVM's process CPU is the
 * job's alone. The stream has 8 lineages (8 open shards at a time) that roll over every few
 * seconds: shards close and children appear while the job reads. The model's writer first fills a
 * backlog at a fixed pace (so that it spans several generations of shards), then goes on writing
 * slowly while the job runs, so that rollover continues during the measurement.
 *
 * <p>Per case: events/s (from the warm-up's end to the n-th record counted right after the source),
 * events per CPU-second of this JVM (JMX process CPU time, the job and the bench driver; the
 * server's JVM is measured apart from the OS, {@link ProcessHandle.Info#totalCpuDuration}), and the
 * {@code shards} gauge of every source reader (the shards its split reader holds) sampled every 500
 * ms through a metric reporter.
 *
 * <p>It is the {@code rollover} part of {@code SOURCE.md} ({@link Benchmarks#FILES}), so the one
 * command that regenerates that file runs it too: {@code src/bench/regenerate.sh SOURCE.md} or
 * {@code mvn -Pbench -Dstreamsync.bench.only=source,rollover}; the file's generated header gives
 * the versions, commit and machine, and its raw section every run. Parameters: {@code
 * -Dstreamsync.bench.rollover.records} (records counted per run), {@code .repeats}, {@code .cases}.
 */
public final class SourceRollover {
    private SourceRollover() {}

    static final String STREAM_ARN =
            "arn:aws:dynamodb:us-east-1:123456789012:table/todoListTask/stream/2026-01-01T00:00:00.000";

    static final String SECTION = "## Source as users run it: 8 shards rolling over";

    /** One case: parallelism, lineages, rollover, poll interval. */
    static final class Case {
        final String name;
        final int parallelism;
        final int lineages;
        final long rolloverMs;
        final long pollMs;

        Case(String name, int parallelism, int lineages, long rolloverMs, long pollMs) {
            this.name = name;
            this.parallelism = parallelism;
            this.lineages = lineages;
            this.rolloverMs = rolloverMs;
            this.pollMs = pollMs;
        }
    }

    // ------------------------------------------------------------------ the server's JVM

    /**
     * The model, its server and its writer, in their own JVM. Args: lineages, rolloverMs, fill
     * records, fill rate (records/s), steady rate (records/s), lists. Prints {@code READY
     * <endpoint>} once the backlog is written; answers {@code stats} on stdin; ends when stdin
     * closes.
     */
    public static final class Server {
        public static void main(String[] args) throws Exception {
            int lineages = Integer.parseInt(args[0]);
            long rolloverMs = Long.parseLong(args[1]);
            long fill = Long.parseLong(args[2]);
            long fillRate = Long.parseLong(args[3]);
            long steadyRate = Long.parseLong(args[4]);
            int lists = Integer.parseInt(args[5]);
            StreamsModel model =
                    new StreamsModel(
                            STREAM_ARN,
                            new StreamsModel.Settings()
                                    .lineages(lineages)
                                    .rolloverMs(rolloverMs)
                                    .describePageSize(100), // AWS's page (the model's default: 3)
                            System::currentTimeMillis);
            StreamsModelServer server =
                    new StreamsModelServer(URI.create("http://127.0.0.1:9")); // stream calls only
            server.serve(model);
            Random random = new Random(27);
            long[] written = {0};
            Thread writer =
                    new Thread(
                            () -> {
                                long t0 = System.currentTimeMillis();
                                long steadyFrom = -1;
                                while (!Thread.currentThread().isInterrupted()) {
                                    long now = System.currentTimeMillis();
                                    long due;
                                    if (written[0] < fill) {
                                        due = Math.min(fill, (now - t0) * fillRate / 1000);
                                    } else {
                                        if (steadyFrom < 0) {
                                            steadyFrom = now;
                                            System.out.println("READY " + server.endpoint());
                                            System.out.flush();
                                        }
                                        due = fill + (now - steadyFrom) * steadyRate / 1000;
                                    }
                                    while (written[0] < due) {
                                        long i = ++written[0];
                                        String list = "list-" + random.nextInt(lists);
                                        model.append(
                                                list,
                                                Long.toString(100000000000000000L + i),
                                                record(random, list, i, now));
                                    }
                                    try {
                                        Thread.sleep(2);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            },
                            "bench-writer");
            writer.setDaemon(true);
            writer.start();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("stats")) {
                    List<String> ids = model.shardIds();
                    Map<String, String> parents = model.parents();
                    long children = parents.values().stream().filter(p -> p != null).count();
                    System.out.println(
                            "STATS shards="
                                    + ids.size()
                                    + " children="
                                    + children
                                    + " appended="
                                    + model.appended()
                                    + " calls="
                                    + model.calls());
                    System.out.flush();
                }
            }
            writer.interrupt();
            server.close();
            System.exit(0);
        }

        /** A bench MODIFY record (3.1 KB) with its creation time set to now. */
        static byte[] record(Random random, String list, long i, long now) {
            String json = BenchRecords.record(random, list, "task-" + i, i);
            String from = "\"ApproximateCreationDateTime\":" + (1_700_000_000L + i / 100) + ",";
            return json.replace(from, "\"ApproximateCreationDateTime\":" + (now / 1000) + ",")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    // ------------------------------------------------------------------ the metrics

    /**
     * Every source reader's metric of this name ({@code shards} gauge, {@code shardsFinished}
     * counter), by subtask index, from Flink's in-memory reporter.
     */
    static Map<Integer, Metric> sourceMetrics(InMemoryReporter reporter, String name) {
        Map<Integer, Metric> out = new TreeMap<>();
        reporter.getMetricsByGroup()
                .forEach(
                        (group, metrics) -> {
                            String subtask = group.getAllVariables().get("<subtask_index>");
                            Metric m = metrics.get(name);
                            if (subtask != null
                                    && m != null
                                    && Arrays.asList(group.getScopeComponents())
                                            .contains(
                                                    io.streamsync.metrics.CloudWatchMetrics
                                                            .GROUP)) {
                                out.put(Integer.parseInt(subtask), m);
                            }
                        });
        return out;
    }

    // ------------------------------------------------------------------ the driver

    /** What one run measured. */
    static final class Run {
        long events;
        double seconds;
        double jobCpuSeconds;
        double serverCpuSeconds;

        /** Per sample: seconds since the measurement started, shards of reader 0, 1, ... */
        final List<double[]> samples = new ArrayList<>();

        String statsBefore;
        String statsAfter;
        Map<Integer, Long> finished = new TreeMap<>();

        double perSecond() {
            return events / seconds;
        }

        double perCpuSecond() {
            return events / jobCpuSeconds;
        }
    }

    static final class ServerProcess implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final PrintStream in;
        final URI endpoint;

        ServerProcess(Case c, long fill, long fillRate, long steadyRate, int lists)
                throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process =
                    new ProcessBuilder(
                                    java,
                                    "-Xmx2g",
                                    "-Dlog4j.configurationFile="
                                            + System.getProperty("log4j.configurationFile", ""),
                                    "-classpath",
                                    System.getProperty("java.class.path"),
                                    Server.class.getName(),
                                    Integer.toString(c.lineages),
                                    Long.toString(c.rolloverMs),
                                    Long.toString(fill),
                                    Long.toString(fillRate),
                                    Long.toString(steadyRate),
                                    Integer.toString(lists))
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
            out =
                    new BufferedReader(
                            new InputStreamReader(
                                    process.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            String line;
            URI ep = null;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("READY ")) {
                    ep = URI.create(line.substring(6).trim());
                    break;
                }
            }
            if (ep == null) {
                throw new IOException("the model server ended before it was ready");
            }
            endpoint = ep;
        }

        String stats() throws IOException {
            in.println("stats");
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("STATS ")) {
                    return line.substring(6);
                }
            }
            throw new IOException("the model server ended");
        }

        double cpuSeconds() {
            return process.info().totalCpuDuration().orElse(Duration.ZERO).toNanos() / 1e9;
        }

        @Override
        public void close() throws InterruptedException {
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    static JobConfig config(URI endpoint, Case c) {
        Map<String, String> p = new HashMap<>();
        p.put("aws.endpoint", endpoint.toString());
        p.put("aws.region", "us-east-1");
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", "bench");
        p.put("aws.credentials.secret.access.key", "bench");
        p.put("source.stream.arn", STREAM_ARN);
        p.put("source.poll.interval.ms", Long.toString(c.pollMs));
        p.put("state.backend", "hashmap");
        p.put(
                "checkpoint.dir",
                Path.of("target/bench-checkpoints").toAbsolutePath().toUri().toString());
        p.put("job.parallelism", Integer.toString(c.parallelism));
        return JobConfig.from(p); // everything else at its default (checkpoints every 10 s)
    }

    static Run run(Case c, long n, long fill, long fillRate, long steadyRate, int lists)
            throws Exception {
        Run run = new Run();
        try (ServerProcess server = new ServerProcess(c, fill, fillRate, steadyRate, lists)) {
            run.statsBefore = server.stats();
            JobConfig jc = config(server.endpoint, c);
            RecordSource source = RecordSources.changeStream(jc, STREAM_ARN);
            RecordSource counted =
                    env ->
                            source.create(env)
                                    .map(new SourceThroughput.Count())
                                    .returns(Types.POJO(RawRecord.class))
                                    .uid("bench-count")
                                    .name("count");
            Configuration conf = new Configuration();
            conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(512));
            InMemoryReporter reporter = InMemoryReporter.create();
            reporter.addToConfiguration(conf);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(c.parallelism, conf);
            StreamSyncPipeline.configureEnvironment(env, jc);
            StreamSyncPipeline.define(
                    env,
                    jc,
                    counted,
                    new PipelineSinks(
                            new DiscardingSink<ListAggregate>(),
                            new DiscardingSink<SearchAction>(),
                            new DiscardingSink<String>()));
            SourceThroughput.COUNTED.set(0);
            JobClient job = env.executeAsync("source rollover " + c.name);
            try {
                long deadline = System.nanoTime() + 900_000_000_000L;
                long warm = n / 10;
                while (SourceThroughput.COUNTED.get() < warm) {
                    check(job, deadline);
                    Thread.sleep(1);
                }
                long t0 = System.nanoTime();
                long c0 = SourceThroughput.COUNTED.get();
                long cpu0 = SourceThroughput.processCpuNanos();
                double scpu0 = server.cpuSeconds();
                long nextSample = t0;
                while (SourceThroughput.COUNTED.get() < c0 + n) {
                    check(job, deadline);
                    long now = System.nanoTime();
                    if (now >= nextSample) {
                        double[] s = new double[c.parallelism + 2];
                        s[0] = (now - t0) / 1e9;
                        Map<Integer, Metric> shards = sourceMetrics(reporter, "shards");
                        for (int i = 0; i < c.parallelism; i++) {
                            Metric g = shards.get(i);
                            s[i + 1] =
                                    g instanceof Gauge
                                            ? ((Number) ((Gauge<?>) g).getValue()).doubleValue()
                                            : -1;
                        }
                        s[c.parallelism + 1] = SourceThroughput.COUNTED.get() - c0;
                        run.samples.add(s);
                        nextSample += 500_000_000L;
                    }
                    Thread.sleep(1);
                }
                long t1 = System.nanoTime();
                run.events = SourceThroughput.COUNTED.get() - c0;
                run.seconds = (t1 - t0) / 1e9;
                run.jobCpuSeconds = (SourceThroughput.processCpuNanos() - cpu0) / 1e9;
                run.serverCpuSeconds = server.cpuSeconds() - scpu0;
                sourceMetrics(reporter, "shardsFinished")
                        .forEach((k, v) -> run.finished.put(k, ((Counter) v).getCount()));
                run.statsAfter = server.stats();
            } finally {
                job.cancel().get();
            }
        }
        return run;
    }

    private static void check(JobClient job, long deadline) throws Exception {
        if (job.getJobStatus().get().isGloballyTerminalState()) {
            job.getJobExecutionResult().get();
            throw new IllegalStateException("the bench job ended early");
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                    "no end in 15 minutes; counted " + SourceThroughput.COUNTED.get());
        }
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int m = s.size() / 2;
        return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
    }

    static String range(List<Double> v) {
        return String.format(
                Locale.ROOT,
                "%,.0f (%,.0f-%,.0f)",
                median(v),
                v.stream().mapToDouble(d -> d).min().orElse(0),
                v.stream().mapToDouble(d -> d).max().orElse(0));
    }

    /** Mean, min and max of one reader's sampled shard count. */
    static String held(Run r, int reader) {
        double sum = 0;
        double min = Double.MAX_VALUE;
        double max = 0;
        int k = 0;
        for (double[] s : r.samples) {
            if (s[reader + 1] >= 0) {
                sum += s[reader + 1];
                min = Math.min(min, s[reader + 1]);
                max = Math.max(max, s[reader + 1]);
                k++;
            }
        }
        return k == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f (%.0f-%.0f)", sum / k, min, max);
    }

    /** The cases, by name: P2 is the source as users run it; the others are its baselines. */
    static List<Case> cases(String names) {
        List<Case> all = new ArrayList<>();
        all.add(new Case("P2", 2, 8, ROLLOVER_MS, 200));
        all.add(new Case("P1", 1, 8, ROLLOVER_MS, 200));
        all.add(new Case("P2-fixed", 2, 8, 3_600_000L, 200));
        all.add(new Case("P2-fast", 2, 8, ROLLOVER_MS, 1));
        all.add(new Case("P1-fast", 1, 8, ROLLOVER_MS, 1));
        List<Case> chosen = new ArrayList<>();
        for (String name : names.split(",")) {
            Case c =
                    all.stream()
                            .filter(k -> k.name.equals(name.trim()))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new IllegalArgumentException(
                                                    "unknown rollover case "
                                                            + name
                                                            + " (P2, P1, P2-fixed, P2-fast,"
                                                            + " P1-fast)"));
            chosen.add(c);
        }
        return chosen;
    }

    /** Records the model's writer puts in the backlog before the job starts, and its paces. */
    static final long FILL = 160_000L;

    static final long FILL_RATE = 16_000L;
    static final long STEADY_RATE = 1_000L;
    static final long ROLLOVER_MS = 3_000L;
    static final int LISTS = 10_000;

    /**
     * The {@code rollover} part of {@code SOURCE.md} ({@link Benchmarks}): runs each case {@code
     * repeats} times, the cases alternating so that a busy spell of the machine hits all, and adds
     * its section to {@code md} and every run's figures to the header's raw numbers.
     */
    static void measure(List<String> md, ResultsHeader h, long n, int repeats, String names)
            throws Exception {
        List<Case> cases = cases(names);
        Map<String, List<Run>> runs = new java.util.LinkedHashMap<>();
        for (int r = 0; r < repeats; r++) {
            for (Case c : cases) {
                Run run = run(c, n, FILL, FILL_RATE, STEADY_RATE, LISTS);
                System.out.printf(
                        Locale.ROOT,
                        "[rollover %s #%d] %,.0f events/s, %,.0f per job CPU-s, job %.2f cores,"
                                + " server %.2f cores; before: %s; after: %s; finished %s%n",
                        c.name,
                        r + 1,
                        run.perSecond(),
                        run.perCpuSecond(),
                        run.jobCpuSeconds / run.seconds,
                        run.serverCpuSeconds / run.seconds,
                        run.statsBefore.replaceAll(" calls=.*", ""),
                        run.statsAfter,
                        run.finished);
                for (double[] s : run.samples) {
                    System.out.println("  sample " + Arrays.toString(s));
                }
                runs.computeIfAbsent(c.name, k -> new ArrayList<>()).add(run);
            }
        }
        for (Case c : cases) {
            List<Run> rs = runs.get(c.name);
            String series = "rollover " + c.name;
            h.raw(series, "events/s", rs.stream().mapToDouble(Run::perSecond).toArray());
            h.raw(
                    series,
                    "events per job CPU-second",
                    rs.stream().mapToDouble(Run::perCpuSecond).toArray());
            h.raw(
                    series + ": job CPU",
                    "cores",
                    rs.stream().mapToDouble(x -> x.jobCpuSeconds / x.seconds).toArray());
            h.raw(
                    series + ": model server CPU",
                    "cores",
                    rs.stream().mapToDouble(x -> x.serverCpuSeconds / x.seconds).toArray());
        }
        for (String line : section(cases, runs, n, repeats).split("\n", -1)) {
            md.add(line);
        }
    }

    static String section(List<Case> cases, Map<String, List<Run>> runs, long n, int repeats) {
        StringBuilder md = new StringBuilder();
        md.append(SECTION).append("\n\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "The full job (MiniCluster, discarding sinks, every other setting at its default:"
                                + " checkpoints every 10 s, hashmap state) reads a DynamoDB stream served by"
                                + " the stream model (`testing/StreamsModel` through `StreamsModelServer`) in"
                                + " a separate JVM: %d lineages, so 8 open shards at a time, each rolling over"
                                + " every %,d ms (a child takes its partition's writes; the parent is listed"
                                + " closed 1 s later, a child is listed 2 s after it appears; AWS: about 4 h)."
                                + " Before the job starts, the model's writer fills a backlog of %,d records at"
                                + " %,d records/s (so the backlog spans several generations of shards per"
                                + " lineage), then goes on at %,d records/s while the job reads, so shards"
                                + " close and children appear during the run. Records are the benchmark's"
                                + " MODIFY records with both images (3.1 KB, %,d lists; a GetRecords answer"
                                + " holds at most 1 MB: about 330 of them), created at the time they are"
                                + " written. Each run counts %,d records right after the source, after a"
                                + " tenth as warm-up; events/s is over that window. CPU: events per second of"
                                + " this JVM's process CPU time (JMX `getProcessCpuTime`: the job and the"
                                + " bench driver; the model server's JVM is apart and given in cores, from"
                                + " the OS). Shards held: each source reader's `shards` gauge (the shards its"
                                + " split reader holds), sampled every 0.5 s through a metric reporter; mean"
                                + " (min-max) over the window. %d runs per case, the cases alternating;"
                                + " median (min-max).\n\n",
                        cases.isEmpty() ? 8 : cases.get(0).lineages,
                        ROLLOVER_MS,
                        FILL,
                        FILL_RATE,
                        STEADY_RATE,
                        LISTS,
                        n,
                        repeats));
        md.append(
                "| case | parallelism | rollover | poll interval | events/s | events per job CPU-second"
                        + " | job CPU (cores) | server CPU (cores) | shards held per reader: mean (min-max)"
                        + " | shards finished |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Case c : cases) {
            List<Run> rs = runs.get(c.name);
            if (rs == null) {
                continue;
            }
            List<Double> ps = new ArrayList<>();
            List<Double> pc = new ArrayList<>();
            List<Double> jc = new ArrayList<>();
            List<Double> sc = new ArrayList<>();
            for (Run r : rs) {
                ps.add(r.perSecond());
                pc.add(r.perCpuSecond());
                jc.add(r.jobCpuSeconds / r.seconds);
                sc.add(r.serverCpuSeconds / r.seconds);
            }
            Run last = rs.get(rs.size() - 1);
            StringBuilder held = new StringBuilder();
            for (int i = 0; i < c.parallelism; i++) {
                held.append(i == 0 ? "" : "; ").append("r").append(i).append(' ');
                held.append(held(last, i));
            }
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %d | %s | %d ms | %s | %s | %.2f | %.2f | %s | %s |\n",
                            c.name,
                            c.parallelism,
                            c.rolloverMs >= 3_600_000L
                                    ? "none"
                                    : String.format(
                                            Locale.ROOT, "every %.1f s", c.rolloverMs / 1e3),
                            c.pollMs,
                            range(ps),
                            range(pc),
                            median(jc),
                            median(sc),
                            held,
                            last.finished));
        }
        md.append(
                "\nShards held and shards finished are of each case's last run (per reader r0, r1)."
                        + " Cases: P2 is the source as users run it (parallelism 2, the default poll"
                        + " interval of 200 ms: at most 5 GetRecords calls per second per shard, as AWS"
                        + " allows); P1 the same at parallelism 1 (baseline); P2-fixed the same 8 shards"
                        + " without rollover (baseline)"
                        + (runs.containsKey("P2-fast") || runs.containsKey("P1-fast")
                                ? "; P2-fast and P1-fast poll without pause"
                                        + " (`source.poll.interval.ms=1`), which AWS would throttle:"
                                        + " the source's own ceiling"
                                : "")
                        + ".\n");
        Case main = cases.isEmpty() ? null : cases.get(0);
        if (main != null && runs.containsKey(main.name)) {
            Run r = runs.get(main.name).get(runs.get(main.name).size() - 1);
            md.append(
                    String.format(
                            Locale.ROOT,
                            "\nShards each reader held over time, %s (its last run), every second of"
                                    + " the window (seconds since the warm-up ended; records counted):\n\n",
                            main.name));
            StringBuilder head = new StringBuilder("| s |");
            StringBuilder rule = new StringBuilder("|---|");
            for (int i = 0; i < main.parallelism; i++) {
                head.append(" reader ").append(i).append(" |");
                rule.append("---|");
            }
            md.append(head).append(" records |\n").append(rule).append("---|\n");
            double next = 0;
            for (double[] s : r.samples) {
                if (s[0] + 1e-9 < next) {
                    continue;
                }
                next = Math.floor(s[0]) + 1;
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %.1f |", s[0]));
                for (int i = 0; i < main.parallelism; i++) {
                    row.append(' ').append((long) s[i + 1]).append(" |");
                }
                md.append(row)
                        .append(String.format(Locale.ROOT, " %,d |\n", (long) s[s.length - 1]));
            }
            md.append("\nThe model after that run: ").append(r.statsAfter).append(".\n");
        }
        md.append(
                "\nThe section above is the loopback benchmark of the same run (4 open shards, no"
                        + " rollover, parallelism 1, polling without pause).\n");
        return md.toString();
    }
}

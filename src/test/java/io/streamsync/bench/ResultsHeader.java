package io.streamsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The generated header and the raw numbers of one results file under {@code src/bench}: what a
 * reader needs to trust a figure or to reproduce it. Everything in it is read at run time, never
 * typed in: the versions from the running code (Flink from {@code EnvironmentInformation}, the AWS
 * SDK, Jackson, the JVM) and from the services as they answer (moto's package version and the
 * {@code Server} header of its HTTP answers; Elasticsearch's or OpenSearch's {@code GET /}), the
 * git commit and whether the tree had uncommitted code, the machine (cores, memory, OS, load
 * average at the start and the end: the machine may be shared), the parameters the run actually
 * used, how long it took, and every repetition's number.
 *
 * <p>Use (one instance per results file):
 *
 * <pre>{@code
 * ResultsHeader h = ResultsHeader.begin("SOURCE.md");   // reads commit, machine, load, start time
 * h.param("streamsync.bench.source.records", n);          // only parameters this run used
 * h.moto(moto.endpoint());                                // a service, asked for its version
 * h.search(searchNode.uri());
 * h.raw("(a) change-stream source", "events/s", wall);    // every repetition, in run order
 * List<String> top = h.header();                          // the first lines of the file
 * List<String> end = h.rawSection();                      // the last section of the file
 * }</pre>
 *
 * <p>{@link #header()} names the command that reproduces the run: {@code mvn -Pbench} with the
 * parameters given to {@link #param} (any other {@code -Dstreamsync.bench.*} is ignored by such a
 * run, so it is not printed); {@link #command(String)} replaces it for a run started another way.
 */
public final class ResultsHeader {
    private final String file;
    private final Instant start = Instant.now();
    private final String startLoad = loadAverage();
    private final Map<String, String> params = new LinkedHashMap<>();
    private final Map<String, Set<String>> services = new LinkedHashMap<>();
    private final List<String> raw = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private String command;

    private ResultsHeader(String file) {
        this.file = file;
    }

    /** Starts the record of a run that writes {@code file} (a name under src/bench). */
    public static ResultsHeader begin(String file) {
        return new ResultsHeader(file);
    }

    /** A parameter this run used, as {@code -Dkey=value} of the command that reproduces it. */
    public ResultsHeader param(String key, Object value) {
        params.put(key, String.valueOf(value));
        return this;
    }

    /** Replaces the reproducing command (default: {@code mvn -Pbench} with the parameters). */
    public ResultsHeader command(String command) {
        this.command = command;
        return this;
    }

    /** A line of the header's own (e.g. what is recorded rather than re-run). */
    public ResultsHeader note(String line) {
        notes.add(line);
        return this;
    }

    /** A service's version as found (each distinct version is kept). */
    public ResultsHeader service(String name, String version) {
        services.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(version);
        return this;
    }

    /**
     * moto: its package version from the interpreter that runs it ({@code -Dstreamsync.python},
     * python3 by default) and the {@code Server} header its server answers with.
     */
    public ResultsHeader moto(URI endpoint) {
        String python = System.getProperty("streamsync.python", "python3");
        String pkg = run(python, "-c", "import importlib.metadata as m; print(m.version('moto'))");
        String server;
        try {
            HttpResponse<Void> r =
                    http().send(
                                    HttpRequest.newBuilder(endpoint)
                                            .timeout(Duration.ofSeconds(10))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding());
            server = r.headers().firstValue("Server").orElse("no Server header");
        } catch (Exception e) {
            server = "did not answer: " + e;
        }
        return service("moto", pkg + " (" + python + " package; its server: " + server + ")");
    }

    /**
     * Elasticsearch or OpenSearch as its {@code GET /} answers: distribution, version number and
     * Lucene version.
     */
    public ResultsHeader search(URI uri) {
        try {
            HttpResponse<String> r =
                    http().send(
                                    HttpRequest.newBuilder(uri)
                                            .timeout(Duration.ofSeconds(10))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
            JsonNode v = new ObjectMapper().readTree(r.body()).path("version");
            String distribution = v.path("distribution").asText("elasticsearch");
            return service(
                    distribution.equals("opensearch") ? "OpenSearch" : "Elasticsearch",
                    v.path("number").asText("?")
                            + " (as GET / answers; Lucene "
                            + v.path("lucene_version").asText("?")
                            + ")");
        } catch (Exception e) {
            return service("search engine at " + uri, "did not answer GET /: " + e);
        }
    }

    /** Every repetition of one series, in run order. */
    public ResultsHeader raw(String series, String unit, double... values) {
        raw.add(
                "| "
                        + series
                        + " | "
                        + unit
                        + " | "
                        + java.util.Arrays.stream(values)
                                .mapToObj(ResultsHeader::number)
                                .collect(Collectors.joining(", "))
                        + " |");
        return this;
    }

    /** The header: the first lines of the results file, after its title. */
    public List<String> header() {
        Instant end = Instant.now();
        List<String> md = new ArrayList<>();
        md.add(
                "<!-- GENERATED by io.streamsync.bench.ResultsHeader: do not edit by hand; "
                        + "regenerate with the command below. -->");
        md.add("");
        md.add("| run | |");
        md.add("|---|---|");
        md.add("| command | `" + reproduce() + "` |");
        md.add(
                "| JVM options | `"
                        + ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                                .filter(a -> a.startsWith("-X"))
                                .collect(Collectors.joining(" "))
                        + "` |");
        md.add(
                "| when | "
                        + start
                        + " to "
                        + end
                        + String.format(
                                Locale.ROOT,
                                " (%.1f min)",
                                Duration.between(start, end).toMillis() / 60_000.0)
                        + " |");
        md.add("| commit | " + gitState() + " |");
        md.add("| Flink | " + flink() + " |");
        md.add("| AWS SDK for Java v2 | " + awsSdk() + " |");
        md.add("| Jackson | " + jackson() + " |");
        for (Map.Entry<String, Set<String>> s : services.entrySet()) {
            md.add("| " + s.getKey() + " | " + String.join("; ", s.getValue()) + " |");
        }
        md.add(
                "| JVM | "
                        + System.getProperty("java.vm.name")
                        + " "
                        + System.getProperty("java.runtime.version")
                        + " ("
                        + System.getProperty("java.vm.vendor")
                        + "), max heap "
                        + Runtime.getRuntime().maxMemory() / (1024 * 1024)
                        + " MB |");
        md.add("| machine | " + machine() + " |");
        md.add(
                "| load average (1, 5, 15 min) | at the start "
                        + startLoad
                        + "; at the end "
                        + loadAverage()
                        + " |");
        for (String n : notes) {
            md.add("| note | " + n + " |");
        }
        md.add("");
        return md;
    }

    /** The raw numbers: the last section of the results file (empty if none were given). */
    public List<String> rawSection() {
        if (raw.isEmpty()) {
            return List.of();
        }
        List<String> md = new ArrayList<>();
        md.add("## Raw numbers (every repetition, in run order)");
        md.add("");
        md.add("| series | unit | values |");
        md.add("|---|---|---|");
        md.addAll(raw);
        md.add("");
        return md;
    }

    /** The command that reproduces this run. */
    public String reproduce() {
        if (command != null) {
            return command;
        }
        StringBuilder b = new StringBuilder("mvn -o -Pbench");
        params.forEach((k, v) -> b.append(" -D").append(k).append('=').append(v));
        return b.toString();
    }

    /** Flink's version and commit as its runtime reports them, and the jar it was loaded from. */
    public static String flink() {
        return org.apache.flink.runtime.util.EnvironmentInformation.getVersion()
                + " (EnvironmentInformation; commit "
                + org.apache.flink.runtime.util.EnvironmentInformation.getGitCommitIdAbbrev()
                + "; loaded from "
                + jarOf(org.apache.flink.runtime.util.EnvironmentInformation.class)
                + ")";
    }

    /** The AWS SDK's version as its core reports it (the one the job's clients send). */
    public static String awsSdk() {
        return software.amazon.awssdk.core.util.VersionInfo.SDK_VERSION
                + " (VersionInfo; loaded from "
                + jarOf(software.amazon.awssdk.core.util.VersionInfo.class)
                + ")";
    }

    /** Jackson core's and databind's versions as they report them. */
    public static String jackson() {
        return "core "
                + com.fasterxml.jackson.core.json.PackageVersion.VERSION
                + ", databind "
                + com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION;
    }

    /** The commit of the working directory and whether code differed from it. */
    public static String gitState() {
        String given = System.getProperty("streamsync.bench.commit", "");
        if (!given.isEmpty()) { // a tree extracted with git archive: no .git to ask
            return "`"
                    + given
                    + "` (given by the script that extracted this tree with git archive)";
        }
        String head = run("git", "rev-parse", "HEAD");
        String status = run("git", "status", "--porcelain");
        if (head.startsWith("(")) {
            return "not a git checkout: " + head;
        }
        List<String> code = new ArrayList<>();
        List<String> results = new ArrayList<>();
        for (String line : status.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String path = line.substring(3).trim();
            if (path.startsWith("src/bench/") && path.endsWith(".md")) {
                results.add(path);
            } else if (path.startsWith("src/main/")
                    || path.startsWith("src/test/")
                    || path.startsWith("src/bench/")
                    || path.equals("pom.xml")) {
                code.add(path); // what the run compiles or runs; docs do not count
            }
        }
        String subject = run("git", "log", "-1", "--format=%cI %s");
        if (subject.length() > 100) {
            subject = subject.substring(0, 100) + "...";
        }
        return "`"
                + head
                + "` ("
                + subject.replace("|", "/")
                + "); "
                + (code.isEmpty()
                        ? "no uncommitted change to code (git status)"
                        : "**uncommitted changes to** " + String.join(", ", code))
                + (results.isEmpty()
                        ? ""
                        : "; results files changed since the commit (by earlier runs): "
                                + String.join(", ", results));
    }

    /** Cores, CPU model, memory, OS. */
    public static String machine() {
        String cpu = "unknown CPU";
        String mem = "unknown memory";
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version");
        try {
            cpu =
                    Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                            .filter(l -> l.startsWith("model name"))
                            .findFirst()
                            .map(l -> l.substring(l.indexOf(':') + 1).trim())
                            .orElse(cpu);
            mem =
                    Files.readAllLines(Path.of("/proc/meminfo")).stream()
                            .filter(l -> l.startsWith("MemTotal:"))
                            .findFirst()
                            .map(
                                    l ->
                                            Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024
                                                    + " GB RAM")
                            .orElse(mem);
            Path release = Path.of("/etc/os-release");
            if (Files.isReadable(release)) {
                for (String l : Files.readAllLines(release)) {
                    if (l.startsWith("PRETTY_NAME=")) {
                        os = l.substring(12).replace("\"", "") + ", kernel " + os;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the JVM's view below is still right
        }
        return Runtime.getRuntime().availableProcessors()
                + " cores ("
                + cpu
                + "), "
                + mem
                + ", "
                + os
                + ", "
                + System.getProperty("os.arch");
    }

    private static String loadAverage() {
        try {
            String[] f =
                    Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII)
                            .split(" ");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            return String.format(
                    Locale.ROOT,
                    "%.2f",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static String jarOf(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .getFileName()
                    .toString();
        } catch (Exception e) {
            return "?";
        }
    }

    private static HttpClient http() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A command's trimmed standard output, or "(reason)" if it failed. */
    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "(" + cmd[0] + " timed out)";
            }
            return p.exitValue() == 0
                    ? out.trim()
                    : "(" + String.join(" ", cmd) + " failed: " + out.trim() + ")";
        } catch (IOException | InterruptedException e) {
            return "(" + cmd[0] + ": " + e.getMessage() + ")";
        }
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.3f", v);
    }

    /** Which results file this header belongs to. */
    public String file() {
        return file;
    }
}

package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A Flink session cluster of separate processes, as a distribution runs one: a JobManager JVM
 * started from {@code StandaloneSessionClusterEntrypoint} and TaskManager JVMs from {@code
 * TaskManagerRunner} with the memory flags that {@code BashJavaUtils GET_TM_RESOURCE_PARAMS}
 * computes (what {@code taskmanager.sh} does). The classpath of both is a Flink {@code lib/}
 * directory alone (assembled from Maven by {@code src/test/services/flink/pom.xml}; flink-dist is
 * not served here) and file systems come from its {@code plugins/} directory, so what the job jar
 * does not bundle is missing here as it is on a real cluster. Jobs are submitted as Managed Service
 * for Apache Flink submits them: the jar is uploaded and run through the REST API, so the job's
 * {@code main} runs in the JobManager in Flink's client context environment, where {@code
 * execution.program-config.enabled=false} refuses configuration set in code.
 *
 * <p>Every port is on 127.0.0.1; every process is stopped by PID ({@link #close}, or {@link
 * #killTaskManager} for a SIGKILL).
 */
public final class FlinkProcessCluster implements AutoCloseable {
    /**
     * The keys that Managed Service for Apache Flink lets code change (guide "Programmatic Flink
     * configuration properties": pipeline, network and Python keys; its Table API keys are left
     * out, the job has no Table API).
     */
    public static final List<String> MSF_ALLOWED_KEYS =
            List.of(
                    "execution.runtime-mode",
                    "pipeline.auto-generate-uids",
                    "pipeline.auto-watermark-interval",
                    "pipeline.cached-files",
                    "pipeline.classpaths",
                    "pipeline.closure-cleaner-level",
                    "pipeline.force-avro",
                    "pipeline.force-kryo",
                    "pipeline.generic-types",
                    "pipeline.global-job-parameters",
                    "pipeline.jars",
                    "pipeline.jobvertex-parallelism-overrides",
                    "pipeline.max-parallelism",
                    "pipeline.name",
                    "pipeline.object-reuse",
                    "pipeline.operator-chaining.chain-operators-with-different-max-parallelism",
                    "pipeline.operator-chaining.enabled",
                    "pipeline.serialization-config",
                    "pipeline.vertex-description-mode",
                    "pipeline.vertex-name-include-index-prefix",
                    "pipeline.watermark-alignment.allow-unaligned-source-splits",
                    "taskmanager.network.adaptive-partitioner.enabled",
                    "taskmanager.network.adaptive-partitioner.max-traverse-size",
                    "python.execution-mode",
                    "python.operator-chaining.enabled",
                    "python.job-options",
                    "python.internal.archives-key-map",
                    "python.internal.files-key-map",
                    "python.internal.requirements-file-key");

    /**
     * The JDK 17 module flags a Flink distribution passes to every JVM by default ({@code
     * env.java.default-opts.all}).
     */
    static final List<String> JDK17_OPENS =
            List.of(
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String version;
    private final Path home;
    private final Path work;
    private final Path confDir;
    private final Map<String, String> environment;
    private final List<String> jobManagerJvmArgs;
    private final int restPort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ManagedProcess jobManager;
    private final List<ManagedProcess> taskManagers = new ArrayList<>();

    private FlinkProcessCluster(
            String version,
            Path work,
            Map<String, String> conf,
            Map<String, String> environment,
            List<String> jobManagerJvmArgs)
            throws IOException {
        this.version = version;
        this.home = home(version);
        if (!Files.isDirectory(home.resolve("lib"))) {
            throw new IllegalStateException(
                    "no Flink "
                            + version
                            + " lib/ at "
                            + home
                            + ": the build assembles it in the"
                            + " pre-integration-test phase (src/test/services/flink/pom.xml); run the tests through mvn verify");
        }
        this.work = work;
        this.confDir = work.resolve("conf");
        this.environment = Map.copyOf(environment);
        this.jobManagerJvmArgs = List.copyOf(jobManagerJvmArgs);
        this.restPort = ManagedProcess.freePort();
        Files.createDirectories(confDir);
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("jobmanager.rpc.port", Integer.toString(ManagedProcess.freePort()));
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.host", "127.0.0.1");
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.port", Integer.toString(restPort));
        c.put("blob.server.port", Integer.toString(ManagedProcess.freePort()));
        c.put("jobmanager.memory.process.size", "768m");
        c.put("taskmanager.memory.process.size", "1400m");
        c.put("taskmanager.cpu.cores", "2");
        c.put("taskmanager.numberOfTaskSlots", "2");
        c.put("parallelism.default", "2");
        c.put("io.tmp.dirs", work.resolve("tmp").toString());
        c.put("web.upload.dir", work.resolve("upload").toString());
        c.putAll(conf);
        StringBuilder yaml = new StringBuilder();
        for (Map.Entry<String, String> e : c.entrySet()) {
            yaml.append(e.getKey())
                    .append(": ")
                    .append(JSON.writeValueAsString(e.getValue()))
                    .append('\n');
        }
        Files.writeString(confDir.resolve("config.yaml"), yaml.toString());
        Files.writeString(
                confDir.resolve("log4j.properties"),
                String.join(
                        "\n",
                        "rootLogger.level = INFO",
                        "rootLogger.appenderRef.file.ref = file",
                        "appender.file.type = File",
                        "appender.file.name = file",
                        "appender.file.fileName = ${sys:log.file}",
                        "appender.file.layout.type = PatternLayout",
                        "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                        "logger.hadoop.name = org.apache.hadoop",
                        "logger.hadoop.level = WARN",
                        ""));
        Files.createDirectories(work.resolve("tmp"));
        Files.createDirectories(work.resolve("log"));
    }

    /** Where the build puts Flink {@code version}'s lib/ and plugins/. */
    public static Path home(String version) {
        return ManagedProcess.servicesDir().resolve("flink-" + version).toAbsolutePath();
    }

    /**
     * Starts a JobManager and one TaskManager of Flink {@code version} with {@code conf} on top of
     * the cluster's own settings (addresses, ports, memory); {@code environment} is added to both
     * processes' environment, {@code jobManagerJvmArgs} to the JobManager's JVM (where a
     * REST-submitted job's main runs).
     */
    public static FlinkProcessCluster start(
            String version,
            Path work,
            Map<String, String> conf,
            Map<String, String> environment,
            List<String> jobManagerJvmArgs)
            throws Exception {
        FlinkProcessCluster cluster =
                new FlinkProcessCluster(version, work, conf, environment, jobManagerJvmArgs);
        try {
            cluster.startJobManager();
            cluster.startTaskManager();
            cluster.awaitTaskManagers(1, Duration.ofSeconds(90));
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private String classpath() {
        return home.resolve("lib").toString() + "/*";
    }

    private List<String> commonJvmArgs(String logName) {
        List<String> args = new ArrayList<>(JDK17_OPENS);
        args.add("-Dlog.file=" + work.resolve("log").resolve(logName + ".log"));
        args.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        return args;
    }

    private ManagedProcess process(String name, List<String> javaCommand) throws IOException {
        // env(1) sets the environment and execs the JVM, so the PID is the JVM's own
        List<String> command =
                new ArrayList<>(
                        List.of(
                                "/usr/bin/env",
                                "FLINK_PLUGINS_DIR=" + home.resolve("plugins"),
                                "FLINK_CONF_DIR=" + confDir));
        environment.forEach((k, v) -> command.add(k + "=" + v));
        command.addAll(javaCommand);
        ManagedProcess p =
                new ManagedProcess(name, command, work.resolve("log").resolve(name + ".out"));
        p.start();
        return p;
    }

    private void startJobManager() throws Exception {
        List<String> jvm = new ArrayList<>(List.of("-Xmx512m", "-Xms128m"));
        jvm.addAll(commonJvmArgs("jobmanager"));
        jvm.addAll(jobManagerJvmArgs);
        jobManager =
                process(
                        "flink-" + version + "-jobmanager",
                        ManagedProcess.jvm(
                                classpath(),
                                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                                jvm,
                                List.of("--configDir", confDir.toString())));
        jobManager.awaitPort(restPort, Duration.ofSeconds(90));
    }

    /** Starts one more TaskManager JVM, with the memory flags Flink's own scripts would give it. */
    public synchronized ManagedProcess startTaskManager() throws Exception {
        Process utils =
                new ProcessBuilder(
                                ManagedProcess.jvm(
                                        classpath(),
                                        "org.apache.flink.runtime.util.bash.BashJavaUtils",
                                        List.of("-Xmx128m"),
                                        List.of(
                                                "GET_TM_RESOURCE_PARAMS",
                                                "--configDir",
                                                confDir.toString())))
                        .redirectErrorStream(true)
                        .start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        utils.getInputStream().transferTo(out);
        if (!utils.waitFor(60, TimeUnit.SECONDS) || utils.exitValue() != 0) {
            throw new IllegalStateException("BashJavaUtils GET_TM_RESOURCE_PARAMS failed: " + out);
        }
        List<String> results = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")) {
                results.add(line.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim());
            }
        }
        if (results.size() < 2) {
            throw new IllegalStateException(
                    "BashJavaUtils GET_TM_RESOURCE_PARAMS printed no JVM and dynamic parameters: "
                            + out);
        }
        List<String> jvm = new ArrayList<>(List.of(results.get(0).split("\\s+")));
        int n = taskManagers.size() + 1;
        jvm.addAll(commonJvmArgs("taskmanager-" + n));
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(List.of(results.get(1).split("\\s+")));
        ManagedProcess tm =
                process(
                        "flink-" + version + "-taskmanager-" + n,
                        ManagedProcess.jvm(
                                classpath(),
                                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                                jvm,
                                args));
        taskManagers.add(tm);
        return tm;
    }

    /** SIGKILL to the newest TaskManager, standing in for a lost host; returns its PID. */
    public synchronized long killTaskManager() throws InterruptedException {
        ManagedProcess tm = taskManagers.get(taskManagers.size() - 1);
        long pid = tm.pid();
        tm.kill();
        return pid;
    }

    public void awaitTaskManagers(int count, Duration timeout) throws Exception {
        Poll.until(
                timeout,
                () -> {
                    int registered = get("/taskmanagers").path("taskmanagers").size();
                    return registered >= count
                            ? null
                            : registered
                                    + " TaskManagers registered, waiting for "
                                    + count
                                    + "; JobManager log "
                                    + work.resolve("log");
                });
    }

    public URI restUri() {
        return URI.create("http://127.0.0.1:" + restPort);
    }

    public Path logDir() {
        return work.resolve("log");
    }

    public String version() {
        return version;
    }

    /** Uploads a jar through the REST API; returns its id on the cluster. */
    public String uploadJar(Path jar) throws Exception {
        String boundary = "----streamsync" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(
                ("--"
                                + boundary
                                + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                                + jar.getFileName()
                                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(restUri().resolve("/jars/upload"))
                                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                                .timeout(Duration.ofSeconds(120))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        JsonNode answer = answer(r, "upload " + jar);
        String file = answer.path("filename").asText();
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /**
     * The answer of a jar run: the job id, or the error the cluster gave (the job's main threw, the
     * guard refused).
     */
    public static final class RunResult {
        public final String jobId;
        public final int status;
        public final String error;

        RunResult(String jobId, int status, String error) {
            this.jobId = jobId;
            this.status = status;
            this.error = error;
        }
    }

    /**
     * Runs an uploaded jar's main in the JobManager (the REST jar-run path), from {@code savepoint}
     * if not null.
     */
    public RunResult runJar(String jarId, List<String> programArgs, String savepoint)
            throws Exception {
        ObjectNode req = JSON.createObjectNode();
        req.putArray("programArgsList")
                .addAll(programArgs.stream().map(JSON.getNodeFactory()::textNode).toList());
        if (savepoint != null) {
            req.put("savepointPath", savepoint);
            req.put("allowNonRestoredState", false);
        }
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(restUri().resolve("/jars/" + jarId + "/run"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(req.toString()))
                                .timeout(Duration.ofSeconds(180))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
            return new RunResult(JSON.readTree(r.body()).path("jobid").asText(), 200, null);
        }
        return new RunResult(null, r.statusCode(), r.body());
    }

    public String jobState(String jobId) throws Exception {
        return get("/jobs/" + jobId).path("state").asText();
    }

    public void awaitJobState(String jobId, String state, Duration timeout) throws Exception {
        Poll.until(
                timeout,
                () -> {
                    String now = jobState(jobId);
                    return state.equals(now)
                            ? null
                            : "job " + jobId + " is " + now + ", waiting for " + state;
                });
    }

    /** Waits until every task of the job runs (a RUNNING job may still be deploying its tasks). */
    public void awaitAllTasksRunning(String jobId, Duration timeout) throws Exception {
        Poll.until(
                timeout,
                () -> {
                    JsonNode job = get("/jobs/" + jobId);
                    JsonNode tasks = job.path("status-counts");
                    int total = 0;
                    for (JsonNode v : job.path("vertices")) {
                        total += v.path("parallelism").asInt();
                    }
                    int running = tasks.path("RUNNING").asInt() + tasks.path("FINISHED").asInt();
                    return "RUNNING".equals(job.path("state").asText())
                                    && running >= total
                                    && total > 0
                            ? null
                            : "job " + job.path("state").asText() + ", tasks " + tasks;
                });
    }

    /** Completed checkpoints of the job so far. */
    public long completedCheckpoints(String jobId) throws Exception {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }

    /**
     * Stop-with-savepoint, as Managed Service for Apache Flink takes a snapshot on StopApplication:
     * to the cluster's {@code execution.checkpointing.savepoint-dir}. Returns the savepoint's
     * location.
     */
    public String stopWithSavepoint(String jobId, Duration timeout) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(restUri().resolve("/jobs/" + jobId + "/stop"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"drain\":false}"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        String trigger = answer(r, "stop " + jobId).path("request-id").asText();
        String[] location = new String[1];
        Poll.until(
                timeout,
                () -> {
                    JsonNode s = get("/jobs/" + jobId + "/savepoints/" + trigger);
                    if (!"COMPLETED".equals(s.path("status").path("id").asText())) {
                        return "savepoint " + s.path("status").path("id").asText();
                    }
                    JsonNode failure = s.path("operation").path("failure-cause");
                    if (!failure.isMissingNode() && !failure.isNull()) {
                        throw new AssertionError("stop-with-savepoint failed: " + failure);
                    }
                    location[0] = s.path("operation").path("location").asText();
                    return null;
                });
        awaitJobState(jobId, "FINISHED", timeout);
        return location[0];
    }

    public void cancel(String jobId) throws Exception {
        http.send(
                HttpRequest.newBuilder(restUri().resolve("/jobs/" + jobId + "?mode=cancel"))
                        .method("PATCH", HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The JobManager's effective configuration, as the REST API shows it. */
    public Map<String, String> jobManagerConfig() throws Exception {
        Map<String, String> out = new HashMap<>();
        for (JsonNode e : get("/jobmanager/config")) {
            out.put(e.path("key").asText(), e.path("value").asText());
        }
        return out;
    }

    public JsonNode get(String path) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(restUri().resolve(path))
                                .timeout(Duration.ofSeconds(30))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return answer(r, "GET " + path);
    }

    private static JsonNode answer(HttpResponse<String> r, String what) throws IOException {
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(what + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** The PIDs of the cluster's processes: JobManager first, then the TaskManagers alive. */
    public List<Long> pids() {
        List<Long> out = new ArrayList<>();
        if (jobManager != null && jobManager.isAlive()) {
            out.add(jobManager.pid());
        }
        for (ManagedProcess tm : taskManagers) {
            if (tm.isAlive()) {
                out.add(tm.pid());
            }
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedProcess tm : taskManagers) {
            tm.close();
        }
        if (jobManager != null) {
            jobManager.close();
        }
    }
}

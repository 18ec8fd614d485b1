package io.streamsync.local;

import io.streamsync.config.ConfigLoader;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServices;
import io.streamsync.testing.ManagedProcess;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The local run behind {@code mvn -Plocal}: starts moto (DynamoDB and DynamoDB Streams) and an
 * Elasticsearch node on the ports of the config file, creates the example tables, writes random
 * task traffic, runs the job on a local MiniCluster with the Flink web UI, and every 10 s prints
 * whether the outputs equal a scan of the source table. Ctrl-C stops the traffic, the job and both
 * services (child processes, by PID).
 *
 * <p>System properties: {@code streamsync.local.rate} (operations/s, default 20), {@code
 * streamsync.local.lists} (default 30), {@code streamsync.local.ui.port} (default 8081), {@code
 * streamsync.local.seconds} (stop after that long, then wait for the outputs to catch up and exit 0
 * only if they are exact: a smoke test), {@code streamsync.local.drill} (the upgrade drill across
 * Flink versions: the previous release, {@code streamsync.local.drill.from} (default {@value
 * #DRILL_FROM}, the last on Flink 1.20), built from its git tag, runs its own job in its own JVM
 * for the first half while the traffic goes on, and stops it with a savepoint; this build's job
 * starts from that savepoint, and at the end the outputs, the windows history included, are checked
 * as above).
 */
public final class LocalRun {
    /** The release whose savepoint the drill restores: the last one on Flink 1.20. */
    static final String DRILL_FROM = "v0.2.0";

    private LocalRun() {}

    public static void main(String[] args) throws Exception {
        Path confFile = Path.of(args.length > 0 ? args[0] : "conf/local.properties");
        Map<String, String> properties = ConfigLoader.fromFile(confFile);
        // the MiniCluster would keep checkpoints in memory (5 MB at most): give it a directory
        properties.putIfAbsent(
                "checkpoint.dir",
                Path.of("target/local-run/checkpoints").toAbsolutePath().toUri().toString());
        JobConfig config = JobConfig.from(properties);
        double rate = Double.parseDouble(System.getProperty("streamsync.local.rate", "20"));
        int lists = Integer.getInteger("streamsync.local.lists", 30);
        int uiPort = Integer.getInteger("streamsync.local.ui.port", 8081);
        boolean drill = Boolean.getBoolean("streamsync.local.drill");
        Path repairFile =
                Path.of(
                                System.getProperty(
                                        "streamsync.local.repair.file",
                                        LocalRepair.FILE.toString()))
                        .toAbsolutePath();
        java.nio.file.Files.deleteIfExists(repairFile); // only a request written during this run
        long seconds = Long.getLong("streamsync.local.seconds", 0L);
        if (drill && seconds <= 0) {
            seconds = 90;
        }

        int ddbPort = localPort(config.awsEndpoint, "aws.endpoint");
        int esPort = localPort(config.searchHosts.get(0), "sink.search.hosts");
        for (int port : new int[] {ddbPort, esPort, uiPort}) {
            if (ManagedProcess.portOpen(port)) {
                throw new IllegalStateException(
                        "port "
                                + port
                                + " on 127.0.0.1 is already in use: stop what runs there "
                                + "(an earlier local run?) or change the port in "
                                + confFile);
            }
        }

        say(
                "starting moto (DynamoDB + Streams) on :"
                        + ddbPort
                        + " and Elasticsearch on :"
                        + esPort
                        + " ...");
        LocalServices services = LocalServices.start(ddbPort, esPort);
        say("moto pid " + services.dynamoDb.pid() + ", Elasticsearch pid " + services.search.pid());
        DynamoDbClient ddb = services.dynamoDb.client();
        TodoTables.createSourceTable(
                ddb, config.sourceTableName, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(ddb, config.aggregateTable);

        TaskWorkload workload =
                new TaskWorkload(ddb, config.sourceTableName, lists, System.nanoTime());
        Thread traffic = new Thread(() -> workload.runAtRate(rate), "traffic");
        traffic.setDaemon(true);

        String streamArn = Startup.prepare(config);
        AtomicReference<JobClient> job = new AtomicReference<>();
        AtomicReference<String> releaseSavepoint = new AtomicReference<>();
        Process release = null;
        String releaseTag = System.getProperty("streamsync.local.drill.from", DRILL_FROM);
        if (drill) {
            // leg 1: the previous release's own job (Flink 1.20), built from its tag, in its own
            // JVM
            say(
                    "upgrade drill: building release "
                            + releaseTag
                            + " from its git tag (once, under target/drill) ...");
            String classpath = ReleaseBuild.classpath(releaseTag);
            Path props =
                    Path.of("target/local-run/drill-" + releaseTag + ".properties")
                            .toAbsolutePath();
            java.util.Properties p = new java.util.Properties();
            p.putAll(properties);
            java.nio.file.Files.createDirectories(props.getParent());
            try (java.io.Writer w = java.nio.file.Files.newBufferedWriter(props)) {
                p.store(w, "the local run's job, for the release's leg of the upgrade drill");
            }
            release =
                    new ProcessBuilder(
                                    Path.of(System.getProperty("java.home"), "bin", "java")
                                            .toString(),
                                    "-Xmx1g",
                                    "-Dstreamsync.local.ui.port=" + (uiPort + 1),
                                    "-cp",
                                    classpath,
                                    "io.streamsync.local.DrillJob",
                                    props.toString(),
                                    Path.of("target/local-run/savepoints")
                                            .toAbsolutePath()
                                            .toString(),
                                    Long.toString(seconds / 2))
                            .redirectErrorStream(true)
                            .start();
            Process leg = release;
            Thread echo =
                    new Thread(
                            () -> {
                                try (java.io.BufferedReader r =
                                        new java.io.BufferedReader(
                                                new java.io.InputStreamReader(
                                                        leg.getInputStream(),
                                                        java.nio.charset.StandardCharsets.UTF_8))) {
                                    for (String line = r.readLine();
                                            line != null;
                                            line = r.readLine()) {
                                        if (line.startsWith("SAVEPOINT ")) {
                                            releaseSavepoint.set(
                                                    line.substring("SAVEPOINT ".length()).trim());
                                        } else if (line.contains(" ERROR ")
                                                || line.contains("Exception")) {
                                            System.out.println("[" + releaseTag + "] " + line);
                                        }
                                    }
                                } catch (java.io.IOException e) {
                                    // the process is gone
                                }
                            },
                            "release-output");
            echo.setDaemon(true);
            echo.start();
            say(
                    "upgrade drill: release "
                            + releaseTag
                            + "'s job runs in pid "
                            + release.pid()
                            + " (Flink web UI on :"
                            + (uiPort + 1)
                            + "); it stops with a savepoint after "
                            + seconds / 2
                            + " s");
        } else {
            job.set(startJob(config, streamArn, uiPort, null));
        }
        Process releaseJob = release;

        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    say(
                                            "stopping: traffic, job "
                                                    + (job.get() == null
                                                            ? "(release " + releaseTag + ")"
                                                            : job.get().getJobID())
                                                    + ", moto pid "
                                                    + services.dynamoDb.pid()
                                                    + ", Elasticsearch pid "
                                                    + services.search.pid());
                                    workload.stop();
                                    try {
                                        traffic.join(5_000); // its last call, before moto stops
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                    if (releaseJob != null) {
                                        releaseJob.destroy();
                                    }
                                    try {
                                        if (job.get() != null) {
                                            job.get().cancel().get();
                                        }
                                    } catch (Exception e) {
                                        // the MiniCluster goes down with this JVM anyway
                                    }
                                    try {
                                        services.close();
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                },
                                "local-run-shutdown"));

        traffic.start();
        URI es = services.search.uri();
        say("running. Look at:");
        say("  Flink web UI      http://127.0.0.1:" + uiPort);
        say(
                "  aggregate table   aws dynamodb scan --table-name "
                        + config.aggregateTable
                        + " --endpoint-url "
                        + services.dynamoDb.endpoint()
                        + " --region "
                        + config.awsRegion
                        + "   (credentials: local/local)");
        say("  aggregate docs    curl '" + es + "/" + config.aggregateIndex + "/_search?pretty'");
        if (config.itemIndex != null) {
            say("  item docs         curl '" + es + "/" + config.itemIndex + "/_search?pretty'");
        }
        if (config.windowsIndex != null) {
            say(
                    "  windows history   curl '"
                            + es
                            + "/"
                            + config.windowsIndex
                            + "/_search?pretty&sort=windowStart:desc'");
        }
        say(
                "  dead letters      "
                        + (config.deadLetterPath == null ? "the log" : config.deadLetterPath));
        say("traffic: " + rate + " changes/s over " + lists + " lists. Ctrl-C stops everything.");
        say(
                "repair: echo 'ID=LIST[,LIST...]' (or 'ID=drifted:REPORT') > "
                        + repairFile
                        + " stops the job with a savepoint and starts it again from it with that"
                        + " repair.request");

        SearchHttp search = new SearchHttp(es);
        long start = System.nanoTime();
        boolean upgraded = false;
        while (seconds <= 0 || System.nanoTime() - start < Duration.ofSeconds(seconds).toNanos()) {
            Thread.sleep(10_000);
            long[] agree =
                    GroundTruth.agreeingLists(ddb, config.sourceTableName, config.aggregateTable);
            String status =
                    job.get() != null
                            ? "job " + job.get().getJobStatus().get()
                            : "release "
                                    + releaseTag
                                    + "'s job "
                                    + (releaseJob.isAlive() ? "running" : "stopped");
            say(
                    workload.operations()
                            + " changes written; "
                            + status
                            + "; "
                            + agree[0]
                            + " of "
                            + agree[1]
                            + " lists in the aggregate table equal the source table right now (a list changing "
                            + "all the time lags by up to one "
                            + config.windowSize.toSeconds()
                            + " s window and one "
                            + config.checkpointInterval.toSeconds()
                            + " s checkpoint interval)");
            if (job.get() != null) {
                JobClient repairing =
                        LocalRepair.takeRequest(
                                repairFile,
                                properties,
                                job.get(),
                                (c, savepoint) -> {
                                    // the stopped job's MiniCluster lets its web UI's port go
                                    LocalRepair.awaitFree(uiPort, Duration.ofSeconds(60));
                                    return startJob(c, streamArn, uiPort, savepoint);
                                },
                                LocalRun::say);
                if (repairing != null) {
                    job.set(repairing);
                }
            }
            if (drill && !upgraded && !releaseJob.isAlive()) {
                upgraded = true;
                String savepoint = releaseSavepoint.get();
                if (releaseJob.exitValue() != 0 || savepoint == null) {
                    throw new IllegalStateException(
                            "upgrade drill: release "
                                    + releaseTag
                                    + "'s job ended with exit code "
                                    + releaseJob.exitValue()
                                    + " and no savepoint");
                }
                say(
                        "upgrade drill: release "
                                + releaseTag
                                + " stopped with savepoint "
                                + savepoint
                                + "; "
                                + workload.operations()
                                + " changes written so far; starting this build's job (Flink "
                                + org.apache.flink.runtime.util.EnvironmentInformation.getVersion()
                                + ") from it");
                job.set(startJob(config, streamArn, uiPort, savepoint));
                say(
                        "upgrade drill: job "
                                + job.get().getJobID()
                                + " restored from the release's savepoint");
            }
        }

        workload.stop(); // not an interrupt: that aborts the SDK call in flight with a stack trace
        traffic.join(10_000);
        say(
                "traffic stopped after "
                        + workload.operations()
                        + " changes; waiting for the outputs to catch up ...");
        long deadline =
                System.nanoTime() + Duration.ofSeconds(60).toNanos() + config.windowSize.toNanos();
        String problem = check(ddb, config, search, services, streamArn);
        while (problem != null && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            problem = check(ddb, config, search, services, streamArn);
        }
        say(
                problem == null
                        ? "OK: aggregate table, aggregate documents and item index equal a scan of "
                                + config.sourceTableName
                                + (config.windowsIndex == null
                                        ? ""
                                        : "; the windows history equals a bare read of its stream")
                        : "MISMATCH: " + problem);
        System.exit(problem == null ? 0 : 1);
    }

    static JobClient startJob(JobConfig config, String streamArn, int uiPort, String savepoint)
            throws Exception {
        Configuration flinkConf = flinkConfiguration(uiPort);
        if (savepoint != null) {
            flinkConf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flinkConf);
        StreamSyncPipeline.configureEnvironment(env, config);
        StreamSyncPipeline.define(
                env,
                config,
                RecordSources.fromConfig(config, streamArn),
                PipelineSinks.fromConfig(config));
        return env.executeAsync(config.jobName);
    }

    /**
     * The local MiniCluster's own configuration: the web UI on {@code uiPort}, and everything it
     * listens on (REST, blob server, RPC, the TaskManager's data port) bound to 127.0.0.1
     * (LocalRunSocketsITCase checks it).
     */
    static Configuration flinkConfiguration(int uiPort) {
        Configuration flinkConf = new Configuration();
        flinkConf.set(RestOptions.PORT, uiPort);
        flinkConf.set(RestOptions.ADDRESS, "127.0.0.1");
        flinkConf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flinkConf.set(JobManagerOptions.ADDRESS, "127.0.0.1");
        flinkConf.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
        flinkConf.set(TaskManagerOptions.HOST, "127.0.0.1");
        flinkConf.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
        return flinkConf;
    }

    private static String check(
            DynamoDbClient ddb,
            JobConfig c,
            SearchHttp search,
            LocalServices services,
            String streamArn) {
        try {
            String problem =
                    GroundTruth.check(
                            ddb,
                            c.sourceTableName,
                            c.aggregateTable,
                            search,
                            c.aggregateIndex,
                            c.itemIndex);
            if (problem != null
                    || c.windowsIndex == null
                    || c.filterPatterns != null
                    || c.isKinesis()) {
                return problem;
            }
            problem =
                    io.streamsync.testing.WindowTruth.compare(
                            io.streamsync.testing.WindowTruth.windows(
                                    io.streamsync.testing.WindowTruth.read(
                                            services.dynamoDb.streamsClient(),
                                            streamArn,
                                            c.keySchema.partitionKey()),
                                    c.windowSize.toMillis()),
                            io.streamsync.testing.WindowTruth.fromIndex(
                                    search, c.windowsIndex, c.keySchema.partitionKey()));
            return problem == null ? null : "windows history: " + problem;
        } catch (Exception e) {
            return "check failed: " + e.getMessage();
        }
    }

    private static int localPort(URI uri, String key) {
        if (uri == null
                || !(uri.getHost().equals("127.0.0.1") || uri.getHost().equals("localhost"))
                || uri.getPort() <= 0) {
            throw new IllegalStateException(
                    "the local run starts its own services: '"
                            + key
                            + "' must be http://127.0.0.1:PORT, was "
                            + uri);
        }
        return uri.getPort();
    }

    static void say(String line) {
        System.out.println(
                "[streamsync " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "] " + line);
    }
}

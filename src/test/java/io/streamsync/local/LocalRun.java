package io.streamsync.local;

import io.streamsync.config.ConfigLoader;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.pipeline.Startup;
import io.streamsync.source.RecordSources;
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
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The local run behind {@code mvn -Plocal}: starts moto (DynamoDB and DynamoDB Streams) and an Elasticsearch node on the ports
 * of the config file, creates the example tables, writes random task traffic, runs the job on a local
 * MiniCluster with the Flink web UI, and every 10 s prints whether the outputs equal a scan of the source
 * table. Ctrl-C stops the traffic, the job and both services (child processes, by PID).
 *
 * <p>System properties: {@code streamsync.local.rate} (operations/s, default 20), {@code
 * streamsync.local.lists} (default 30), {@code streamsync.local.ui.port} (default 8081), {@code
 * streamsync.local.seconds} (stop after that long, then wait for the outputs to catch up and exit 0 only if
 * they are exact: a smoke test), {@code streamsync.local.drill} (the upgrade drill: halfway through, stop
 * the job with a savepoint while the traffic goes on, start the job again from that savepoint, and check at
 * the end as above).
 */
public final class LocalRun {
    private LocalRun() {}

    public static void main(String[] args) throws Exception {
        Path confFile = Path.of(args.length > 0 ? args[0] : "conf/local.properties");
        Map<String, String> properties = ConfigLoader.fromFile(confFile);
        // the MiniCluster would keep checkpoints in memory (5 MB at most): give it a directory
        properties.putIfAbsent("checkpoint.dir", Path.of("target/local-run/checkpoints").toAbsolutePath().toUri().toString());
        JobConfig config = JobConfig.from(properties);
        double rate = Double.parseDouble(System.getProperty("streamsync.local.rate", "20"));
        int lists = Integer.getInteger("streamsync.local.lists", 30);
        int uiPort = Integer.getInteger("streamsync.local.ui.port", 8081);
        boolean drill = Boolean.getBoolean("streamsync.local.drill");
        long seconds = Long.getLong("streamsync.local.seconds", 0L);
        if (drill && seconds <= 0) {
            seconds = 60;
        }

        int ddbPort = localPort(config.awsEndpoint, "aws.endpoint");
        int esPort = localPort(config.searchHosts.get(0), "sink.search.hosts");
        for (int port : new int[] {ddbPort, esPort, uiPort}) {
            if (ManagedProcess.portOpen(port)) {
                throw new IllegalStateException("port " + port + " on 127.0.0.1 is already in use: stop what runs there "
                        + "(an earlier local run?) or change the port in " + confFile);
            }
        }

        say("starting moto (DynamoDB + Streams) on :" + ddbPort + " and Elasticsearch on :" + esPort + " ...");
        LocalServices services = LocalServices.start(ddbPort, esPort);
        say("moto pid " + services.dynamoDb.pid() + ", Elasticsearch pid " + services.search.pid());
        DynamoDbClient ddb = services.dynamoDb.client();
        TodoTables.createSourceTable(ddb, config.sourceTableName, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(ddb, config.aggregateTable);

        TaskWorkload workload = new TaskWorkload(ddb, config.sourceTableName, lists, System.nanoTime());
        Thread traffic = new Thread(() -> workload.runAtRate(rate), "traffic");
        traffic.setDaemon(true);

        String streamArn = Startup.prepare(config);
        AtomicReference<JobClient> job = new AtomicReference<>(startJob(config, streamArn, uiPort, null));

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            say("stopping: traffic, job " + job.get().getJobID() + ", moto pid " + services.dynamoDb.pid()
                    + ", Elasticsearch pid " + services.search.pid());
            traffic.interrupt();
            try {
                job.get().cancel().get();
            } catch (Exception e) {
                // the MiniCluster goes down with this JVM anyway
            }
            try {
                services.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "local-run-shutdown"));

        traffic.start();
        URI es = services.search.uri();
        say("running. Look at:");
        say("  Flink web UI      http://127.0.0.1:" + uiPort);
        say("  aggregate table   aws dynamodb scan --table-name " + config.aggregateTable + " --endpoint-url "
                + services.dynamoDb.endpoint() + " --region " + config.awsRegion + "   (credentials: local/local)");
        say("  aggregate docs    curl '" + es + "/" + config.aggregateIndex + "/_search?pretty'");
        if (config.itemIndex != null) {
            say("  item docs         curl '" + es + "/" + config.itemIndex + "/_search?pretty'");
        }
        if (config.windowsIndex != null) {
            say("  windows history   curl '" + es + "/" + config.windowsIndex + "/_search?pretty&sort=windowStart:desc'");
        }
        say("  dead letters      " + (config.deadLetterPath == null ? "the log" : config.deadLetterPath));
        say("traffic: " + rate + " changes/s over " + lists + " lists. Ctrl-C stops everything.");

        SearchHttp search = new SearchHttp(es);
        long start = System.nanoTime();
        boolean upgraded = false;
        while (seconds <= 0 || System.nanoTime() - start < Duration.ofSeconds(seconds).toNanos()) {
            Thread.sleep(10_000);
            long[] agree = GroundTruth.agreeingLists(ddb, config.sourceTableName, config.aggregateTable);
            say(workload.operations() + " changes written; job " + job.get().getJobStatus().get() + "; " + agree[0] + " of "
                    + agree[1] + " lists in the aggregate table equal the source table right now (a list changing "
                    + "all the time lags by up to one " + config.windowSize.toSeconds() + " s window and one "
                    + config.checkpointInterval.toSeconds() + " s checkpoint interval)");
            if (drill && !upgraded && System.nanoTime() - start > Duration.ofSeconds(seconds / 2).toNanos()) {
                upgraded = true;
                say("upgrade drill: stopping the job with a savepoint while the traffic goes on ...");
                String savepoint = job.get().stopWithSavepoint(false,
                        Path.of("target/local-run/savepoints").toAbsolutePath().toUri().toString(),
                        SavepointFormatType.CANONICAL).get();
                say("upgrade drill: savepoint " + savepoint + "; " + workload.operations()
                        + " changes written so far; starting the job from it in 5 s");
                Thread.sleep(5000);
                job.set(startJob(config, streamArn, uiPort, savepoint));
                say("upgrade drill: job " + job.get().getJobID() + " restored from the savepoint");
            }
        }

        traffic.interrupt();
        traffic.join(10_000);
        say("traffic stopped after " + workload.operations() + " changes; waiting for the outputs to catch up ...");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos() + config.windowSize.toNanos();
        String problem = check(ddb, config, search, services, streamArn);
        while (problem != null && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            problem = check(ddb, config, search, services, streamArn);
        }
        say(problem == null ? "OK: aggregate table, aggregate documents and item index equal a scan of "
                + config.sourceTableName + (config.windowsIndex == null ? "" : "; the windows history equals a bare read of its stream")
                : "MISMATCH: " + problem);
        System.exit(problem == null ? 0 : 1);
    }

    static JobClient startJob(JobConfig config, String streamArn, int uiPort, String savepoint) throws Exception {
        Configuration flinkConf = new Configuration();
        flinkConf.set(RestOptions.PORT, uiPort);
        flinkConf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        if (savepoint != null) {
            flinkConf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flinkConf);
        StreamSyncPipeline.configureEnvironment(env, config);
        StreamSyncPipeline.define(env, config, RecordSources.fromConfig(config, streamArn), PipelineSinks.fromConfig(config));
        return env.executeAsync(config.jobName);
    }

    private static String check(DynamoDbClient ddb, JobConfig c, SearchHttp search, LocalServices services, String streamArn) {
        try {
            String problem = GroundTruth.check(ddb, c.sourceTableName, c.aggregateTable, search, c.aggregateIndex, c.itemIndex);
            if (problem != null || c.windowsIndex == null || c.eventFilter != null || c.isKinesis()) {
                return problem;
            }
            problem = io.streamsync.testing.WindowTruth.compare(
                    io.streamsync.testing.WindowTruth.windows(io.streamsync.testing.WindowTruth.read(
                            services.dynamoDb.streamsClient(), streamArn, c.keySchema.partitionKey()), c.windowSize.toMillis()),
                    io.streamsync.testing.WindowTruth.fromIndex(search, c.windowsIndex, c.keySchema.partitionKey()));
            return problem == null ? null : "windows history: " + problem;
        } catch (Exception e) {
            return "check failed: " + e.getMessage();
        }
    }

    private static int localPort(URI uri, String key) {
        if (uri == null || !(uri.getHost().equals("127.0.0.1") || uri.getHost().equals("localhost")) || uri.getPort() <= 0) {
            throw new IllegalStateException("the local run starts its own services: '" + key
                    + "' must be http://127.0.0.1:PORT, was " + uri);
        }
        return uri.getPort();
    }

    private static void say(String line) {
        System.out.println("[streamsync " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "] " + line);
    }
}

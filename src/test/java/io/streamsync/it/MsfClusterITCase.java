package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.testing.FlinkProcessCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.Moto;
import io.streamsync.testing.Poll;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.SearchNode;
import io.streamsync.testing.StreamHistory;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import io.streamsync.testing.VisibilityAuditor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The job's shaded jar (what deploy/scripts/build-and-upload.sh uploads) on a cluster run as
 * Managed Service for Apache Flink runs it ({@link FlinkProcessCluster}): separate JobManager and
 * TaskManager JVMs whose classpath is Flink's lib/ alone; the jar run through the REST API, so that
 * its main runs in Flink's client context environment with {@code
 * execution.program-config.enabled=false} and MSF's allowed keys as the only exceptions;
 * checkpointing from the cluster's configuration with the template's CheckpointConfiguration (10 s
 * interval, 5 s least pause), exponential-delay restarts, RocksDB with incremental checkpoints,
 * checkpoints and savepoints in S3 (moto's, through the flink-s3-fs-hadoop plugin); the application
 * properties in the JSON file the MSF runtime library reads ({@code
 * /etc/flink/application_properties.json}), one property group per key prefix as the template
 * writes them.
 *
 * <p>One job's life, in order: it starts and its outputs equal the table; dead letters land in S3
 * and read back; stop-with-savepoint to S3 (StopApplication's snapshot) and a start from it, exact
 * and without a regression a reader could see; a TaskManager killed with SIGKILL; then the
 * savepoint of the Flink 2.2 job restored by the same jar on a Flink 2.3 cluster (MSF's in-place
 * upgrade from FLINK-2_2 to FLINK-2_3).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MsfClusterITCase {
    /**
     * Where the MSF runtime library (aws-kinesisanalytics-runtime 1.2.0, its config.properties)
     * reads the properties.
     */
    static final Path APPLICATION_PROPERTIES = Path.of("/etc/flink/application_properties.json");

    static final String BUCKET = "streamsync-msf";
    static final String SOURCE = "msfTasks";
    static final String COUNTS = "msfCounts";
    static final String AGGREGATE_INDEX = "msf-counts";
    static final String ITEM_INDEX = "msf-tasks";
    static final Duration EXACT = Duration.ofSeconds(120);

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static Moto moto;
    static SearchNode search;
    static DynamoDbClient ddb;
    static String streamArn;
    static FlinkProcessCluster cluster;
    static String jarId;
    static Path work;
    static boolean createdEtcFlink;
    static TaskWorkload workload;
    static VisibilityAuditor auditor;
    static String jobId;
    static String lastSavepoint;

    @BeforeAll
    static void startServicesAndCluster() throws Exception {
        if (Files.exists(APPLICATION_PROPERTIES)) {
            throw new IllegalStateException(
                    APPLICATION_PROPERTIES + " exists already: not this test's; remove it first");
        }
        createdEtcFlink = !Files.isDirectory(APPLICATION_PROPERTIES.getParent());
        Files.createDirectories(APPLICATION_PROPERTIES.getParent());
        // a test JVM that dies before @AfterAll (out of memory, killed by failsafe) must not leave
        // the file behind
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        Files.deleteIfExists(APPLICATION_PROPERTIES);
                                        if (createdEtcFlink) {
                                            Files.deleteIfExists(
                                                    APPLICATION_PROPERTIES.getParent());
                                        }
                                    } catch (java.io.IOException e) {
                                        // nothing more to do on the way out
                                    }
                                },
                                "msf-application-properties-cleanup"));
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "msf-cluster-");
        moto = Moto.start();
        search = SearchNode.start();
        ddb = moto.client();
        streamArn = TodoTables.createSourceTable(ddb, SOURCE, StreamViewType.NEW_AND_OLD_IMAGES);
        TodoTables.createAggregateTable(ddb, COUNTS);
        s3("PUT", "/" + BUCKET, 200);
        writeApplicationProperties(jobProperties());
        cluster = startCluster(System.getProperty("streamsync.flink.version", "2.2.1"));
        jarId = cluster.uploadJar(jobJar());
        workload = new TaskWorkload(ddb, SOURCE, 12, 26L);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        closeAuditor();
        if (cluster != null) {
            cluster.close();
        }
        if (search != null) {
            search.close();
        }
        if (moto != null) {
            moto.close();
        }
        Files.deleteIfExists(APPLICATION_PROPERTIES);
        if (createdEtcFlink) {
            Files.deleteIfExists(APPLICATION_PROPERTIES.getParent());
        }
    }

    static Path jobJar() {
        Path jar = Path.of(System.getProperty("streamsync.job.jar", "target/streamsync.jar"));
        assertThat(jar)
                .as("the shaded job jar (mvn package builds it before the integration tests)")
                .isRegularFile();
        return jar;
    }

    /** The cluster as Managed Service for Apache Flink configures it, on Flink {@code version}. */
    static FlinkProcessCluster startCluster(String version) throws Exception {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("execution.program-config.enabled", "false");
        conf.put(
                "execution.program-config.wildcards",
                String.join(";", FlinkProcessCluster.MSF_ALLOWED_KEYS));
        // the template's CheckpointConfiguration (CUSTOM: CheckpointIntervalMs default,
        // MinPauseBetweenCheckpoints)
        conf.put("execution.checkpointing.interval", "10 s");
        conf.put("execution.checkpointing.min-pause", "5 s");
        conf.put("execution.checkpointing.mode", "EXACTLY_ONCE");
        conf.put("restart-strategy.type", "exponential-delay");
        conf.put("state.backend.type", "rocksdb");
        conf.put("execution.checkpointing.incremental", "true");
        conf.put("execution.checkpointing.dir", "s3://" + BUCKET + "/checkpoints");
        conf.put("execution.checkpointing.savepoint-dir", "s3://" + BUCKET + "/savepoints");
        conf.put("s3.endpoint", moto.endpoint().toString());
        conf.put("s3.endpoint.region", Moto.REGION);
        conf.put("s3.path.style.access", "true");
        conf.put("s3.connection.ssl.enabled", "false");
        conf.put("s3.access-key", Moto.ACCESS_KEY);
        conf.put("s3.secret-key", Moto.SECRET_KEY);
        // a lost TaskManager is noticed in seconds (the JobManager's heartbeats to it fail)
        conf.put("heartbeat.interval", "2000");
        conf.put("heartbeat.timeout", "20000");
        // the job's AWS clients take credentials as on MSF: from the environment's provider chain
        // (there: the role)
        Map<String, String> env =
                Map.of(
                        "AWS_ACCESS_KEY_ID",
                        Moto.ACCESS_KEY,
                        "AWS_SECRET_ACCESS_KEY",
                        Moto.SECRET_KEY,
                        "AWS_REGION",
                        Moto.REGION,
                        "AWS_EC2_METADATA_DISABLED",
                        "true");
        return FlinkProcessCluster.start(
                version, work.resolve("flink-" + version), conf, env, List.of());
    }

    /**
     * The job's keys as a deployment sets them: no checkpoint, restart, state or parallelism keys,
     * no static keys.
     */
    static Map<String, String> jobProperties() {
        Map<String, String> p = new TreeMap<>();
        p.put("job.name", "streamsync-msf");
        p.put("aws.region", Moto.REGION);
        p.put("aws.endpoint", moto.endpoint().toString());
        p.put("aws.credentials.provider", "AUTO");
        p.put("source.table.name", SOURCE);
        p.put("source.poll.interval.ms", "100");
        p.put("source.shard.discovery.interval.ms", "1000");
        p.put("source.max.record.bytes", "2048");
        p.put("aggregate.window.ms", "1000");
        p.put("sink.dynamodb.table", COUNTS);
        p.put("sink.search.hosts", search.uri().toString());
        p.put("sink.search.aggregate.index", AGGREGATE_INDEX);
        p.put("sink.search.item.index", ITEM_INDEX);
        p.put("sink.search.windows.index", "none");
        p.put("deadletter.path", "s3://" + BUCKET + "/dead-letters");
        return p;
    }

    /**
     * The JSON file of the MSF runtime library: one property group per key prefix (group "source":
     * "table.name").
     */
    static void writeApplicationProperties(Map<String, String> properties) throws Exception {
        Map<String, ObjectNode> groups = new TreeMap<>();
        for (Map.Entry<String, String> e : properties.entrySet()) {
            int dot = e.getKey().indexOf('.');
            groups.computeIfAbsent(e.getKey().substring(0, dot), g -> JSON.createObjectNode())
                    .put(e.getKey().substring(dot + 1), e.getValue());
        }
        ArrayNode file = JSON.createArrayNode();
        groups.forEach(
                (id, map) -> file.addObject().put("PropertyGroupId", id).set("PropertyMap", map));
        Files.writeString(
                APPLICATION_PROPERTIES,
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(file));
    }

    @Test
    @Order(1)
    void theClusterRunsMsfsConfigurationGuard() throws Exception {
        Map<String, String> jm = cluster.jobManagerConfig();
        assertThat(jm)
                .containsEntry("execution.program-config.enabled", "false")
                .containsEntry("state.backend.type", "rocksdb")
                .containsEntry("restart-strategy.type", "exponential-delay");
        // the guard is live: the same jar with a properties file (a self-managed run) sets
        // checkpointing in code, refused
        Path file = work.resolve("self-managed.properties");
        StringBuilder text = new StringBuilder();
        jobProperties().forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        text.append("checkpoint.interval.ms=3000\n");
        Files.writeString(file, text.toString());
        FlinkProcessCluster.RunResult refused =
                cluster.runJar(jarId, List.of("--config", file.toString()), null);
        assertThat(refused.jobId).as("a job whose code sets checkpointing").isNull();
        assertThat(refused.error)
                .contains("Not allowed configuration change(s) were detected")
                .contains("execution.checkpointing.interval");
    }

    @Test
    @Order(2)
    void aPropertyThatMsfRefusesIsAStartUpErrorNamingWhereToSetIt() throws Exception {
        Map<String, String> p = jobProperties();
        p.put("checkpoint.interval.ms", "60000");
        p.put("aws.credentials.provider", "BASIC");
        writeApplicationProperties(p);
        try {
            FlinkProcessCluster.RunResult r = cluster.runJar(jarId, List.of(), null);
            assertThat(r.jobId).isNull();
            assertThat(r.error)
                    .contains("checkpoint.interval.ms")
                    .contains("CheckpointConfiguration")
                    .contains("aws.credentials.provider");
        } finally {
            writeApplicationProperties(jobProperties());
        }
    }

    @Test
    @Order(3)
    void theJarStartsAndItsOutputsEqualTheTable() throws Exception {
        FlinkProcessCluster.RunResult r = cluster.runJar(jarId, List.of(), null);
        assertThat(r.error).as("jar run").isNull();
        jobId = r.jobId;
        cluster.awaitAllTasksRunning(jobId, Duration.ofSeconds(120));
        workload.preload(200);
        workload.run(200);
        awaitExact();
    }

    @Test
    @Order(4)
    void deadLettersLandInS3AndReadBack() throws Exception {
        assertThat(jobId).as("the job the earlier steps started").isNotNull();
        // an item whose change records are larger than source.max.record.bytes: its insert and its
        // removal are
        // dead letters (the job counts neither, so the counts stay equal to the table)
        Map<String, AttributeValue> item =
                Map.of(
                        "listId",
                        AttributeValue.fromS("list-dead-letters"),
                        "taskId",
                        AttributeValue.fromS("too-large"),
                        "note",
                        AttributeValue.fromS("x".repeat(4000)));
        ddb.putItem(b -> b.tableName(SOURCE).item(item));
        ddb.deleteItem(
                b ->
                        b.tableName(SOURCE)
                                .key(
                                        Map.of(
                                                "listId",
                                                item.get("listId"),
                                                "taskId",
                                                item.get("taskId"))));
        List<String> lines = new ArrayList<>();
        Poll.until(
                EXACT,
                () -> {
                    lines.clear();
                    for (String key : s3Keys("dead-letters/")) {
                        for (String line : s3("GET", "/" + BUCKET + "/" + key, 200).split("\n")) {
                            if (line.contains("too-large")) {
                                lines.add(line);
                            }
                        }
                    }
                    return lines.size() >= 2
                            ? null
                            : lines.size()
                                    + " dead letters of the item in s3://"
                                    + BUCKET
                                    + "/dead-letters";
                });
        assertThat(lines)
                .hasSize(2)
                .allSatisfy(l -> assertThat(JSON.readTree(l).path("reason").asText()).isNotEmpty());
        awaitExact();
    }

    @Test
    @Order(5)
    void aSnapshotOnStopToS3IsRestoredExactlyWithNoRegressionSeenByAReader() throws Exception {
        assertThat(jobId).as("the job the earlier steps started").isNotNull();
        startAuditor();
        Thread traffic = traffic();
        Poll.until(
                Duration.ofSeconds(60),
                () -> cluster.completedCheckpoints(jobId) >= 2 ? null : "checkpoints");
        String savepoint = cluster.stopWithSavepoint(jobId, Duration.ofSeconds(120));
        assertThat(savepoint).startsWith("s3://" + BUCKET + "/savepoints/");
        assertThat(s3Keys(savepoint.substring(("s3://" + BUCKET + "/").length()) + "/"))
                .contains(savepoint.substring(("s3://" + BUCKET + "/").length()) + "/_metadata");
        FlinkProcessCluster.RunResult r = cluster.runJar(jarId, List.of(), savepoint);
        assertThat(r.error).as("jar run from the savepoint").isNull();
        jobId = r.jobId;
        cluster.awaitAllTasksRunning(jobId, Duration.ofSeconds(120));
        stop(traffic);
        awaitExact();
        assertThat(closeAuditor().problems(StreamHistory.read(moto.streamsClient(), streamArn)))
                .isEmpty();
    }

    @Test
    @Order(6)
    void aTaskManagerKilledWithSigkillIsReplacedAndTheOutputsStayExact() throws Exception {
        assertThat(jobId).as("the job the earlier steps started").isNotNull();
        startAuditor();
        Thread traffic = traffic();
        long before = cluster.completedCheckpoints(jobId);
        Poll.until(
                Duration.ofSeconds(60),
                () -> cluster.completedCheckpoints(jobId) > before ? null : "a checkpoint");
        long pid = cluster.killTaskManager();
        assertThat(ProcessHandle.of(pid)).as("TaskManager pid %d", pid).isEmpty();
        cluster.startTaskManager(); // the service replaces a lost host
        Poll.until(
                Duration.ofSeconds(120),
                () -> {
                    // the job has restarted on the new TaskManager: the restart counter of the job
                    // moved
                    return cluster.get("/jobs/" + jobId + "/exceptions")
                                            .path("exceptionHistory")
                                            .path("entries")
                                            .size()
                                    > 0
                            ? null
                            : "no failover recorded yet";
                });
        cluster.awaitAllTasksRunning(jobId, Duration.ofSeconds(180));
        stop(traffic);
        awaitExact();
        assertThat(closeAuditor().problems(StreamHistory.read(moto.streamsClient(), streamArn)))
                .isEmpty();
        // the last state of the 2.2 job, for the upgrade
        lastSavepoint = cluster.stopWithSavepoint(jobId, Duration.ofSeconds(120));
    }

    @Test
    @Order(7)
    void theSameJarRestoresTheFlink22SavepointOnFlink23() throws Exception {
        assertThat(lastSavepoint).as("the Flink 2.2 job's last savepoint").isNotNull();
        startAuditor();
        cluster.close();
        cluster = startCluster("2.3.0");
        jarId = cluster.uploadJar(jobJar());
        Thread traffic = traffic();
        FlinkProcessCluster.RunResult r = cluster.runJar(jarId, List.of(), lastSavepoint);
        assertThat(r.error).as("jar run on Flink 2.3.0 from the 2.2 savepoint").isNull();
        jobId = r.jobId;
        cluster.awaitAllTasksRunning(jobId, Duration.ofSeconds(120));
        Poll.until(
                Duration.ofSeconds(60),
                () -> cluster.completedCheckpoints(jobId) >= 1 ? null : "a checkpoint on 2.3");
        stop(traffic);
        awaitExact();
        assertThat(closeAuditor().problems(StreamHistory.read(moto.streamsClient(), streamArn)))
                .isEmpty();
        cluster.cancel(jobId);
    }

    /**
     * A reader polling the outputs for one step (it keeps every observation: one per step bounds
     * its memory).
     */
    static void startAuditor() {
        auditor =
                new VisibilityAuditor(
                        ddb, COUNTS, new SearchHttp(search.uri()), AGGREGATE_INDEX, ITEM_INDEX);
    }

    static VisibilityAuditor closeAuditor() throws InterruptedException {
        VisibilityAuditor a = auditor;
        auditor = null;
        if (a != null) {
            a.close();
        }
        return a;
    }

    static Thread traffic() {
        Thread t = new Thread(() -> workload.runAtRate(40), "msf-traffic");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void stop(Thread traffic) throws InterruptedException {
        traffic.interrupt();
        traffic.join(10_000);
    }

    static void awaitExact() throws Exception {
        SearchHttp http = new SearchHttp(search.uri());
        Poll.until(
                EXACT,
                () -> {
                    String state = cluster.jobState(jobId);
                    if (!"RUNNING".equals(state)) {
                        return "job " + state + "; logs in " + cluster.logDir();
                    }
                    try {
                        return GroundTruth.check(
                                ddb, SOURCE, COUNTS, http, AGGREGATE_INDEX, ITEM_INDEX);
                    } catch (software.amazon.awssdk.core.exception.SdkException e) {
                        return "reading the table failed, again: "
                                + e.getMessage(); // moto, busy on one core, garbled an answer
                    }
                });
    }

    /** The keys under {@code prefix} in the bucket (moto's S3, path-style, ListObjectsV2). */
    static List<String> s3Keys(String prefix) throws Exception {
        String xml = s3("GET", "/" + BUCKET + "?list-type=2&max-keys=1000&prefix=" + prefix, 200);
        List<String> keys = new ArrayList<>();
        Matcher m = Pattern.compile("<Key>([^<]+)</Key>").matcher(xml);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    static String s3(String method, String path, int expected) throws Exception {
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(moto.endpoint() + path))
                                .method(method, HttpRequest.BodyPublishers.noBody())
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expected) {
            throw new IllegalStateException(
                    method + " " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }
}

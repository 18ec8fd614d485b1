package io.streamsync.upgrade;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.sink.search.IndexSetup;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.LocalServices;
import io.streamsync.testing.Poll;
import io.streamsync.testing.TodoTables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Produces the golden savepoint of the current release ({@code mvn -Pgolden-savepoint}): runs the
 * job on the first half of {@link SavepointFixture} against moto and Elasticsearch, waits until the
 * aggregate table holds the fixture's counts, stops the job with a canonical savepoint and copies
 * it to {@code src/test/resources/savepoints/<version>/}. Commit that folder with each release.
 */
public final class GoldenSavepoint {
    static final String SOURCE = "goldenTasks";
    static final String COUNTS = "goldenCounts";

    private GoldenSavepoint() {}

    /**
     * The job's config for the golden savepoints: the same in the generator and in the tests that
     * restore them.
     */
    public static JobConfig config(
            LocalServices services, Path deadLetters, Map<String, String> extra) {
        Map<String, String> p = services.jobProperties();
        p.put("source.table.name", SOURCE);
        p.put("sink.dynamodb.table", COUNTS);
        p.put("sink.search.aggregate.index", "golden-counts");
        p.put("sink.search.item.index", "golden-tasks");
        p.put("aggregate.window.ms", "1000");
        p.put("checkpoint.interval.ms", "1000");
        p.put("job.parallelism", "2");
        p.put("deadletter.path", deadLetters.toUri().toString());
        p.putAll(extra);
        return JobConfig.from(p);
    }

    public static void prepare(LocalServices services, JobConfig c) {
        try (DynamoDbClient ddb = services.dynamoDb.client()) {
            TodoTables.createAggregateTable(ddb, c.aggregateTable);
        }
        if (c.searchSinkEnabled) {
            IndexSetup.ensureIndices(c);
        }
    }

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        SavepointFixture fixture = new SavepointFixture();
        Path work = Files.createTempDirectory("golden-savepoint");
        try (LocalServices services = LocalServices.start();
                DynamoDbClient ddb = services.dynamoDb.client()) {
            JobConfig c = config(services, work.resolve("dead-letters"), Map.of());
            prepare(services, c);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            StreamSyncPipeline.configureEnvironment(env, c);
            StreamSyncPipeline.define(
                    env, c, new FixtureSource(fixture.before), PipelineSinks.fromConfig(c));
            JobClient job = env.executeAsync("golden-savepoint");
            Poll.until(
                    Duration.ofSeconds(120),
                    () ->
                            GroundTruth.compareCounts(
                                    "aggregate table",
                                    fixture.countsBefore,
                                    TodoTables.aggregateCounts(ddb, COUNTS)));
            String savepoint =
                    job.stopWithSavepoint(
                                    false,
                                    work.resolve("savepoints").toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get();
            copy(Path.of(java.net.URI.create(savepoint)), target);
            System.out.println(
                    "golden savepoint written to " + target.toAbsolutePath() + ": " + list(target));
        }
        System.exit(0);
    }

    static void copy(Path from, Path to) throws IOException {
        if (Files.exists(to)) {
            try (Stream<Path> old = Files.walk(to)) {
                for (Path p : old.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.collect(Collectors.toList())) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName() + " (" + f.toFile().length() + " bytes)")
                    .collect(Collectors.toList());
        }
    }
}

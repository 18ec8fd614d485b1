package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.Kinesalite;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import io.streamsync.testing.WindowTruth;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * Rescaling from savepoints, 2 -> 4 -> 1 source subtasks, on a 3-shard kinesalite stream that is
 * split while the first job is stopped and merged while the second is: every restore redistributes
 * the readers' shards (their positions, and finished shards not yet confirmed) over the new
 * subtasks, and the enumerator's lineage goes on where it was. After each restore and more traffic,
 * the outputs equal a scan of the table; at the end, the windows history equals a bare read of the
 * Kinesis stream (duplicates included: every tenth record is written twice, through another shard).
 */
class RescaleITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.withSlots(4);

    @RegisterExtension static final LocalServicesExtension SERVICES = new LocalServicesExtension();

    private static Kinesalite kinesalite;

    @BeforeAll
    static void startKinesalite() throws Exception {
        kinesalite = Kinesalite.start();
    }

    @AfterAll
    static void stopKinesalite() throws Exception {
        if (kinesalite != null) {
            kinesalite.close();
        }
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void countsStayExactAcrossRestoresAtParallelism2Then4Then1(@TempDir Path dir) throws Exception {
        String stream = "rescale-changes";
        Map<String, String> props =
                SERVICES.services().testJobProperties("rescale", dir.resolve("dead-letters"));
        props.put("source.type", "kinesis");
        props.put("source.kinesis.stream", stream);
        props.put("source.kinesis.endpoint", kinesalite.endpoint().toString());
        TodoTables.createSourceTableWithoutStream(SERVICES.ddb(), "rescaleTasks");
        TodoTables.createAggregateTable(SERVICES.ddb(), "rescaleCounts");
        try (KinesisClient kinesis = kinesalite.client()) {
            kinesis.createStream(b -> b.streamName(stream).shardCount(3));
            awaitActive(kinesis, stream);
            KinesisSourceITCase.KinesisDestination destination =
                    new KinesisSourceITCase.KinesisDestination(kinesis, stream, "rescaleTasks");
            TaskWorkload workload =
                    new TaskWorkload(SERVICES.ddb(), "rescaleTasks", 20, 9L)
                            .onChange(destination::changed);

            JobClient job = start(props, 2, null);
            write(workload, destination, 600);
            converge();
            String sp1 = stop(job, dir.resolve("sp1"));

            Shard first = shards(kinesis, stream).get(0);
            BigInteger low = new BigInteger(first.hashKeyRange().startingHashKey());
            BigInteger high = new BigInteger(first.hashKeyRange().endingHashKey());
            kinesis.splitShard(
                    b ->
                            b.streamName(stream)
                                    .shardToSplit(first.shardId())
                                    .newStartingHashKey(low.add(high).shiftRight(1).toString()));
            awaitActive(kinesis, stream);
            write(workload, destination, 400); // while no job runs: into the split's children

            job = start(props, 4, sp1);
            write(workload, destination, 400);
            converge();
            String sp2 = stop(job, dir.resolve("sp2"));

            List<String> children =
                    shards(kinesis, stream).stream()
                            .filter(s -> first.shardId().equals(s.parentShardId()))
                            .map(Shard::shardId)
                            .collect(java.util.stream.Collectors.toList());
            kinesis.mergeShards(
                    b ->
                            b.streamName(stream)
                                    .shardToMerge(children.get(0))
                                    .adjacentShardToMerge(children.get(1)));
            awaitActive(kinesis, stream);
            write(workload, destination, 300);

            job = start(props, 1, sp2);
            try {
                write(workload, destination, 300);
                converge();
                assertThat(shards(kinesis, stream)).hasSize(6);
                // the windows history, through both rescales, equals a bare read of the Kinesis
                // stream
                List<WindowTruth.Change> changes = readAll(kinesis, stream);
                assertThat(changes.size())
                        .as("records, duplicates included")
                        .isEqualTo(destination.records + destination.duplicates);
                Map<String, long[]> truth = WindowTruth.windows(changes, 1000);
                Poll.until(
                        Duration.ofSeconds(60),
                        () ->
                                WindowTruth.compare(
                                        truth,
                                        WindowTruth.fromIndex(
                                                SERVICES.search(), "rescale-windows", "listId")));
                assertThat(FaultToleranceITCase.lines(dir, "dead-letters"))
                        .as("no change was late")
                        .isEmpty();
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }

    private static void write(
            TaskWorkload workload,
            KinesisSourceITCase.KinesisDestination destination,
            int changes) {
        workload.run(changes);
        destination.flush();
    }

    private static void converge() throws Exception {
        Poll.until(
                Duration.ofSeconds(150),
                () ->
                        GroundTruth.check(
                                SERVICES.ddb(),
                                "rescaleTasks",
                                "rescaleCounts",
                                SERVICES.search(),
                                "rescale-counts",
                                "rescale-tasks"));
    }

    private static String stop(JobClient job, Path where) throws Exception {
        return job.stopWithSavepoint(false, where.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(3, TimeUnit.MINUTES);
    }

    /** Every record of every shard from TRIM_HORIZON, read with the bare SDK and Jackson. */
    private static List<WindowTruth.Change> readAll(KinesisClient kinesis, String stream)
            throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json =
                new com.fasterxml.jackson.databind.ObjectMapper();
        List<WindowTruth.Change> out = new java.util.ArrayList<>();
        for (Shard shard : shards(kinesis, stream)) {
            String iterator =
                    kinesis.getShardIterator(
                                    b ->
                                            b.streamName(stream)
                                                    .shardId(shard.shardId())
                                                    .shardIteratorType(
                                                            software.amazon.awssdk.services.kinesis
                                                                    .model.ShardIteratorType
                                                                    .TRIM_HORIZON))
                            .shardIterator();
            while (iterator != null) {
                String it = iterator;
                software.amazon.awssdk.services.kinesis.model.GetRecordsResponse r =
                        kinesis.getRecords(b -> b.shardIterator(it));
                for (software.amazon.awssdk.services.kinesis.model.Record record : r.records()) {
                    com.fasterxml.jackson.databind.JsonNode n =
                            json.readTree(record.data().asByteArray());
                    out.add(
                            new WindowTruth.Change(
                                    n.get("eventID").asText(),
                                    n.at("/dynamodb/Keys/listId/S").asText(),
                                    n.get("eventName").asText(),
                                    n.at("/dynamodb/ApproximateCreationDateTime").asLong() / 1000,
                                    false));
                }
                if (r.records().isEmpty()
                        && (r.millisBehindLatest() == null || r.millisBehindLatest() == 0)) {
                    break; // at the head of an open shard
                }
                iterator = r.nextShardIterator();
            }
        }
        return out;
    }

    private static List<Shard> shards(KinesisClient kinesis, String stream) {
        return kinesis.listShards(b -> b.streamName(stream)).shards();
    }

    private static void awaitActive(KinesisClient kinesis, String stream) throws Exception {
        Poll.until(
                Duration.ofSeconds(30),
                () ->
                        "ACTIVE"
                                        .equals(
                                                kinesis.describeStream(b -> b.streamName(stream))
                                                        .streamDescription()
                                                        .streamStatusAsString())
                                ? null
                                : "stream not ACTIVE");
    }

    private static JobClient start(Map<String, String> props, int parallelism, String savepoint)
            throws Exception {
        return io.streamsync.testing.TestJobs.start(
                props, parallelism, savepoint, "rescale p" + parallelism);
    }
}

package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.source.scan.ScannedItems;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.GroundTruth;
import io.streamsync.testing.Kinesalite;
import io.streamsync.testing.LocalServicesExtension;
import io.streamsync.testing.Poll;
import io.streamsync.testing.TaskWorkload;
import io.streamsync.testing.TodoTables;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The Kinesis source against a real kinesalite: random traffic on a moto DynamoDB table, each
 * change written to a 2-shard Kinesis stream in the exact record format of Kinesis Data Streams for
 * DynamoDB (tableName, recordFormat, userIdentity, ApproximateCreationDateTime in microseconds with
 * its precision, no sequence number), a tenth of them twice (the copy to another shard), shuffled
 * in blocks of 40, and one shard split and its two children merged mid-run (the merged shard waits
 * for both parents), and the job failed over on the first record of a child shard. The aggregate
 * table, the aggregate documents and the item index must equal a scan of the table.
 */
class KinesisSourceITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.create();

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

    /**
     * Writes change records as DynamoDB's Kinesis destination does, with duplicates and reordering.
     */
    static final class KinesisDestination {
        private final KinesisClient kinesis;
        private final String stream;
        private final String table;
        private final ObjectMapper json = new ObjectMapper();
        private final Random random = new Random(7);
        private final List<PutRecordsRequestEntry> block = new ArrayList<>();
        private long lastMicros;
        long records;
        long duplicates;

        KinesisDestination(KinesisClient kinesis, String stream, String table) {
            this.kinesis = kinesis;
            this.stream = stream;
            this.table = table;
        }

        void changed(
                Map<String, AttributeValue> key,
                Map<String, AttributeValue> oldImage,
                Map<String, AttributeValue> newImage) {
            lastMicros = Math.max(lastMicros + 1, System.currentTimeMillis() * 1000L);
            ObjectNode r = json.createObjectNode();
            r.put("awsRegion", "us-east-1");
            r.put("eventID", UUID.randomUUID().toString());
            r.put(
                    "eventName",
                    oldImage == null ? "INSERT" : newImage == null ? "REMOVE" : "MODIFY");
            r.putNull("userIdentity");
            r.put("recordFormat", "application/json");
            r.put("tableName", table);
            ObjectNode ddb = r.putObject("dynamodb");
            ddb.put("ApproximateCreationDateTime", lastMicros);
            try {
                ddb.set("Keys", json.readTree(ScannedItems.toJson(key)));
                if (newImage != null) {
                    ddb.set("NewImage", json.readTree(ScannedItems.toJson(newImage)));
                }
                if (oldImage != null) {
                    ddb.set("OldImage", json.readTree(ScannedItems.toJson(oldImage)));
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            ddb.put("SizeBytes", r.toString().length());
            ddb.put("ApproximateCreationDateTimePrecision", "MICROSECOND");
            r.put("eventSource", "aws:dynamodb");
            byte[] data = r.toString().getBytes(StandardCharsets.UTF_8);
            String partitionKey = key.get("listId").s() + "|" + key.get("taskId").s();
            block.add(
                    PutRecordsRequestEntry.builder()
                            .data(SdkBytes.fromByteArray(data))
                            .partitionKey(partitionKey)
                            .build());
            records++;
            if (random.nextInt(10)
                    == 0) { // delivered twice, the copy through another partition key
                block.add(
                        PutRecordsRequestEntry.builder()
                                .data(SdkBytes.fromByteArray(data))
                                .partitionKey("dup-" + random.nextInt())
                                .build());
                duplicates++;
            }
            if (block.size() >= 40) {
                flush();
            }
        }

        void flush() {
            if (block.isEmpty()) {
                return;
            }
            Collections.shuffle(block, random);
            List<PutRecordsRequestEntry> pending = new ArrayList<>(block);
            block.clear();
            while (!pending.isEmpty()) {
                List<PutRecordsRequestEntry> batch = pending;
                PutRecordsResponse result =
                        kinesis.putRecords(b -> b.streamName(stream).records(batch));
                List<PutRecordsRequestEntry> retry = new ArrayList<>();
                for (int i = 0; i < pending.size(); i++) {
                    if (result.records().get(i).errorCode() != null) {
                        retry.add(pending.get(i));
                    }
                }
                pending = retry;
            }
        }
    }

    /**
     * Fails the job once, on the first record of a shard that was not there at the start (a child).
     */
    static final class FailOnFirstChildRecord
            extends org.apache.flink.api.common.functions.RichMapFunction<
                    io.streamsync.source.RawRecord, io.streamsync.source.RawRecord> {
        private static final long serialVersionUID = 1L;
        static final java.util.concurrent.atomic.AtomicBoolean FIRED =
                new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.Set<String> initialShards;

        FailOnFirstChildRecord(java.util.Set<String> initialShards) {
            this.initialShards = new java.util.HashSet<>(initialShards);
        }

        @Override
        public io.streamsync.source.RawRecord map(io.streamsync.source.RawRecord r) {
            if (!initialShards.contains(r.shardId) && FIRED.compareAndSet(false, true)) {
                throw new IllegalStateException(
                        "injected failure on the first record of child shard " + r.shardId);
            }
            return r;
        }
    }

    @Test
    void countsAndIndexAreExactFromKinesisWithDuplicatesReorderingASplitAMergeAndAFailure(
            @TempDir Path dir) throws Exception {
        Map<String, String> props = SERVICES.services().testJobProperties("kds", dir);
        props.put("source.type", "kinesis");
        props.put(
                "source.kinesis.stream",
                "arn:aws:kinesis:us-east-1:000000000000:stream/todo-changes");
        props.put("source.kinesis.endpoint", kinesalite.endpoint().toString());
        props.put("job.parallelism", "2");
        TodoTables.createSourceTableWithoutStream(SERVICES.ddb(), "kdsTasks");
        TodoTables.createAggregateTable(SERVICES.ddb(), "kdsCounts");
        JobConfig c = JobConfig.from(props);
        KinesisClient kinesis = kinesalite.client();
        kinesis.createStream(b -> b.streamName("todo-changes").shardCount(2));
        awaitActive(kinesis, "after creation");
        java.util.Set<String> initial = new java.util.HashSet<>();
        shards(kinesis).forEach(s -> initial.add(s.shardId()));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, c);
        io.streamsync.source.RecordSource source = RecordSources.fromConfig(c, Startup.prepare(c));
        StreamSyncPipeline.define(
                env,
                c,
                e ->
                        source.create(e)
                                .map(new FailOnFirstChildRecord(initial))
                                .returns(
                                        org.apache.flink.api.common.typeinfo.Types.POJO(
                                                io.streamsync.source.RawRecord.class))
                                .uid("inject-failure")
                                .name("inject failure"),
                PipelineSinks.fromConfig(c));
        JobClient job = env.executeAsync("kinesis");
        try {
            KinesisDestination destination =
                    new KinesisDestination(kinesis, "todo-changes", "kdsTasks");
            TaskWorkload workload =
                    new TaskWorkload(SERVICES.ddb(), "kdsTasks", 30, 5L)
                            .onChange(destination::changed);
            workload.run(1000);
            destination.flush();
            Shard first = shards(kinesis).get(0);
            BigInteger low = new BigInteger(first.hashKeyRange().startingHashKey());
            BigInteger high = new BigInteger(first.hashKeyRange().endingHashKey());
            kinesis.splitShard(
                    b ->
                            b.streamName("todo-changes")
                                    .shardToSplit(first.shardId())
                                    .newStartingHashKey(low.add(high).shiftRight(1).toString()));
            awaitActive(kinesis, "after the split");
            workload.run(1000);
            destination.flush();
            List<String> children = new ArrayList<>();
            shards(kinesis).stream()
                    .filter(s -> first.shardId().equals(s.parentShardId()))
                    .forEach(s -> children.add(s.shardId()));
            assertThat(children).hasSize(2);
            kinesis.mergeShards(
                    b ->
                            b.streamName("todo-changes")
                                    .shardToMerge(children.get(0))
                                    .adjacentShardToMerge(children.get(1)));
            awaitActive(kinesis, "after the merge");
            workload.run(1000);
            destination.flush();
            List<Shard> all = shards(kinesis);
            System.out.printf(
                    "[kinesis] %d change records, %d duplicates, %d shards after a split and a merge%n",
                    destination.records, destination.duplicates, all.size());
            assertThat(all).as("2 shards, one split in two, the two merged into one").hasSize(5);
            assertThat(all)
                    .filteredOn(s -> s.adjacentParentShardId() != null)
                    .as("the merged shard has two parents")
                    .hasSize(1);
            assertThat(destination.duplicates).isGreaterThan(50);
            Poll.until(
                    Duration.ofSeconds(180),
                    () ->
                            GroundTruth.check(
                                    SERVICES.ddb(),
                                    "kdsTasks",
                                    "kdsCounts",
                                    SERVICES.search(),
                                    "kds-counts",
                                    "kds-tasks"));
            assertThat(FailOnFirstChildRecord.FIRED)
                    .as("the job failed over once, when the first child shard was read")
                    .isTrue();
        } finally {
            job.cancel().get();
            kinesis.close();
        }
    }

    private static List<Shard> shards(KinesisClient kinesis) {
        return kinesis.listShards(b -> b.streamName("todo-changes")).shards();
    }

    private static void awaitActive(KinesisClient kinesis, String when) throws Exception {
        Poll.until(
                Duration.ofSeconds(30),
                () ->
                        "ACTIVE"
                                        .equals(
                                                kinesis.describeStream(
                                                                b -> b.streamName("todo-changes"))
                                                        .streamDescription()
                                                        .streamStatusAsString())
                                ? null
                                : "stream not ACTIVE " + when);
    }
}

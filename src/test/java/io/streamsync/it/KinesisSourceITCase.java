package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.source.RecordSources;
import io.streamsync.source.scan.ScannedItems;
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
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The Kinesis source against a real kinesalite: random traffic on a moto DynamoDB table, each change
 * written to a 2-shard Kinesis stream in the exact record format of Kinesis Data Streams for DynamoDB
 * (tableName, recordFormat, userIdentity, ApproximateCreationDateTime in microseconds with its precision,
 * no sequence number), a tenth of them twice (the copy to another shard), shuffled in blocks of 40, and
 * one shard split mid-run. The aggregate table, the aggregate documents and the item index must equal a
 * scan of the table.
 */
class KinesisSourceITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final LocalServicesExtension SERVICES = new LocalServicesExtension();

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

    /** Writes change records as DynamoDB's Kinesis destination does, with duplicates and reordering. */
    private static final class KinesisDestination {
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

        void changed(Map<String, AttributeValue> key, Map<String, AttributeValue> oldImage, Map<String, AttributeValue> newImage) {
            lastMicros = Math.max(lastMicros + 1, System.currentTimeMillis() * 1000L);
            ObjectNode r = json.createObjectNode();
            r.put("awsRegion", "us-east-1");
            r.put("eventID", UUID.randomUUID().toString());
            r.put("eventName", oldImage == null ? "INSERT" : newImage == null ? "REMOVE" : "MODIFY");
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
            block.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromByteArray(data)).partitionKey(partitionKey).build());
            records++;
            if (random.nextInt(10) == 0) { // delivered twice, the copy through another partition key
                block.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromByteArray(data)).partitionKey("dup-" + random.nextInt()).build());
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
                PutRecordsResponse result = kinesis.putRecords(b -> b.streamName(stream).records(batch));
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

    @Test
    void countsAndIndexAreExactFromKinesisWithDuplicatesReorderingAndAShardSplit(@TempDir Path dir) throws Exception {
        Map<String, String> props = SERVICES.services().testJobProperties("kds", dir);
        props.put("source.type", "kinesis");
        props.put("source.kinesis.stream", "arn:aws:kinesis:us-east-1:000000000000:stream/todo-changes");
        props.put("source.kinesis.endpoint", kinesalite.endpoint().toString());
        TodoTables.createSourceTableWithoutStream(SERVICES.ddb(), "kdsTasks");
        TodoTables.createAggregateTable(SERVICES.ddb(), "kdsCounts");
        JobConfig c = JobConfig.from(props);
        KinesisClient kinesis = kinesalite.client();
        kinesis.createStream(b -> b.streamName("todo-changes").shardCount(2));
        Poll.until(Duration.ofSeconds(30), () -> "ACTIVE".equals(kinesis.describeStream(b -> b.streamName("todo-changes"))
                .streamDescription().streamStatusAsString()) ? null : "stream not ACTIVE");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(env, c, RecordSources.fromConfig(c, Startup.prepare(c)), PipelineSinks.fromConfig(c));
        JobClient job = env.executeAsync("kinesis");
        try {
            KinesisDestination destination = new KinesisDestination(kinesis, "todo-changes", "kdsTasks");
            TaskWorkload workload = new TaskWorkload(SERVICES.ddb(), "kdsTasks", 30, 5L).onChange(destination::changed);
            workload.run(1000);
            destination.flush();
            Shard first = kinesis.describeStream(b -> b.streamName("todo-changes")).streamDescription().shards().get(0);
            BigInteger low = new BigInteger(first.hashKeyRange().startingHashKey());
            BigInteger high = new BigInteger(first.hashKeyRange().endingHashKey());
            kinesis.splitShard(b -> b.streamName("todo-changes").shardToSplit(first.shardId())
                    .newStartingHashKey(low.add(high).shiftRight(1).toString()));
            Poll.until(Duration.ofSeconds(30), () -> "ACTIVE".equals(kinesis.describeStream(b -> b.streamName("todo-changes"))
                    .streamDescription().streamStatusAsString()) ? null : "stream not ACTIVE after the split");
            workload.run(1000);
            destination.flush();
            int shards = kinesis.describeStream(b -> b.streamName("todo-changes")).streamDescription().shards().size();
            System.out.printf("[kinesis] %d change records, %d duplicates, %d shards after the split%n",
                    destination.records, destination.duplicates, shards);
            assertThat(shards).as("2 shards, one split in two").isEqualTo(4);
            assertThat(destination.duplicates).isGreaterThan(50);
            Poll.until(Duration.ofSeconds(180), () -> GroundTruth.check(SERVICES.ddb(), "kdsTasks", "kdsCounts",
                    SERVICES.search(), "kds-counts", "kds-tasks"));
        } finally {
            job.cancel().get();
            kinesis.close();
        }
    }
}

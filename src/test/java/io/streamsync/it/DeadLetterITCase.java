package io.streamsync.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.OperatorIds;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.sink.deadletter.DeadLetterSinks;
import io.streamsync.source.RawRecord;
import io.streamsync.testing.FlinkCluster;
import io.streamsync.testing.ReportedMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison records mixed into good ones on a MiniCluster: each lands, once, in the dead-letter files
 * (the real FileSink) with its reason and position; the good ones do not, and the job finishes
 * normally.
 */
class DeadLetterITCase {
    @RegisterExtension static final FlinkCluster FLINK = FlinkCluster.retainingMetrics();

    private static String good(String list, String task, int seq) {
        return "{\"eventID\":\""
                + seq
                + "\",\"eventName\":\"INSERT\",\"dynamodb\":{\"ApproximateCreationDateTime\":1700000000,"
                + "\"Keys\":{\"listId\":{\"S\":\""
                + list
                + "\"},\"taskId\":{\"S\":\""
                + task
                + "\"}},"
                + "\"NewImage\":{\"listId\":{\"S\":\""
                + list
                + "\"},\"taskId\":{\"S\":\""
                + task
                + "\"}},"
                + "\"SequenceNumber\":\""
                + seq
                + "\",\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}";
    }

    @Test
    void poisonRecordsBecomeDeadLettersWithTheirReasonAndTheJobGoesOn(@TempDir Path dir)
            throws Exception {
        List<RawRecord> input = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            input.add(
                    new RawRecord(
                            good("l" + (i % 3), "t" + i, 100 + i),
                            "shard-1",
                            Integer.toString(100 + i),
                            0));
        }
        String[][] poison = {
            {"{\"eventName\":\"INSERT\",\"dynamodb\":", "malformed JSON"},
            {
                good("l1", "x", 200)
                        .replace("{\"S\":\"x\"}}", "{\"S\":\"x\"},\"odd\":{\"Q\":\"1\"}}"),
                "unknown attribute type 'Q'"
            },
            {
                good("l1", "y", 201).replace("\"listId\":{\"S\":\"l1\"},", ""),
                "do not match the configured key schema"
            },
            {
                good("l1", "v", 204)
                        .replace(
                                "\"taskId\":{\"S\":\"v\"}}",
                                "\"taskId\":{\"S\":\"v\"},\"pad\":{\"S\":\""
                                        + "x".repeat(3000)
                                        + "\"}}"),
                "exceeds source.max.record.bytes (2048)"
            },
            {
                good("l1", "z", 202)
                        .replace(
                                "\"taskId\":{\"S\":\"z\"}}",
                                "\"taskId\":{\"S\":\"z\"},\"n\":{\"N\":\"1.2.3\"}}"),
                "N value '1.2.3' is not a number"
            },
            {
                good("l1", "w", 203).replace(",\"SequenceNumber\":\"203\"", ""),
                "no dynamodb.SequenceNumber"
            }
        };
        for (int i = 0; i < poison.length; i++) {
            input.add(5 + 3 * i, new RawRecord(poison[i][0], "shard-2", "90" + i, 0));
        }
        // bytes that are not UTF-8 (0xC3 0x28: a lead byte without its continuation) in a string
        // value: refused
        // with the reason, not silently replaced
        String text = good("l2", "u", 205);
        int at =
                text.indexOf("{\"S\":\"u\"}")
                        + 6; // the value's one character, replaced by the two bytes
        byte[] ascii = text.getBytes(StandardCharsets.UTF_8);
        byte[] withBad = new byte[ascii.length + 1];
        System.arraycopy(ascii, 0, withBad, 0, at);
        withBad[at] = (byte) 0xC3;
        withBad[at + 1] = (byte) 0x28;
        System.arraycopy(ascii, at + 1, withBad, at + 2, ascii.length - at - 1);
        input.add(4, new RawRecord(withBad, "shard-3", "999", 0));

        JobConfig config =
                JobConfig.from(
                        Map.of(
                                "checkpoint.interval.ms",
                                "200",
                                "job.parallelism",
                                "2",
                                "source.max.record.bytes",
                                "2048"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, config);
        StreamSyncPipeline.define(
                env,
                config,
                e ->
                        e.fromData(Types.POJO(RawRecord.class), input.toArray(new RawRecord[0]))
                                .uid(OperatorIds.SOURCE.uid())
                                .name(OperatorIds.SOURCE.displayName()),
                new PipelineSinks(null, null, DeadLetterSinks.files(dir.toUri().toString())));
        JobID job = env.execute("dead letters").getJobID();

        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> letters = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f :
                    files.filter(p -> p.getFileName().toString().startsWith("dead-letters"))
                            .collect(Collectors.toList())) {
                for (String line : Files.readAllLines(f)) {
                    letters.add(mapper.readTree(line));
                }
            }
        }
        assertThat(letters).hasSize(poison.length + 1);
        // the counter operators alarm on, in the group MSF sends to CloudWatch, one per parse
        // subtask
        ReportedMetrics reported = FLINK.reported(job);
        assertThat(reported.published("deadLetters")).hasSize(2);
        assertThat(reported.sum("deadLetters")).isEqualTo(letters.size());
        JsonNode badBytes =
                letters.stream()
                        .filter(l -> l.get("sequenceNumber").asText().equals("999"))
                        .findFirst()
                        .orElseThrow();
        assertThat(badBytes.get("reason").asText())
                .contains("malformed JSON")
                .contains("Invalid UTF-8");
        assertThat(badBytes.get("shardId").asText()).isEqualTo("shard-3");
        assertThat(badBytes.get("record").asText()).contains("{\"S\":\"\uFFFD(\"}");
        for (int i = 0; i < poison.length; i++) {
            String seq = "90" + i;
            JsonNode letter =
                    letters.stream()
                            .filter(l -> l.get("sequenceNumber").asText().equals(seq))
                            .findFirst()
                            .orElseThrow();
            assertThat(letter.get("reason").asText()).contains(poison[i][1]);
            assertThat(letter.get("stage").asText()).isEqualTo(OperatorIds.PARSE.uid());
            assertThat(letter.get("shardId").asText()).isEqualTo("shard-2");
            assertThat(poison[i][0]).startsWith(letter.get("record").asText());
            assertThat(letter.get("time").asText()).isNotEmpty();
        }
    }
}

package io.streamsync.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.change.ChangeRecordParser;
import io.streamsync.change.KeySchema;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * DynamoDB-JSON record -> ChangeEvent, against the bare Jackson parse of the same bytes (the floor
 * no converter can beat). The job receives records as UTF-8 bytes and parses them as bytes; the
 * same records as Java Strings are measured too, to show what parsing from bytes saves. One
 * operation = one record; the pool cycles so the data does not sit in L1.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConversionBenchmark {
    static final int POOL = 2048;
    private List<String> text;
    private List<byte[]> utf8;
    private ObjectMapper mapper;
    private ChangeRecordParser allImages;
    private ChangeRecordParser asTheJob;
    private int next;

    @Setup
    public void setup() {
        text = BenchRecords.generate(POOL, 42L);
        utf8 =
                text.stream()
                        .map(r -> r.getBytes(StandardCharsets.UTF_8))
                        .collect(Collectors.toList());
        mapper = new ObjectMapper();
        allImages = new ChangeRecordParser(new KeySchema("listId", "taskId"));
        asTheJob = new ChangeRecordParser(new KeySchema("listId", "taskId")).renderOldImage(false);
    }

    private byte[] nextBytes() {
        byte[] r = utf8.get(next);
        next = (next + 1) & (POOL - 1);
        return r;
    }

    private String nextText() {
        String r = text.get(next);
        next = (next + 1) & (POOL - 1);
        return r;
    }

    private static int tokens(JsonParser p) throws java.io.IOException {
        JsonToken t;
        int n = 0;
        while ((t = p.nextToken()) != null) {
            if (t == JsonToken.VALUE_STRING) {
                n += p.getTextLength();
            }
        }
        return n;
    }

    /**
     * Jackson's tokenizer over the record's bytes and nothing else (every token, string values
     * decoded): the floor for the streaming converter, which reads exactly these tokens.
     */
    @Benchmark
    public void tokenizerBytes(Blackhole bh) throws Exception {
        try (JsonParser p = mapper.getFactory().createParser(nextBytes())) {
            bh.consume(tokens(p));
        }
    }

    /** The same tokenizer over the record as a String (Jackson's char parser). */
    @Benchmark
    public void tokenizerString(Blackhole bh) throws Exception {
        try (JsonParser p = mapper.getFactory().createParser(nextText())) {
            bh.consume(tokens(p));
        }
    }

    /**
     * Jackson reading the record's bytes into a tree: what a tree-based converter must do before
     * converting.
     */
    @Benchmark
    public void treeBytes(Blackhole bh) throws Exception {
        bh.consume(mapper.readTree(nextBytes()));
    }

    /** Record bytes to ChangeEvent with keys, new and old image rendered as plain JSON. */
    @Benchmark
    public void parseAllImages(Blackhole bh) {
        bh.consume(allImages.parse(nextBytes()));
    }

    /**
     * As the job's parse operator does it: from bytes, the old image validated but not rendered.
     */
    @Benchmark
    public void parseAsTheJob(Blackhole bh) {
        bh.consume(asTheJob.parse(nextBytes()));
    }

    /**
     * As the job, but from the record as a String (what the job did before it kept records as
     * bytes).
     */
    @Benchmark
    public void parseAsTheJobFromString(Blackhole bh) {
        bh.consume(asTheJob.parse(nextText()));
    }

    /** Average record size in bytes (UTF-8), for MB/s. */
    public static double averageRecordBytes() {
        return BenchRecords.generate(POOL, 42L).stream()
                .mapToInt(s -> s.getBytes(StandardCharsets.UTF_8).length)
                .average()
                .orElse(0);
    }
}

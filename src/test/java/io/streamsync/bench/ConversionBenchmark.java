package io.streamsync.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.change.ChangeRecordParser;
import io.streamsync.change.KeySchema;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * DynamoDB-JSON record -> ChangeEvent, against the bare Jackson parse of the same text (the floor no
 * converter can beat). One operation = one record; the pool cycles so the data does not sit in L1.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConversionBenchmark {
    static final int POOL = 2048;
    private List<String> records;
    private ObjectMapper mapper;
    private ChangeRecordParser parser;
    private ChangeRecordParser asTheJob;
    private int next;

    @Setup
    public void setup() {
        records = BenchRecords.generate(POOL, 42L);
        mapper = new ObjectMapper();
        parser = new ChangeRecordParser(new KeySchema("listId", "taskId"));
        asTheJob = new ChangeRecordParser(new KeySchema("listId", "taskId")).renderOldImage(false);
    }

    private String nextRecord() {
        String r = records.get(next);
        next = (next + 1) & (POOL - 1);
        return r;
    }

    /** Jackson reading the record into a tree: what a tree-based converter must do before any converting. */
    @Benchmark
    public void bareJacksonParse(Blackhole bh) throws Exception {
        bh.consume(mapper.readTree(nextRecord()));
    }

    /**
     * Jackson's tokenizer over the record and nothing else (every token, string values decoded): the floor
     * for the streaming converter, which reads exactly these tokens.
     */
    @Benchmark
    public void bareJacksonTokens(Blackhole bh) throws Exception {
        try (com.fasterxml.jackson.core.JsonParser p = mapper.getFactory().createParser(nextRecord())) {
            com.fasterxml.jackson.core.JsonToken t;
            int n = 0;
            while ((t = p.nextToken()) != null) {
                if (t == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                    n += p.getTextLength();
                }
            }
            bh.consume(n);
        }
    }

    /** Record to ChangeEvent with keys, new and old image rendered as plain JSON. */
    @Benchmark
    public void parseToChangeEvent(Blackhole bh) {
        bh.consume(parser.parse(nextRecord()));
    }

    /** As the job's parse operator does it: the old image validated but not rendered (nothing reads it). */
    @Benchmark
    public void parseAsTheJob(Blackhole bh) {
        bh.consume(asTheJob.parse(nextRecord()));
    }

    /** Average record size in bytes (UTF-8), for MB/s. */
    public static double averageRecordBytes() {
        return BenchRecords.generate(POOL, 42L).stream()
                .mapToInt(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).average().orElse(0);
    }
}

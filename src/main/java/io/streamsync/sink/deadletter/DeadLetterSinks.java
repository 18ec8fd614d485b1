package io.streamsync.sink.deadletter;

import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where dead letters (one JSON line each) are written: files under a directory, committed on
 * checkpoints (exactly-once: a line is visible once its checkpoint completes; {@code s3://} works
 * the same on AWS), or, when no directory is configured, the job log at WARN.
 */
public final class DeadLetterSinks {
    private DeadLetterSinks() {}

    public static Sink<String> files(String directory) {
        return FileSink.forRowFormat(new Path(directory), new SimpleStringEncoder<String>("UTF-8"))
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(
                        OutputFileConfig.builder()
                                .withPartPrefix("dead-letters")
                                .withPartSuffix(".jsonl")
                                .build())
                .build();
    }

    public static Sink<String> log() {
        return new LogSink();
    }

    /** Writes each line to the log at WARN. */
    private static final class LogSink implements Sink<String> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<String> createWriter(
                org.apache.flink.api.connector.sink2.WriterInitContext context) {
            Logger log = LoggerFactory.getLogger(DeadLetterSinks.class);
            return new SinkWriter<>() {
                @Override
                public void write(String line, Context ctx) {
                    log.warn("dead letter: {}", line);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}

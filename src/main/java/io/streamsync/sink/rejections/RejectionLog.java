package io.streamsync.sink.rejections;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a sink puts the writes its target refused for good (a document the search engine rejects
 * with a 4xx other than a version conflict): one JSON line each, in a file of its own under {@code
 * <deadletter.path>/<sink>/}, closed at every checkpoint so it is complete on any file system, S3
 * included (at-least-once: a line may repeat after a replay, never go missing), or the log at WARN
 * when no dead-letter path is configured. A sink cannot feed the dead-letter file sink of the
 * graph, so it writes here directly.
 */
public final class RejectionLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RejectionLog.class);

    private final String sinkName;
    private final String directory;
    private final String prefix;
    private OutputStream out;

    /** {@code directory} null means: log only. */
    public RejectionLog(String directory, String sinkName, int subtask) {
        this.sinkName = sinkName;
        this.directory = directory == null ? null : directory + "/" + sinkName;
        this.prefix = "rejected-" + subtask + "-";
    }

    /** The sink whose rejections this holds (its operator uid, as the pipeline named it). */
    public String sinkName() {
        return sinkName;
    }

    public synchronized void write(String jsonLine) throws IOException {
        if (directory == null) {
            LOG.warn("rejected write: {}", jsonLine);
            return;
        }
        if (out == null) {
            Path file = new Path(directory, prefix + UUID.randomUUID() + ".jsonl");
            out = file.getFileSystem().create(file, FileSystem.WriteMode.NO_OVERWRITE);
        }
        out.write((jsonLine + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Completes the current file; the next rejection starts a new one. */
    public synchronized void flush() throws IOException {
        close();
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }
}

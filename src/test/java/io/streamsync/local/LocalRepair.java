package io.streamsync.local;

import io.streamsync.config.ConfigException;
import io.streamsync.config.JobConfig;
import io.streamsync.source.repair.RepairSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;

/**
 * The local run's repair command: a file ({@value #DEFAULT_FILE} unless {@code
 * streamsync.local.repair.file} says otherwise) holding a {@code repair.request} value, written
 * while the local run goes on ({@code echo 'r-1=list-003' > target/local-run/repair.request}). The
 * local run takes it (the file is removed), stops its job with a savepoint and starts it again from
 * that savepoint with the request set, as a repair is asked for on a cluster (see
 * reconciliation.md); it logs each step. A value that is not a request is refused (the file renamed
 * to {@code repair.request.refused}, the reason logged) and the job goes on.
 */
final class LocalRepair {
    static final String DEFAULT_FILE = "target/local-run/repair.request";
    static final Path FILE = Path.of(DEFAULT_FILE);
    static final Path SAVEPOINTS = Path.of("target/local-run/savepoints");

    /** Starts the job from a savepoint with a configuration. */
    interface Starter {
        JobClient start(JobConfig config, String savepoint) throws Exception;
    }

    private LocalRepair() {}

    /** Waits until nothing listens on {@code port} of 127.0.0.1 (polled, with a deadline). */
    static void awaitFree(int port, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (io.streamsync.testing.ManagedProcess.portOpen(port)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "port " + port + " still in use " + timeout + " after the job stopped");
            }
            Thread.sleep(100);
        }
    }

    /**
     * When {@code file} holds a request: the job restarted from a savepoint with it (its client);
     * else null. {@code properties} (the run's configuration) keep the request for later restarts.
     */
    static JobClient takeRequest(
            Path file,
            Map<String, String> properties,
            JobClient job,
            Starter starter,
            Consumer<String> say)
            throws Exception {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        String request = Files.readString(file, StandardCharsets.UTF_8).trim();
        Map<String, String> next = new HashMap<>(properties);
        next.put("repair.request", request);
        JobConfig config;
        try {
            config = JobConfig.from(next);
            // the request's own checks
            if (RepairSettings.fromConfig(config).request == null) {
                throw new IllegalArgumentException(
                        "'none' asks for no repair (and a restore without the repair source would"
                                + " need --allowNonRestoredState): write ID=LIST[,LIST...] or"
                                + " ID=drifted:REPORT");
            }
        } catch (ConfigException | IllegalArgumentException e) {
            Path refused = file.resolveSibling(file.getFileName() + ".refused");
            Files.move(file, refused, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            say.accept(
                    "repair: refused the request in "
                            + file
                            + " (moved to "
                            + refused
                            + "): "
                            + e.getMessage());
            return null;
        }
        say.accept(
                "repair: request '"
                        + request
                        + "' read from "
                        + file
                        + "; stopping job "
                        + job.getJobID()
                        + " with a savepoint ...");
        String savepoint;
        try {
            savepoint =
                    job.stopWithSavepoint(
                                    false,
                                    SAVEPOINTS.toAbsolutePath().toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get();
        } catch (java.util.concurrent.ExecutionException e) {
            // the job goes on; the request stays in its file and is tried again at the next look
            say.accept(
                    "repair: the stop with a savepoint failed, the job goes on and the request stays"
                            + " in "
                            + file
                            + ": "
                            + e.getCause());
            return null;
        }
        // taken only once the job stopped: a failed stop keeps the request
        Files.delete(file);
        say.accept("repair: job " + job.getJobID() + " stopped with savepoint " + savepoint);
        JobClient restarted = starter.start(config, savepoint);
        properties.put("repair.request", request);
        say.accept(
                "repair: job "
                        + restarted.getJobID()
                        + " started from "
                        + savepoint
                        + " with repair.request="
                        + request
                        + " (the repair source reads the lists, the aggregation merges each once"
                        + " the watermark passes its read time)");
        return restarted;
    }
}

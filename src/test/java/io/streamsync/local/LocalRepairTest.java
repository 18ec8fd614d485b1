package io.streamsync.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local run's repair command, on its own: what it refuses and when it takes a request. */
class LocalRepairTest {
    @TempDir Path dir;

    private final List<String> said = new ArrayList<>();
    private final List<String> calls = new ArrayList<>();

    @Test
    void noneIsRefusedAndTheJobIsNotStopped() throws Exception {
        Path file = request("none");

        JobClient restarted =
                LocalRepair.takeRequest(file, properties(), job(null), starter(), said::add);

        assertThat(restarted).isNull();
        assertThat(calls).isEmpty();
        assertThat(file).doesNotExist();
        assertThat(file.resolveSibling("repair.request.refused")).exists();
        assertThat(said).anyMatch(s -> s.contains("refused") && s.contains("'none'"));
    }

    @Test
    void aRequestWhoseStopFailsStaysInItsFileAndTheJobGoesOn() throws Exception {
        Path file = request("r-1=list-003");
        CompletableFuture<String> failed = new CompletableFuture<>();
        failed.completeExceptionally(new IllegalStateException("checkpoint declined"));

        JobClient restarted =
                LocalRepair.takeRequest(file, properties(), job(failed), starter(), said::add);

        assertThat(restarted).isNull();
        assertThat(calls).containsExactly("stopWithSavepoint");
        assertThat(file).exists();
        assertThat(said).anyMatch(s -> s.contains("failed") && s.contains("checkpoint declined"));
    }

    private Path request(String value) throws Exception {
        Path file = dir.resolve("repair.request");
        Files.writeString(file, value + "\n");
        return file;
    }

    private static Map<String, String> properties() {
        Map<String, String> p = new HashMap<>();
        p.put("aws.region", "us-east-1");
        p.put("aws.endpoint", "http://127.0.0.1:9");
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", "local");
        p.put("aws.credentials.secret.access.key", "local");
        p.put("sink.search.hosts", "http://127.0.0.1:9");
        return p;
    }

    /** A job client that records the calls made to it; its stop answers {@code stop}. */
    private JobClient job(CompletableFuture<String> stop) {
        return (JobClient)
                Proxy.newProxyInstance(
                        JobClient.class.getClassLoader(),
                        new Class<?>[] {JobClient.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("getJobID")) {
                                return new JobID();
                            }
                            calls.add(method.getName());
                            if (method.getName().equals("stopWithSavepoint")) {
                                return stop;
                            }
                            throw new AssertionError("unexpected call " + method.getName());
                        });
    }

    private LocalRepair.Starter starter() {
        return (config, savepoint) -> {
            calls.add("start");
            throw new AssertionError("no start expected");
        };
    }
}

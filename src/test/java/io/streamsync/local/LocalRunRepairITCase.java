package io.streamsync.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.change.ItemKeys;
import io.streamsync.testing.ManagedProcess;
import io.streamsync.testing.Poll;
import io.streamsync.testing.SearchHttp;
import io.streamsync.testing.TaskWorkload;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local run's repair command, end to end: the local run ({@link LocalRun}, its own JVM, its own
 * moto, Elasticsearch and MiniCluster, traffic on 4 lists) gets a phantom document in its item
 * index by hand; a request written to its repair file makes it stop the job with a savepoint and
 * start it again from it with {@code repair.request} set; the repair deletes the phantom, and the
 * local run's own end check (every output equals a scan of the table) passes. Without the repair,
 * that check fails on the phantom.
 */
class LocalRunRepairITCase {
    /**
     * About 2 minutes (its own moto, Elasticsearch and MiniCluster, a stop and a start): it runs
     * with {@code -Dharness.all=true}, so the default verify stays under 20 minutes on 2 cores. The
     * command's parts run in every build: {@code LocalRepairTest}, and the repair itself in {@code
     * RepairITCase}.
     */
    @Test
    void aRequestWrittenToTheRepairFileRepairsTheRunningLocalJob(@TempDir Path dir)
            throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Boolean.getBoolean("harness.all"), "runs with -Dharness.all=true");
        int ddbPort = ManagedProcess.freePort();
        int esPort = ManagedProcess.freePort();
        int uiPort = ManagedProcess.freePort();
        String conf =
                Files.readString(Path.of("conf/local.properties"), StandardCharsets.UTF_8)
                                .replace("http://127.0.0.1:8000", "http://127.0.0.1:" + ddbPort)
                                .replace("http://127.0.0.1:9200", "http://127.0.0.1:" + esPort)
                                .replace(
                                        "deadletter.path=target/local-run/dead-letters",
                                        "deadletter.path=" + dir.resolve("dead-letters"))
                        + "\ncheckpoint.dir="
                        + dir.resolve("checkpoints").toUri()
                        + "\n";
        Path confFile = dir.resolve("local.properties");
        Files.writeString(confFile, conf, StandardCharsets.UTF_8);
        Path repairFile = dir.resolve("repair.request");

        List<String> cmd = new ArrayList<>();
        cmd.add(ManagedProcess.javaExecutable());
        cmd.add("-Xmx1g");
        for (String p : new String[] {"streamsync.services.dir", "streamsync.moto.launcher"}) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.add("-Dstreamsync.local.rate=4");
        cmd.add("-Dstreamsync.local.lists=4");
        cmd.add("-Dstreamsync.local.ui.port=" + uiPort);
        cmd.add("-Dstreamsync.local.seconds=90");
        cmd.add("-Dstreamsync.local.repair.file=" + repairFile);
        cmd.add("-cp");
        cmd.add(ManagedProcess.currentClasspath());
        cmd.add("io.streamsync.local.LocalRun");
        cmd.add(confFile.toString());
        Process run = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Thread echo =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    run.getInputStream(),
                                                    StandardCharsets.UTF_8))) {
                                for (String l = r.readLine(); l != null; l = r.readLine()) {
                                    out.add(l);
                                    if (l.startsWith("[streamsync")) {
                                        System.out.println(l);
                                    }
                                }
                            } catch (java.io.IOException e) {
                                // the process is gone
                            }
                        },
                        "local-run-output");
        echo.setDaemon(true);
        echo.start();
        try {
            SearchHttp search = new SearchHttp(URI.create("http://127.0.0.1:" + esPort + "/"));
            String list = TaskWorkload.listId(1);
            String index = "todo-list-task";
            // the job runs and has indexed items of the list
            Poll.until(
                    Duration.ofSeconds(120),
                    () -> {
                        if (!run.isAlive()) {
                            return "the local run ended: " + tail(out);
                        }
                        try {
                            long n =
                                    search.get(index + "/_count?q=listId:" + list)
                                            .path("count")
                                            .asLong();
                            return n > 0 ? null : "no document of " + list + " yet";
                        } catch (Exception e) {
                            return "item index: " + e.getMessage();
                        }
                    });
            // drift by hand: a phantom document of the list
            String ghost = ItemKeys.itemKey(list, "ghost");
            search.put(
                    index
                            + "/_doc/"
                            + URLEncoder.encode(ghost, StandardCharsets.UTF_8)
                            + "?version=1&version_type=external&refresh=true",
                    "{\"listId\":\"" + list + "\",\"taskId\":\"ghost\"}");
            String ghostDoc = index + "/_doc/" + URLEncoder.encode(ghost, StandardCharsets.UTF_8);
            assertThat(search.get(ghostDoc).path("found").asBoolean())
                    .as("the phantom, in the index")
                    .isTrue();
            Files.writeString(repairFile, "r-1=" + list + "\n", StandardCharsets.UTF_8);

            Poll.until(
                    Duration.ofSeconds(90),
                    () ->
                            out.stream()
                                            .anyMatch(
                                                    l ->
                                                            l.contains(
                                                                    "with repair.request=r-1="
                                                                            + list))
                                    ? null
                                    : "the job not restarted with the request yet: " + tail(out));
            assertThat(Files.exists(repairFile)).as("the request file, taken").isFalse();
            // the repair deletes the phantom while the job and the traffic go on
            Poll.until(
                    Duration.ofSeconds(60),
                    () -> {
                        try {
                            search.get(ghostDoc);
                            return "the phantom " + ghost + " is still in the index";
                        } catch (java.io.IOException e) {
                            return e.getMessage().contains("HTTP 404") ? null : e.getMessage();
                        }
                    });
            assertThat(run.waitFor(4, TimeUnit.MINUTES)).as("the local run ends").isTrue();
            assertThat(String.join("\n", out))
                    .contains("stopped with savepoint")
                    .contains("OK: aggregate table, aggregate documents and item index equal");
            assertThat(run.exitValue()).as("the local run's end check").isZero();
        } finally {
            if (run.isAlive()) {
                run.destroy(); // its shutdown hook stops moto and Elasticsearch
                if (!run.waitFor(60, TimeUnit.SECONDS)) {
                    run.destroyForcibly();
                }
            }
        }
    }

    private static String tail(List<String> out) {
        synchronized (out) {
            return String.join("\n", out.subList(Math.max(0, out.size() - 15), out.size()));
        }
    }
}

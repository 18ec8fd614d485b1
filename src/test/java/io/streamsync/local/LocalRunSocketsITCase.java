package io.streamsync.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.testing.ManagedProcess;
import io.streamsync.testing.Poll;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;

/**
 * The local run ({@code mvn -Plocal}) listens on 127.0.0.1 only: its MiniCluster (web UI and REST,
 * blob server, RPC, the TaskManager's data port) runs with {@link LocalRun#flinkConfiguration}, and
 * every TCP socket this JVM listens on while a job runs is read from {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} by the socket inodes of {@code /proc/self/fd}.
 */
class LocalRunSocketsITCase {
    @Test
    void everySocketTheLocalMiniClusterListensOnIsOn127001() throws Exception {
        Set<String> before = new HashSet<>(listening());
        int uiPort = ManagedProcess.freePort();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(
                        LocalRun.flinkConfiguration(uiPort));
        env.setParallelism(2);
        env.fromSequence(0, Long.MAX_VALUE)
                .keyBy(n -> n % 7, Types.LONG)
                .map(n -> n + 1)
                .returns(Types.LONG)
                .sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("sockets");
        try {
            List<String> sockets = new ArrayList<>();
            Poll.until(
                    Duration.ofSeconds(60),
                    () -> {
                        sockets.clear();
                        for (String s : listening()) {
                            if (!before.contains(s)) {
                                sockets.add(s);
                            }
                        }
                        return job.getJobStatus().get().toString().equals("RUNNING")
                                        && sockets.size() >= 2
                                ? null
                                : "job " + job.getJobStatus().get() + ", listening " + sockets;
                    });
            assertThat(sockets)
                    .as("listening sockets of the local MiniCluster (address:port)")
                    .contains("127.0.0.1:" + uiPort)
                    .allMatch(s -> s.startsWith("127.0.0.1:"));
        } finally {
            job.cancel().get();
        }
    }

    /** "address:port" of every TCP socket this process listens on. */
    static List<String> listening() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
                    out.add(address(f[1]));
                }
            }
        }
        return out;
    }

    /**
     * /proc's hex address:port (IPv4 as one little-endian word, IPv6 as four) as text;
     * ::ffff:a.b.c.d as a.b.c.d.
     */
    static String address(String hex) {
        String[] parts = hex.split(":");
        int port = Integer.parseInt(parts[1], 16);
        String ip = parts[0];
        if (ip.length() == 32) {
            if (ip.startsWith("0000000000000000FFFF0000")) {
                ip = ip.substring(24);
            } else {
                return (ip.equals("00000000000000000000000000000000") ? "[::]" : "[" + ip + "]")
                        + ":"
                        + port;
            }
        }
        long v = Long.parseLong(ip, 16);
        return (v & 0xff)
                + "."
                + (v >> 8 & 0xff)
                + "."
                + (v >> 16 & 0xff)
                + "."
                + (v >> 24 & 0xff)
                + ":"
                + port;
    }
}

package io.streamsync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service started on a port from {@link ManagedProcess#freePort} is ready only when it listens
 * there itself: a port another process took between the probe and the bind is a {@link
 * ManagedProcess.PortConflict}, and the service is started again on other ports. The services here
 * are small Python listeners (Python is what moto runs on).
 */
class ManagedProcessTest {
    /** Listens on the port given, or exits with Python's "Address already in use". */
    private static ManagedProcess listener(int port, Path dir) {
        return new ManagedProcess(
                "listener",
                List.of(
                        "python3",
                        "-c",
                        "import socket,sys,time\n"
                                + "s=socket.socket()\n"
                                + "s.bind(('127.0.0.1',int(sys.argv[1])))\n"
                                + "s.listen()\n"
                                + "time.sleep(60)\n",
                        Integer.toString(port)),
                dir.resolve("listener-" + port + ".log"));
    }

    private static ServerSocket taken() throws Exception {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return s;
    }

    @Test
    void aServiceIsReadyWhenItListensOnItsPortItself(@TempDir Path dir) throws Exception {
        int port = ManagedProcess.freePort();
        try (ManagedProcess p = listener(port, dir)) {
            p.start();
            p.awaitPort(port, Duration.ofSeconds(30));
            assertThat(p.listensOn(port)).isTrue();
        }
    }

    @Test
    void aPortAnotherProcessListensOnIsNotTheServiceReady(@TempDir Path dir) throws Exception {
        try (ServerSocket other = taken();
                ManagedProcess idle =
                        new ManagedProcess(
                                "idle", List.of("sleep", "30"), dir.resolve("idle.log"))) {
            idle.start();
            assertThat(idle.listensOn(other.getLocalPort())).isFalse();
            assertThatThrownBy(() -> idle.awaitPort(other.getLocalPort(), Duration.ofSeconds(2)))
                    .isInstanceOf(ManagedProcess.PortConflict.class)
                    .hasMessageContaining("another process listens on " + other.getLocalPort());
        }
    }

    @Test
    void aServiceThatCannotBindItsPortIsAPortConflict(@TempDir Path dir) throws Exception {
        try (ServerSocket other = taken();
                ManagedProcess p = listener(other.getLocalPort(), dir)) {
            p.start();
            assertThatThrownBy(() -> p.awaitPort(other.getLocalPort(), Duration.ofSeconds(30)))
                    .isInstanceOf(ManagedProcess.PortConflict.class)
                    .hasMessageContaining("Address already in use");
        }
    }

    @Test
    void aPortConflictStartsTheServiceAgainOnOtherPorts(@TempDir Path dir) throws Exception {
        List<ManagedProcess> started = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try (ServerSocket other = taken()) {
            int port =
                    ManagedProcess.retryOnPortConflict(
                            () -> {
                                // the first attempt gets the port another process took meanwhile
                                int p =
                                        ports.isEmpty()
                                                ? other.getLocalPort()
                                                : ManagedProcess.freePort();
                                ports.add(p);
                                ManagedProcess service = listener(p, dir);
                                started.add(service);
                                service.start();
                                service.awaitPort(p, Duration.ofSeconds(30));
                                return p;
                            });
            assertThat(ports).hasSize(2).startsWith(other.getLocalPort());
            assertThat(port).isEqualTo(ports.get(1));
            assertThat(started.get(1).listensOn(port)).isTrue();
        } finally {
            for (ManagedProcess p : started) {
                p.close();
            }
        }
    }
}

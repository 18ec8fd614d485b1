package io.streamsync.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A local service running as a child JVM, started and stopped by PID. Its output goes to a log file
 * so a failing test can show why the service did not come up.
 */
public class ManagedProcess implements AutoCloseable {
    private final String name;
    private final List<String> command;
    private final Path logFile;
    private Process process;

    public ManagedProcess(String name, List<String> command, Path logFile) {
        this.name = name;
        this.command = List.copyOf(command);
        this.logFile = logFile;
    }

    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A port free on 127.0.0.1 right now. Another process may take it before the service binds it:
     * start services with {@link #retryOnPortConflict}, which takes new ports when that happens,
     * and wait with {@link #awaitPort}, which accepts only the service's own socket.
     */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /**
     * A port on 127.0.0.1 that nothing answers on until {@link NoListener#close}: it is bound here
     * without listening, so no other process can take it and a connection is refused.
     */
    public static NoListener portNobodyListensOn() {
        return new NoListener();
    }

    /** See {@link #portNobodyListensOn}. */
    public static final class NoListener implements AutoCloseable {
        private final Socket socket = new Socket();

        NoListener() {
            try {
                socket.bind(new InetSocketAddress("127.0.0.1", 0));
            } catch (IOException e) {
                throw new IllegalStateException("no port to bind", e);
            }
        }

        public int port() {
            return socket.getLocalPort();
        }

        /** http://127.0.0.1:port */
        public String url() {
            return "http://127.0.0.1:" + port();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    public static boolean portOpen(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            // a connect to a port of the ephemeral range that nobody listens on can be given that
            // same port as its
            // own and connect to itself (TCP simultaneous open): that is not a server
            return s.getLocalPort() != port;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The service could not have its port: it exited on a bind error, or another process listens
     * there.
     */
    public static final class PortConflict extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortConflict(String message) {
            super(message);
        }
    }

    /**
     * Starts a service with {@code start}, which takes its ports from {@link #freePort}, again with
     * new ports after a {@link PortConflict} (up to 5 attempts).
     */
    public static <T> T retryOnPortConflict(java.util.concurrent.Callable<T> start)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return start.call();
            } catch (PortConflict e) {
                if (attempt == 5) {
                    throw e;
                }
                System.err.println(e.getMessage() + "; trying other ports");
            }
        }
    }

    /**
     * Whether this process (or a process it started) has a socket listening on {@code port}: read
     * from /proc on Linux, so a port another process holds is never taken for the service's; where
     * there is no /proc, whether the port answers.
     */
    public boolean listensOn(int port) {
        Path[] tables = {Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")};
        if (!Files.isReadable(tables[0])) {
            return portOpen(port);
        }
        java.util.Set<String> sockets = new java.util.HashSet<>();
        for (Path table : tables) {
            try {
                for (String line : Files.readAllLines(table)) {
                    String[] f = line.trim().split("\\s+");
                    // sl local_address rem_address st ... inode; st 0A is LISTEN
                    if (f.length > 9
                            && f[1].contains(":")
                            && f[3].equals("0A")
                            && Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16)
                                    == port) {
                        sockets.add("socket:[" + f[9] + "]");
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no IPv6 table: nothing listens there
            }
        }
        if (sockets.isEmpty() || process == null) {
            return false;
        }
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(process.toHandle());
        process.descendants().forEach(tree::add);
        for (ProcessHandle h : tree) {
            try (java.util.stream.Stream<Path> fds =
                    Files.list(Path.of("/proc", Long.toString(h.pid()), "fd"))) {
                if (fds.anyMatch(
                        fd -> {
                            try {
                                return sockets.contains(Files.readSymbolicLink(fd).toString());
                            } catch (IOException e) {
                                return false; // closed meanwhile
                            }
                        })) {
                    return true;
                }
            } catch (IOException e) {
                // ended meanwhile
            }
        }
        return false;
    }

    public synchronized void start() throws IOException {
        Files.createDirectories(logFile.getParent());
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        process = pb.start();
        Process started = process;
        // whatever ends this JVM short of SIGKILL (Ctrl-C, System.exit, a failed test run) ends the
        // child too
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, name + "-stop"));
    }

    /**
     * Waits until the process itself listens on the port; fails with the log's tail if the process
     * dies first, with a {@link PortConflict} if it died on a bind error or another process listens
     * there.
     */
    public void awaitPort(int port, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String tail = tail();
                if (tail.matches("(?s).*(Address already in use|EADDRINUSE|BindException).*")) {
                    throw new PortConflict(
                            name
                                    + " could not bind port "
                                    + port
                                    + "; log "
                                    + logFile
                                    + ":\n"
                                    + tail);
                }
                throw new IllegalStateException(
                        name
                                + " exited with "
                                + process.exitValue()
                                + " before listening on "
                                + port
                                + "; log "
                                + logFile
                                + ":\n"
                                + tail());
            }
            if (portOpen(port) && listensOn(port)) {
                return;
            }
            Thread.sleep(100);
        }
        if (portOpen(port)) {
            throw new PortConflict(
                    "another process listens on " + port + ", not " + name + "; log " + logFile);
        }
        throw new IllegalStateException(
                name
                        + " did not listen on "
                        + port
                        + " within "
                        + timeout
                        + "; log "
                        + logFile
                        + ":\n"
                        + tail());
    }

    public String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: the service gets no chance to flush or shut down. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(15, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The classpath of the current JVM as a list of entries (surefire/failsafe publish the real
     * one).
     */
    public static String currentClasspath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isEmpty() ? cp : System.getProperty("java.class.path");
    }

    static List<String> jvm(
            String classpath, String mainClass, List<String> jvmArgs, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    static Path servicesDir() {
        return Path.of(
                System.getProperty(
                        "streamsync.services.dir", "target" + File.separator + "services"));
    }
}

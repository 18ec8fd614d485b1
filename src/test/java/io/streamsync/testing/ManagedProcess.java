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

    /** A port free on 127.0.0.1 right now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
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
     * Waits until the port accepts connections; fails with the log's tail if the process dies
     * first.
     */
    public void awaitPort(int port, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
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
            if (portOpen(port)) {
                return;
            }
            Thread.sleep(100);
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

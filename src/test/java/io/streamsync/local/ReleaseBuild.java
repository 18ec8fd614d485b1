package io.streamsync.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An earlier release of this project, built from its git tag beside the current build (under {@code
 * target/drill/<tag>}), so that an upgrade drill can run that release's own job, on its own Flink
 * version, in its own JVM. Needs git (the tag in this clone) and Maven; built once, then reused.
 */
final class ReleaseBuild {
    /** The commit of release 0.2.0 (tag v0.2.0), the last on Flink 1.20. */
    static final String V0_2_0_COMMIT = "a93bee3f009e8843f8765c98f66e2eb7d19615f9";

    private ReleaseBuild() {}

    private static boolean hasRef(String ref) throws IOException, InterruptedException {
        return new ProcessBuilder("git", "rev-parse", "--verify", "--quiet", ref + "^{commit}")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start()
                        .waitFor()
                == 0;
    }

    /** The classpath of the release's job and test classes (its {@link DrillJob} among them). */
    static String classpath(String tag) throws IOException, InterruptedException {
        Path dir = Path.of("target", "drill", tag).toAbsolutePath();
        Path cp = dir.resolve("classpath.txt");
        if (!Files.exists(cp)) {
            deleteTree(dir);
            Files.createDirectories(dir);
            // the tag, or the commit it names when the clone has no tags
            String ref = "v0.2.0".equals(tag) && !hasRef(tag) ? V0_2_0_COMMIT : tag;
            run(
                    Path.of("").toAbsolutePath(),
                    "bash",
                    "-c",
                    "git archive --format=tar " + ref + " | tar -x -C " + dir);
            List<String> mvn =
                    new ArrayList<>(
                            List.of(
                                    System.getProperty("maven.home", "").isEmpty()
                                            ? "mvn"
                                            : Path.of(
                                                            System.getProperty("maven.home"),
                                                            "bin",
                                                            "mvn")
                                                    .toString(),
                                    "-B",
                                    "-q",
                                    "-DskipServices=true",
                                    "test-compile",
                                    "dependency:build-classpath",
                                    "-Dmdep.includeScope=test",
                                    "-Dmdep.outputFile=" + cp));
            if (Boolean.getBoolean("streamsync.offline")) {
                mvn.add("-o");
            }
            run(dir, mvn.toArray(new String[0]));
        }
        return dir.resolve("target/classes")
                + java.io.File.pathSeparator
                + dir.resolve("target/test-classes")
                + java.io.File.pathSeparator
                + Files.readString(cp, StandardCharsets.UTF_8).trim();
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(
                    "failed (exit "
                            + p.exitValue()
                            + ") in "
                            + dir
                            + ": "
                            + String.join(" ", command));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

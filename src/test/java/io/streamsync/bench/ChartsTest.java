package io.streamsync.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The charts read only results files that git tracks: a stray run's file never reaches them. */
class ChartsTest {
    private static final String HEADER = "| parallelism | state | lists | floor events/s |";

    @Test
    void aChartIgnoresAnUntrackedResultsFile(@TempDir Path dir) throws Exception {
        git(dir, "init", "-q");
        // a committed results file, and a stray run's file that sorts before it
        Files.writeString(dir.resolve("RESULTS.md"), table("2 | hashmap | 10 | 100 | 50 | 0.50"));
        git(dir, "add", "RESULTS.md");
        git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "results");
        Files.writeString(dir.resolve("A-TRY.md"), table("2 | hashmap | 10 | 999 | 999 | 1.00"));

        List<List<String>> rows = Charts.findTable(dir, "RESULTS.md", HEADER);

        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).containsExactly("2", "hashmap", "10", "100", "50", "0.50");
        assertThat(Charts.isTracked(dir.resolve("RESULTS.md"))).isTrue();
        assertThat(Charts.isTracked(dir.resolve("A-TRY.md"))).isFalse();
    }

    @Test
    void theThroughputChartReadsRESULTSmdNotATableOfTheSameShapeElsewhere(@TempDir Path dir)
            throws Exception {
        git(dir, "init", "-q");
        // FLINK22.md has a "| parallelism | state | lists |" table of its own, and sorts first
        Files.writeString(dir.resolve("FLINK22.md"), table("2 | hashmap | 10 | 777 | 888 | 1.14"));
        Files.writeString(dir.resolve("RESULTS.md"), table("2 | hashmap | 10 | 100 | 50 | 0.50"));
        git(dir, "add", "FLINK22.md", "RESULTS.md");

        assertThat(Charts.findTable(dir, "RESULTS.md", HEADER).get(0)).contains("100", "50");
        Charts.draw(dir);
        assertThat(dir.resolve("throughput-vs-lists.png")).exists();
    }

    @Test
    void outsideAGitCheckoutNoResultsFileIsRead(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("RESULTS.md"), table("2 | hashmap | 10 | 100 | 50 | 0.50"));

        assertThat(Charts.findTable(dir, "RESULTS.md", HEADER)).isEmpty();
    }

    private static String table(String row) {
        return "# Benchmark results\n\n"
                + HEADER
                + " pipeline events/s | pipeline / floor |\n"
                + "|---|---|---|---|---|---|\n| "
                + row
                + " |\n";
    }

    private static void git(Path dir, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "git";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).inheritIO().start();
        assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
    }
}

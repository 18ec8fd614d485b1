package io.streamsync.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The results files' header: versions read from the running code, parameters as given. */
class ResultsHeaderTest {

    @Test
    void flinkVersionIsTheOneOnTheClasspath() {
        // the jar the runtime class came from names the version Maven resolved; the header must
        // agree with it (it once said 1.20.5 on the 2.2.1 build)
        String jar =
                org.apache.flink.runtime.util.EnvironmentInformation.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .getPath();
        String fromJar = jar.replaceAll(".*/flink-runtime-([0-9][^/]*)\\.jar$", "$1");
        assertThat(fromJar).matches("[0-9]+\\.[0-9]+\\.[0-9]+.*");

        assertThat(ResultsHeader.flink()).startsWith(fromJar + " ");
        assertThat(String.join("\n", ResultsHeader.begin("X.md").header()))
                .contains("| Flink | " + fromJar + " ");
    }

    @Test
    void theCommandNamesOnlyTheParametersGiven() {
        ResultsHeader h =
                ResultsHeader.begin("SCAN.md")
                        .param("streamsync.bench.only", "scan")
                        .param("streamsync.bench.scan.items", 50_000);

        assertThat(h.reproduce())
                .isEqualTo(
                        "mvn -o -Pbench -Dstreamsync.bench.only=scan"
                                + " -Dstreamsync.bench.scan.items=50000");
        assertThat(String.join("\n", h.header())).doesNotContain("bench.records");
    }

    @Test
    void rawNumbersKeepEveryRepetitionInOrder() {
        List<String> raw =
                ResultsHeader.begin("X.md").raw("case a", "events/s", 3, 1.5, 2).rawSection();

        assertThat(raw).contains("| case a | events/s | 3, 1.500, 2 |");
        assertThat(ResultsHeader.begin("Y.md").rawSection()).isEmpty();
    }

    @Test
    void theCommitIsReadFromGit() {
        String head = ResultsHeader.run("git", "rev-parse", "HEAD");
        assertThat(head).matches("[0-9a-f]{40}");
        assertThat(ResultsHeader.gitState()).startsWith("`" + head + "`");
    }
}

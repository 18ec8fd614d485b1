package io.streamsync.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    @Test
    void regenerateShRunsEveryPartOfEachResultsFile() throws Exception {
        // the script's file -> parts table must be Benchmarks.FILES: when SOURCE.md's rollover
        // section was made by a separate tool, regenerating SOURCE.md dropped it
        String script = Files.readString(Path.of("src/bench/regenerate.sh"));
        Map<String, List<String>> parts = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\[([A-Z0-9-]+\\.md)]=([a-z,]+)").matcher(script);
        while (m.find()) {
            parts.put(m.group(1), List.of(m.group(2).split(",")));
        }
        parts.remove("FLINK22.md"); // src/bench/baseline.sh, not a part of Benchmarks

        assertThat(parts).isEqualTo(Benchmarks.FILES);
        assertThat(Benchmarks.FILES.get("SOURCE.md")).contains("source", "rollover");
    }

    @Test
    void everyParameterAHeaderNamesIsPassedByTheBenchProfile() throws Exception {
        // a header's command says `mvn -Pbench -Dstreamsync.bench.X=...`; the profile starts the
        // benchmark JVM with only the -D arguments it lists, so a parameter it does not pass would
        // be silently ignored by the command that claims to reproduce the run
        String pom = Files.readString(Path.of("pom.xml"));
        TreeSet<String> passed = new TreeSet<>();
        Matcher a = Pattern.compile("<argument>-D(streamsync\\.bench\\.[a-z.]+)=").matcher(pom);
        while (a.find()) {
            passed.add(a.group(1));
        }
        TreeSet<String> named = new TreeSet<>();
        for (String source : List.of("Benchmarks.java", "SourceRollover.java", "Profile.java")) {
            String code = Files.readString(Path.of("src/test/java/io/streamsync/bench", source));
            Matcher p =
                    Pattern.compile("param\\(\\s*\"(streamsync\\.bench\\.[a-z.]+)\"").matcher(code);
            while (p.find()) {
                named.add(p.group(1));
            }
        }

        assertThat(named).contains("streamsync.bench.rollover.records");
        assertThat(passed).containsAll(named);
    }
}

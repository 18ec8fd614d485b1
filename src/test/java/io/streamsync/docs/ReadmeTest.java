package io.streamsync.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README stays a front door: short, with the two commands first, as written and as {@code
 * .ci/run} runs them; everything else belongs in the docs behind it.
 */
class ReadmeTest {

    private static final Path README = Path.of("README.md");

    @Test
    void theReadmeIsAFrontDoorOfAtMost200Lines() throws Exception {
        assertThat(Files.readAllLines(README, StandardCharsets.UTF_8))
                .as("README.md lines; move detail to src/site/markdown")
                .hasSizeLessThanOrEqualTo(200);
    }

    @Test
    void theTwoCommandsComeFirstAsCiRunsThem() throws Exception {
        List<String> blocks = fencedBlocks(Files.readString(README, StandardCharsets.UTF_8));
        assertThat(blocks).as("the README's first code blocks").hasSizeGreaterThanOrEqualTo(2);
        assertThat(blocks.subList(0, 2)).containsExactly("mvn -Plocal", "mvn verify");
        String ci = Files.readString(Path.of(".ci/run"), StandardCharsets.UTF_8);
        assertThat(ci).contains("\nmvn -B -ntp verify\n").contains("\nmvn -B -ntp -Plocal ");
    }

    private static List<String> fencedBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                if (block == null) {
                    block = new StringBuilder();
                } else {
                    blocks.add(block.toString().strip());
                    block = null;
                }
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        return blocks;
    }
}

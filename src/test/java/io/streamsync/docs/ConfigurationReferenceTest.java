package io.streamsync.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.config.ConfigKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The configuration reference is generated from {@link ConfigKey}: the page's table is exactly what
 * {@link ConfigurationReference} makes of the keys, so a key added, removed or changed in the code
 * without regenerating the page fails the build, with the command that regenerates it.
 */
class ConfigurationReferenceTest {

    private static final Path PAGE = Path.of(ConfigurationReference.PAGE);

    /**
     * With {@code -Dstreamsync.docs.regenerate=true}, the page is rewritten before the tests read
     * it.
     */
    @BeforeAll
    static void regenerateWhenAskedTo() throws Exception {
        if (Boolean.getBoolean("streamsync.docs.regenerate")) {
            ConfigurationReference.main(new String[0]);
        }
    }

    @Test
    void theConfigurationPageHoldsTheTableGeneratedFromConfigKey() throws Exception {
        String page = Files.readString(PAGE, StandardCharsets.UTF_8);
        String generated = ConfigurationReference.regenerate(page);
        assertThat(page)
                .as(
                        "%s's key table differs from ConfigKey: run %s to regenerate it, then commit the page",
                        PAGE, ConfigurationReference.REGENERATE)
                .isEqualTo(generated);
    }

    @Test
    void everyKeyHasOneRowWithItsDefaultAndMeaningInDeclarationOrder() throws Exception {
        String page = Files.readString(PAGE, StandardCharsets.UTF_8);
        Matcher row =
                Pattern.compile("(?m)^\\| `([^`]+)` \\| (\\*\\(empty\\)\\*|`[^`]*`) \\| (.*) \\|$")
                        .matcher(page);
        List<String> keys = new ArrayList<>();
        while (row.find()) {
            ConfigKey k = ConfigKey.byKey().get(row.group(1));
            assertThat(k)
                    .as("a row names a key that ConfigKey does not have: %s", row.group(1))
                    .isNotNull();
            String dflt =
                    row.group(2).equals("*(empty)*")
                            ? ""
                            : row.group(2).substring(1, row.group(2).length() - 1);
            assertThat(dflt).as("default of %s", k.key()).isEqualTo(k.defaultValue());
            assertThat(row.group(3).replace("\\|", "|").replace("\\\\", "\\"))
                    .as("meaning of %s", k.key())
                    .isEqualTo(k.description());
            keys.add(row.group(1));
        }
        assertThat(keys).containsExactlyElementsOf(ConfigKey.byKey().keySet());
    }

    @Test
    void aPipeOrALineBreakInAMeaningCannotBreakTheTable() {
        assertThat(ConfigurationReference.cell("a|b\nc\\d")).isEqualTo("a\\|b c\\\\d");
    }

    @Test
    void aPageWithoutItsMarkersIsRefusedNamingThem() {
        assertThatThrownBy(() -> ConfigurationReference.regenerate("# Configuration\n\nno table\n"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("<!-- BEGIN GENERATED from ConfigKey");
        String twice =
                ConfigurationReference.BEGIN
                        + "\n"
                        + ConfigurationReference.END
                        + "\n"
                        + ConfigurationReference.BEGIN
                        + "\n"
                        + ConfigurationReference.END
                        + "\n";
        assertThatThrownBy(() -> ConfigurationReference.regenerate(twice))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void regeneratingKeepsTheHandWrittenTextAroundTheTable() {
        String page =
                "# Configuration\n\nbefore\n\n"
                        + ConfigurationReference.BEGIN
                        + "\n| stale |\n"
                        + ConfigurationReference.END
                        + "\n\nafter\n";
        String generated = ConfigurationReference.regenerate(page);
        assertThat(generated)
                .startsWith(
                        "# Configuration\n\nbefore\n\n"
                                + ConfigurationReference.BEGIN
                                + "\n| key |")
                .endsWith(ConfigurationReference.END + "\n\nafter\n")
                .doesNotContain("| stale |")
                .contains("| `job.name` | `streamsync` | Name of the Flink job. |");
        assertThat(ConfigurationReference.regenerate(generated)).isEqualTo(generated);
    }
}

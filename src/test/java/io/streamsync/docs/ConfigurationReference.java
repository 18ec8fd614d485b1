package io.streamsync.docs;

import io.streamsync.config.ConfigKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Generates the key table of the configuration reference ({@value #PAGE}) from {@link ConfigKey},
 * the one list of keys, defaults and meanings the job reads. The table sits between two markers in
 * the page; everything around it is written by hand. {@link ConfigurationReferenceTest} fails when
 * the page's table is not what this class generates, so the reference cannot drift from the code.
 * To regenerate after adding or changing a key: {@value #REGENERATE}.
 */
public final class ConfigurationReference {

    /** The page, relative to the project directory (where Maven runs the tests). */
    public static final String PAGE = "src/site/markdown/configuration.md";

    /** The command that rewrites the generated table in {@link #PAGE}. */
    public static final String REGENERATE =
            "mvn test -Dtest=ConfigurationReferenceTest -Dstreamsync.docs.regenerate=true";

    static final String BEGIN =
            "<!-- BEGIN GENERATED from ConfigKey by io.streamsync.docs.ConfigurationReference:"
                    + " do not edit; regenerate with "
                    + REGENERATE
                    + " -->";
    static final String END = "<!-- END GENERATED -->";

    private ConfigurationReference() {}

    /** The table of every key in declaration order: key, default, meaning. */
    public static String table() {
        StringBuilder b = new StringBuilder();
        b.append("| key | default | meaning |\n|---|---|---|\n");
        for (ConfigKey k : ConfigKey.values()) {
            b.append("| `")
                    .append(k.key())
                    .append("` | ")
                    .append(
                            k.defaultValue().isEmpty()
                                    ? "*(empty)*"
                                    : "`" + k.defaultValue().replace("|", "\\|") + "`")
                    .append(" | ")
                    .append(cell(k.description()))
                    .append(" |\n");
        }
        return b.toString();
    }

    /**
     * A table cell: pipes escaped and line breaks folded, so that a description cannot break the
     * table.
     */
    static String cell(String text) {
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    /** The page with the text between its markers replaced by {@link #table()}. */
    public static String regenerate(String page) {
        int begin = page.indexOf(BEGIN);
        int end = page.indexOf(END);
        if (begin < 0
                || end < begin
                || page.indexOf(BEGIN, begin + 1) >= 0
                || page.indexOf(END, end + 1) >= 0) {
            throw new IllegalStateException(
                    PAGE
                            + " must hold the marker line '"
                            + BEGIN
                            + "' once, followed by '"
                            + END
                            + "' once");
        }
        return page.substring(0, begin + BEGIN.length()) + "\n" + table() + page.substring(end);
    }

    /** Rewrites the table in {@link #PAGE} (arguments: none, or the project directory). */
    public static void main(String[] args) throws IOException {
        Path page = Path.of(args.length > 0 ? args[0] : ".").resolve(PAGE);
        String text = Files.readString(page, StandardCharsets.UTF_8);
        Files.writeString(page, regenerate(text), StandardCharsets.UTF_8);
    }
}

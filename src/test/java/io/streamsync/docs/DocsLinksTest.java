package io.streamsync.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every link of the README and of the user docs under {@code src/site/markdown} leads somewhere: a
 * page or a repository file that exists, and, with a {@code #fragment}, a heading (as GitHub makes
 * its anchor) or an explicit {@code <a id>} of that page. Every page is reachable from the README.
 * Links to other sites are not fetched (the build runs offline); they must at least be https.
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path README = ROOT.resolve("README.md");
    private static final Path DOCS = ROOT.resolve("src/site/markdown");

    /** Inline links and images: [text](target) or [text](target "title"). */
    private static final Pattern INLINE =
            Pattern.compile(
                    "!?\\[((?:[^\\[\\]]|\\[[^\\]]*\\])*)\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");

    /** Reference definitions: [label]: target */
    private static final Pattern DEFINITION =
            Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s+\"[^\"]*\")?\\s*$");

    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern EXPLICIT_ANCHOR =
            Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");

    @Test
    void everyLinkOfTheReadmeAndTheDocsLeadsToAFileOrHeadingThatExists() {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages()) {
            for (String target : links(read(page))) {
                checked++;
                String problem = problem(page, target);
                if (problem != null) {
                    broken.add(ROOT.relativize(page) + ": (" + target + ") " + problem);
                }
            }
        }
        assertThat(checked).as("links checked").isGreaterThan(100);
        assertThat(broken).as("broken links").isEmpty();
    }

    @Test
    void everyDocsPageIsReachableFromTheReadme() {
        Set<Path> reached = new LinkedHashSet<>();
        List<Path> todo = new ArrayList<>(List.of(README.normalize()));
        while (!todo.isEmpty()) {
            Path page = todo.remove(todo.size() - 1);
            if (!reached.add(page)) {
                continue;
            }
            for (String target : links(read(page))) {
                Path file = fileOf(page, target);
                if (file != null && file.toString().endsWith(".md") && Files.isRegularFile(file)) {
                    todo.add(file);
                }
            }
        }
        assertThat(reached)
                .as("pages reached from README.md by links")
                .containsAll(pages().stream().map(Path::normalize).collect(Collectors.toList()));
    }

    /**
     * Every test the docs cite as evidence ({@code SomeTest.someMethod}, {@code SomeITCase.method})
     * exists: a renamed test leaves no claim pointing at nothing.
     */
    @Test
    void everyTestTheDocsCiteExists() throws java.io.IOException {
        Pattern cited =
                Pattern.compile("\\b([A-Z][A-Za-z0-9]+(?:Test|ITCase))\\.([a-z][A-Za-z0-9]+)");
        java.util.List<Path> pages = new java.util.ArrayList<>(java.util.List.of(README));
        try (java.util.stream.Stream<Path> s = Files.list(DOCS)) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        java.util.Map<String, String> sources = new java.util.HashMap<>();
        try (java.util.stream.Stream<Path> s = Files.walk(ROOT.resolve("src/test/java"))) {
            s.filter(p -> p.toString().endsWith(".java"))
                    .forEach(
                            p ->
                                    sources.put(
                                            p.getFileName().toString().replace(".java", ""),
                                            read(p)));
        }
        java.util.List<String> missing = new java.util.ArrayList<>();
        int citations = 0;
        for (Path page : pages) {
            java.util.regex.Matcher m = cited.matcher(read(page));
            while (m.find()) {
                citations++;
                String source = sources.get(m.group(1));
                if (source == null
                        || !Pattern.compile("\\b" + m.group(2) + "\\b").matcher(source).find()) {
                    missing.add(ROOT.relativize(page) + ": " + m.group());
                }
            }
        }
        assertThat(missing).as("tests the docs cite that do not exist").isEmpty();
        assertThat(citations).as("test citations found").isGreaterThan(10);
    }

    @Test
    void theCheckerFindsBrokenLinksAndAnchorsAndSkipsCode() {
        Path page = DOCS.resolve("index.md");
        assertThat(problem(page, "windows.md#windows")).isNull();
        assertThat(problem(page, "windows.md#no-such-heading")).contains("no heading");
        assertThat(problem(page, "no-such-page.md")).contains("no such file");
        assertThat(problem(page, "../../../pom.xml")).isNull();
        assertThat(problem(page, "../../../../outside.md")).contains("outside the repository");
        assertThat(problem(page, "http://example.org/")).contains("https");
        assertThat(
                        links(
                                "a [link](one.md) `[not](two.md)`\n```\n[not](three.md)\n```\n[x]: four.md\n"))
                .containsExactly("one.md", "four.md");
        assertThat(
                        anchors(
                                "# Sources: DynamoDB Streams or Kinesis\n## `a.b` and **c**, d!\n## Tests\n## Tests\n"
                                        + "<a id=\"custom\"></a>\n"))
                .containsExactlyInAnyOrder(
                        "sources-dynamodb-streams-or-kinesis",
                        "ab-and-c-d",
                        "tests",
                        "tests-1",
                        "custom");
    }

    /** README.md and every page under src/site/markdown. */
    static List<Path> pages() {
        try (Stream<Path> s = Files.walk(DOCS)) {
            List<Path> all = new ArrayList<>(List.of(README));
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(all::add);
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What is wrong with a link of a page, or null. */
    static String problem(Path page, String target) {
        if (target.isEmpty()) {
            return "empty target";
        }
        if (target.startsWith("http://")) {
            return "links to other sites must be https";
        }
        if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return target.startsWith("https://") || target.startsWith("mailto:")
                    ? null
                    : "unknown scheme";
        }
        Path file = fileOf(page, target);
        if (!file.startsWith(ROOT)) {
            return "outside the repository";
        }
        if (!Files.exists(file)) {
            return "no such file: " + ROOT.relativize(file);
        }
        int hash = target.indexOf('#');
        if (hash >= 0) {
            String anchor = URLDecoder.decode(target.substring(hash + 1), StandardCharsets.UTF_8);
            if (!file.toString().endsWith(".md") || Files.isDirectory(file)) {
                return "an anchor into a file that is not a Markdown page";
            }
            Set<String> anchors = anchors(read(file));
            if (!anchors.contains(anchor)) {
                return "no heading with anchor '"
                        + anchor
                        + "' in "
                        + ROOT.relativize(file)
                        + " (anchors: "
                        + anchors
                        + ")";
            }
        }
        return null;
    }

    /** The file a relative link points to (the page itself for a bare #fragment). */
    static Path fileOf(Path page, String target) {
        if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return null;
        }
        int hash = target.indexOf('#');
        String path =
                URLDecoder.decode(
                        hash >= 0 ? target.substring(0, hash) : target, StandardCharsets.UTF_8);
        return path.isEmpty() ? page.normalize() : page.getParent().resolve(path).normalize();
    }

    /** The targets of a page's links, outside fenced code blocks and code spans. */
    static List<String> links(String markdown) {
        String text = withoutCode(markdown);
        List<String> targets = new ArrayList<>();
        Matcher m = INLINE.matcher(text);
        while (m.find()) {
            targets.add(m.group(2));
        }
        Matcher d = DEFINITION.matcher(text);
        while (d.find()) {
            targets.add(d.group(1));
        }
        return targets;
    }

    /**
     * The anchors of a page: its headings' as GitHub makes them (duplicates numbered) and explicit
     * ids.
     */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new TreeMap<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                String slug = slug(h.group(2));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
            Matcher a = EXPLICIT_ANCHOR.matcher(line);
            while (a.find()) {
                anchors.add(a.group(1));
            }
        }
        return anchors;
    }

    /**
     * GitHub's heading anchor: link text kept, lower case, punctuation dropped, spaces as hyphens.
     */
    static String slug(String heading) {
        String text =
                heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1").replaceAll("<[^>]+>", "");
        return text.toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N}\\p{M} _-]", "")
                .replace(' ', '-');
    }

    private static String withoutCode(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                out.append('\n');
                continue;
            }
            out.append(fenced ? "" : line.replaceAll("(`+)(?:(?!\\1).)+?\\1", "")).append('\n');
        }
        return out.toString();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

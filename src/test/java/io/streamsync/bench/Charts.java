package io.streamsync.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Draws the charts of the benchmark results from the Markdown tables the benchmarks wrote (so a
 * chart always shows the numbers of a results file, never numbers of its own): throughput against
 * the number of lists from the pipeline table, latency percentiles from the latency table.
 */
public final class Charts {
    private Charts() {}

    /**
     * Draws every chart whose table is found in {@code dir}'s Markdown files; returns the images
     * written.
     */
    public static List<Path> draw(Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Path> written = new ArrayList<>();
        List<List<String>> pipeline =
                findTable(dir, "RESULTS.md", "| parallelism | state | lists | floor events/s |");
        if (!pipeline.isEmpty()) {
            DefaultCategoryDataset data = new DefaultCategoryDataset();
            for (List<String> row : pipeline) {
                if (row.get(0).equals("2")) { // the key-space sweep runs at parallelism 2
                    String lists = row.get(2);
                    data.addValue(
                            leadingNumber(row.get(3)),
                            "floor (source -> discard), " + row.get(1),
                            lists);
                    data.addValue(
                            leadingNumber(row.get(4)), "pipeline, " + row.get(1) + " state", lists);
                }
            }
            written.add(
                    save(
                            ChartFactory.createBarChart(
                                    "Pipeline throughput vs number of lists (parallelism 2, median)",
                                    "distinct lists (keys)",
                                    "events/s",
                                    data,
                                    PlotOrientation.VERTICAL,
                                    true,
                                    false,
                                    false),
                            dir.resolve("throughput-vs-lists.png")));
        }
        List<List<String>> latency =
                findTable(dir, "LATENCY-RECOVERY.md", "| output | p50 ms | p95 ms | p99 ms |");
        if (!latency.isEmpty()) {
            DefaultCategoryDataset data = new DefaultCategoryDataset();
            for (List<String> row : latency) {
                String output =
                        row.get(0)
                                .replaceFirst(" \\(.*\\)", "")
                                .replace("aggregate document, ", "document, ");
                data.addValue(leadingNumber(row.get(1)), "p50", output);
                data.addValue(leadingNumber(row.get(2)), "p95", output);
                data.addValue(leadingNumber(row.get(3)), "p99", output);
            }
            written.add(
                    save(
                            ChartFactory.createBarChart(
                                    "End-to-end latency, 1 s window, checkpoints every 1 s (ms after the write)",
                                    "output",
                                    "ms",
                                    data,
                                    PlotOrientation.VERTICAL,
                                    true,
                                    false,
                                    false),
                            dir.resolve("latency.png")));
        }
        return written;
    }

    private static Path save(JFreeChart chart, Path file) throws IOException {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getCategoryPlot().getDomainAxis().setMaximumCategoryLabelLines(2);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 560);
        System.out.println("chart: " + file);
        return file;
    }

    /**
     * The body rows (cells trimmed) of the first table in {@code dir}'s results file {@code file},
     * if git tracks it, whose header starts with {@code header}.
     */
    static List<List<String>> findTable(Path dir, String file, String header) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path f : trackedResults(dir)) {
            if (f.getFileName().toString().equals(file)) {
                files.add(f); // a table of the same shape in another file (FLINK22.md) is not this
                // one
            }
        }
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith(header)) {
                    List<List<String>> rows = new ArrayList<>();
                    for (int j = i + 2; j < lines.size() && lines.get(j).startsWith("|"); j++) {
                        List<String> cells = new ArrayList<>();
                        for (String cell :
                                lines.get(j)
                                        .substring(1, lines.get(j).length() - 1)
                                        .split("\\|", -1)) {
                            cells.add(cell.trim());
                        }
                        rows.add(cells);
                    }
                    return rows;
                }
            }
        }
        return List.of();
    }

    /**
     * The .md files of {@code dir} that git tracks, sorted: a results file a stray run left
     * untracked (e.g. with {@code -Dstreamsync.bench.out=try.md}) never reaches a chart. Outside a
     * git checkout (or without git) there are none, and no chart is drawn.
     */
    static List<Path> trackedResults(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.filter(p -> p.toString().endsWith(".md"))
                    .filter(Charts::isTracked)
                    .sorted()
                    .forEach(files::add);
        }
        return files;
    }

    /** Whether git tracks {@code file} (it was committed, or added to the index). */
    static boolean isTracked(Path file) {
        Path abs = file.toAbsolutePath();
        try {
            Process p =
                    new ProcessBuilder(
                                    "git",
                                    "ls-files",
                                    "--error-unmatch",
                                    abs.getFileName().toString())
                            .directory(abs.getParent().toFile())
                            .redirectErrorStream(true)
                            .start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** "19,106 (18,388-19,156)" -> 19106. */
    static double leadingNumber(String cell) {
        String n = cell.replace(",", "").replaceFirst("^\\**([0-9.]+).*$", "$1");
        return Double.parseDouble(n);
    }

    public static void main(String[] args) throws IOException {
        draw(Path.of(args.length > 0 ? args[0] : "src/bench"));
    }
}

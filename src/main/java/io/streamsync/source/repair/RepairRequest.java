package io.streamsync.source.repair;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A repair request, the value of {@code repair.request}: {@code none}; {@code ID=LIST[,LIST...]}
 * (the lists named, by partition-key value as the job renders it); or {@code ID=drifted:PATH}
 * (every list a reconciliation report at PATH names as drifted: its per-list lines with {@code
 * "verdict":"drift"}). The id names the request: the job carries out a request once (the repair
 * source keeps the ids it has done in its state), so a new repair needs a new id. Plain Java.
 */
public final class RepairRequest implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final String DRIFTED = "drifted:";

    /** The request's id. */
    public final String id;

    /** The lists named (empty when {@link #reportPath} is set). */
    public final List<String> lists;

    /** The report whose drifted lists are to be repaired; null: {@link #lists}. */
    public final String reportPath;

    private RepairRequest(String id, List<String> lists, String reportPath) {
        this.id = id;
        this.lists = Collections.unmodifiableList(new ArrayList<>(lists));
        this.reportPath = reportPath;
    }

    /**
     * The request {@code value} says; null for {@code none} (or empty).
     *
     * @throws IllegalArgumentException with what is wrong, for a value of another form
     */
    public static RepairRequest parse(String value) {
        String v = value == null ? "" : value.trim();
        if (v.isEmpty() || v.equals("none")) {
            return null;
        }
        int eq = v.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException(
                    "expected none, ID=LIST[,LIST...] or ID=drifted:PATH, got '" + v + "'");
        }
        String id = v.substring(0, eq).trim();
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    "the request id '" + id + "' is not 1-64 of A-Z a-z 0-9 _ . -");
        }
        String rest = v.substring(eq + 1).trim();
        if (rest.startsWith(DRIFTED)) {
            String path = rest.substring(DRIFTED.length()).trim();
            if (path.isEmpty()) {
                throw new IllegalArgumentException("drifted: needs the report's path");
            }
            return new RepairRequest(id, List.of(), path);
        }
        LinkedHashSet<String> lists = new LinkedHashSet<>();
        for (String l : rest.split(",")) {
            if (!l.trim().isEmpty()) {
                lists.add(l.trim());
            }
        }
        if (lists.isEmpty()) {
            throw new IllegalArgumentException("request '" + id + "' names no list");
        }
        return new RepairRequest(id, new ArrayList<>(lists), null);
    }

    /** The longest line of a report that is read (a report's lines are far shorter). */
    static final int MAX_LINE_CHARS = 4 << 20;

    /** {@link #driftedLists(Reader)} of a report's text. */
    public static List<String> driftedLists(String reportText) throws IOException {
        return driftedLists(new StringReader(reportText));
    }

    /**
     * The lists a reconciliation report names as drifted: every per-list line with {@code
     * "verdict":"drift"} (not the summary's {@code drifted}, which holds at most the first 100).
     * Read line by line: only the drifted list ids are kept, and one line at a time (at most
     * {@value #MAX_LINE_CHARS} characters). The summary line (the line with {@code "summary":true})
     * must be there: a report without it is incomplete.
     *
     * @throws IOException when the report cannot be read, a line is not a JSON object (naming the
     *     line), or it has no summary line
     */
    public static List<String> driftedLists(Reader report) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        LinkedHashSet<String> lists = new LinkedHashSet<>();
        boolean summary = false;
        BufferedReader in =
                report instanceof BufferedReader
                        ? (BufferedReader) report
                        : new BufferedReader(report);
        StringBuilder line = new StringBuilder();
        for (long n = 1; readLine(in, line, n); n++) {
            if (line.toString().isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = mapper.readTree(line.toString());
            } catch (JsonProcessingException e) {
                throw new IOException("line " + n + " is not JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new IOException("line " + n + " is not a JSON object");
            }
            if (node.path("summary").asBoolean(false)) {
                summary = true;
            } else if ("drift".equals(node.path("verdict").asText()) && node.hasNonNull("list")) {
                lists.add(node.path("list").asText());
            }
        }
        if (!summary) {
            throw new IOException("no summary line in the report");
        }
        return new ArrayList<>(lists);
    }

    /** Reads the next line into {@code line}; false at the end of the report. */
    private static boolean readLine(BufferedReader in, StringBuilder line, long n)
            throws IOException {
        line.setLength(0);
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (line.length() == MAX_LINE_CHARS) {
                throw new IOException(
                        "line " + n + " is longer than " + MAX_LINE_CHARS + " characters");
            }
            line.append((char) c);
        }
        return c != -1 || line.length() > 0;
    }

    @Override
    public String toString() {
        return id + "=" + (reportPath != null ? DRIFTED + reportPath : String.join(",", lists));
    }
}

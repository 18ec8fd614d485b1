package io.streamsync.reconcile;

import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import java.io.Serializable;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code reconcile.*} keys, read from the job's effective configuration ({@link
 * JobConfig#describe()}: the same file or application properties as the job).
 */
public final class ReconcileSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What the jar runs. */
    public enum Mode {
        NONE,
        REPORT
    }

    public final Mode mode;
    public final double readUnitsPerSecond;
    public final int segments;
    public final Duration margin;

    /** Time between the end of the first look and the start of the second. */
    public final Duration settle;

    /** Empty: the log. */
    public final String outputPath;

    public final Duration metricsHold;

    private ReconcileSettings(
            Mode mode,
            double readUnitsPerSecond,
            int segments,
            Duration margin,
            Duration settle,
            String outputPath,
            Duration metricsHold) {
        this.mode = mode;
        this.readUnitsPerSecond = readUnitsPerSecond;
        this.segments = segments;
        this.margin = margin;
        this.settle = settle;
        this.outputPath = outputPath;
        this.metricsHold = metricsHold;
    }

    public static ReconcileSettings of(JobConfig c) {
        Map<String, String> v = c.describe();
        Mode mode;
        String m = v.get(ConfigKey.RECONCILE_MODE.key()).toUpperCase(Locale.ROOT);
        try {
            mode = Mode.valueOf(m);
        } catch (IllegalArgumentException e) {
            throw bad(ConfigKey.RECONCILE_MODE, m, "none or report");
        }
        double units = decimal(v, ConfigKey.RECONCILE_READ_UNITS_PER_SECOND);
        long segments = whole(v, ConfigKey.RECONCILE_SCAN_SEGMENTS);
        if (segments < 1 || segments > 1000) {
            throw bad(ConfigKey.RECONCILE_SCAN_SEGMENTS, Long.toString(segments), "1 to 1000");
        }
        Duration margin = Duration.ofMillis(whole(v, ConfigKey.RECONCILE_MARGIN_MS));
        long settleMs = whole(v, ConfigKey.RECONCILE_SETTLE_MS);
        Duration settle =
                settleMs > 0
                        ? Duration.ofMillis(settleMs)
                        : defaultSettle(c.windowSize, c.checkpointInterval, margin);
        return new ReconcileSettings(
                mode,
                units,
                (int) segments,
                margin,
                settle,
                v.get(ConfigKey.RECONCILE_OUTPUT_PATH.key()),
                Duration.ofMillis(whole(v, ConfigKey.RECONCILE_METRICS_HOLD_MS)));
    }

    /**
     * The default wait of the second look: a change is in every output at most one window (the
     * emission delay of a list's row and document), one checkpoint interval (outputs are published
     * when a checkpoint completes) and the margin (the job's stream lag and the publication) after
     * it was made.
     */
    static Duration defaultSettle(Duration window, Duration checkpointInterval, Duration margin) {
        return window.plus(checkpointInterval).plus(margin);
    }

    private static long whole(Map<String, String> v, ConfigKey k) {
        String s = v.get(k.key());
        try {
            long n = Long.parseLong(s);
            if (n < 0) {
                throw bad(k, s, "a whole number >= 0");
            }
            return n;
        } catch (NumberFormatException e) {
            throw bad(k, s, "a whole number >= 0");
        }
    }

    private static double decimal(Map<String, String> v, ConfigKey k) {
        String s = v.get(k.key());
        try {
            double d = Double.parseDouble(s);
            if (!(d >= 0) || Double.isInfinite(d)) {
                throw bad(k, s, "a number >= 0");
            }
            return d;
        } catch (NumberFormatException e) {
            throw bad(k, s, "a number >= 0");
        }
    }

    private static ConfigException bad(ConfigKey k, String value, String expected) {
        return new ConfigException(
                "config key '" + k.key() + "': bad value '" + value + "', expected " + expected);
    }
}

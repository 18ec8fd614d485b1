package io.streamsync.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Loads the flat key/value configuration from a properties file (local runs) or from the
 * application properties of Managed Service for Apache Flink. Both give the same keys: on MSF the
 * property group id is the key's prefix (group {@code source}, key {@code table.name} = {@code
 * source.table.name}).
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** What the job reads, by its arguments. */
    public static final String USAGE =
            "usage: streamsync [--config FILE] (no arguments: the application properties of"
                    + " Managed Service for Apache Flink; --config FILE: a properties file)";

    /**
     * The job's arguments: none reads the application properties of Managed Service for Apache
     * Flink, {@code --config FILE} reads a properties file; anything else is a usage error (it must
     * not fall back to the runtime's properties silently).
     */
    public static JobConfig fromArguments(String[] args) {
        if (args.length == 0) {
            return JobConfig.fromManagedFlink(fromManagedFlinkRuntime(), runtimeRegion());
        }
        if (args.length == 2 && "--config".equals(args[0]) && !args[1].isBlank()) {
            return JobConfig.from(fromFile(Path.of(args[1])), Secret.Origin.file(Path.of(args[1])));
        }
        throw new ConfigException(
                "unexpected arguments " + java.util.Arrays.toString(args) + "; " + USAGE);
    }

    /**
     * The region the job runs in, by the AWS SDK's region chain (environment, system property,
     * instance data); null if none.
     */
    static String runtimeRegion() {
        try {
            return new software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain()
                    .getRegion()
                    .id();
        } catch (RuntimeException e) {
            return null;
        }
    }

    public static Map<String, String> fromFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file.toAbsolutePath() + " does not exist");
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new ConfigException(
                    "cannot read config file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        return toMap(p);
    }

    /** Flattens MSF property groups: each group id becomes the prefix of its keys. */
    public static Map<String, String> fromPropertyGroups(Map<String, Properties> groups) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Properties> group : groups.entrySet()) {
            for (String name : group.getValue().stringPropertyNames()) {
                String key = group.getKey() + "." + name;
                if (out.put(key, group.getValue().getProperty(name)) != null) {
                    throw new ConfigException(
                            "config key '" + key + "' is given twice in the property groups");
                }
            }
        }
        return out;
    }

    /** Reads the application properties on Managed Service for Apache Flink. */
    public static Map<String, String> fromManagedFlinkRuntime() {
        try {
            return fromPropertyGroups(
                    com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime
                            .getApplicationProperties());
        } catch (IOException e) {
            throw new ConfigException(
                    "cannot read the application properties of Managed Service for Apache Flink: "
                            + e.getMessage(),
                    e);
        }
    }

    private static Map<String, String> toMap(Properties p) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            out.put(name, p.getProperty(name));
        }
        return out;
    }
}

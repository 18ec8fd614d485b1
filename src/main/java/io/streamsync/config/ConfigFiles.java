package io.streamsync.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a file named by a config key: {@code classpath:NAME} (a resource of the job jar: the way to
 * ship a file to Managed Service for Apache Flink), a {@code file:} URI, or a plain path.
 */
public final class ConfigFiles {
    private ConfigFiles() {}

    public static byte[] read(ConfigKey key, String location) {
        try {
            if (location.startsWith("classpath:")) {
                String name = location.substring("classpath:".length());
                try (InputStream in =
                        ConfigFiles.class
                                .getClassLoader()
                                .getResourceAsStream(
                                        name.startsWith("/") ? name.substring(1) : name)) {
                    if (in == null) {
                        throw new ConfigException(
                                "config key '"
                                        + key.key()
                                        + "': no resource '"
                                        + name
                                        + "' in the job jar");
                    }
                    return in.readAllBytes();
                }
            }
            Path path =
                    location.startsWith("file:")
                            ? Path.of(URI.create(location))
                            : Path.of(location);
            return Files.readAllBytes(path);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(
                    "config key '" + key.key() + "': cannot read '" + location + "': " + e, e);
        }
    }
}

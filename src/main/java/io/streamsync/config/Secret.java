package io.streamsync.config;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The value of a secret configuration key ({@link ConfigKey#secret()}), which never travels with
 * the job: the value is transient, so a serialized job graph (and the blob storage that holds it),
 * a checkpoint or a {@code toString()} never contains it.
 *
 * <p>A copy deserialized elsewhere finds the value again where the configuration came from: first
 * in this JVM (the job was built here: a local run or a test on a MiniCluster, the JobManager in
 * application mode), else by reading the same source again on the machine the copy runs on: the
 * {@code --config} file at the same absolute path, or the application properties of Managed Service
 * for Apache Flink. A configuration built in code (a test) has no such source: its secret is only
 * available in the JVM that built it.
 */
public final class Secret implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Values of the secrets made in this JVM, by handle; only the handle is serialized. */
    private static final Map<String, String> MADE_HERE = new ConcurrentHashMap<>();

    /** Where a configuration came from, so a deserialized secret can be read again there. */
    public static final class Origin implements Serializable {
        private static final long serialVersionUID = 1L;

        /** Built in code: nothing to read again. */
        public static final Origin CODE = new Origin("code", null);

        /** The application properties of Managed Service for Apache Flink. */
        public static final Origin MANAGED_FLINK = new Origin("msf", null);

        final String kind;
        final String file;

        private Origin(String kind, String file) {
            this.kind = kind;
            this.file = file;
        }

        /** A properties file ({@code --config FILE}), by its absolute path. */
        public static Origin file(Path file) {
            return new Origin("file", file.toAbsolutePath().normalize().toString());
        }

        @Override
        public String toString() {
            return "file".equals(kind)
                    ? "the config file " + file
                    : "code".equals(kind) ? "code" : "the MSF application properties";
        }
    }

    private final ConfigKey key;
    private final Origin origin;
    private final String handle;

    /** Whether the key has a value at all (not secret). */
    private final boolean set;

    private transient volatile String value;

    Secret(ConfigKey key, String value, Origin origin) {
        this.key = key;
        this.origin = origin;
        this.value = value;
        this.handle = UUID.randomUUID().toString();
        this.set = !value.isEmpty();
        if (set) {
            MADE_HERE.put(handle, value);
        }
    }

    /**
     * The value ("" when the key is not set). Fails with a ConfigException naming the key when it
     * cannot be found here.
     */
    public String value() {
        String v = value;
        if (v == null && !set) {
            v = "";
        } else if (v == null) {
            v = find();
            value = v;
        }
        return v;
    }

    public boolean isEmpty() {
        return !set;
    }

    private String find() {
        String here = MADE_HERE.get(handle);
        if (here != null) {
            return here;
        }
        Map<String, String> source;
        if ("file".equals(origin.kind)) {
            source = ConfigLoader.fromFile(Path.of(origin.file));
        } else if ("msf".equals(origin.kind)) {
            source = ConfigLoader.fromManagedFlinkRuntime();
        } else {
            throw new ConfigException(
                    "config key '"
                            + key.key()
                            + "' is a secret, and secrets do not travel with the job: it"
                            + " was set in code, in another JVM. Give it in a --config file that exists at the same path on every"
                            + " machine, or use aws.credentials.provider AUTO (the role or environment of each machine)");
        }
        String v = source.get(key.key());
        if (v == null || v.isBlank()) {
            throw new ConfigException(
                    "config key '"
                            + key.key()
                            + "' is a secret, and secrets do not travel with the job: it"
                            + " is not set in "
                            + origin
                            + " as read on this machine");
        }
        return v.trim();
    }

    /**
     * Forgets that this value was made in this JVM, so a test can play a JVM that only received the
     * job (a task manager).
     */
    void forgetHere() {
        MADE_HERE.remove(handle);
    }

    @Override
    public String toString() {
        return "****";
    }
}

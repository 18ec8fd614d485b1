package io.streamsync.source.repair;

import io.streamsync.aws.AwsSettings;
import io.streamsync.change.KeySchema;
import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import io.streamsync.filter.EventFilter;
import java.io.Serializable;
import java.util.Map;

/**
 * The settings of the repair source, narrowed from the {@link JobConfig} ({@code repair.*}, the
 * source table, the key schema, the event filter): what its enumerator and reader carry to the
 * cluster.
 */
public final class RepairSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public final AwsSettings aws;
    public final String tableName;
    public final KeySchema keySchema;

    /**
     * {@code source.max.record.bytes}: an item whose change record is larger is a dead letter in
     * the job, and in no repair.
     */
    public final int maxRecordBytes;

    /** The job's event filter, or null: items it leaves out are expected in no output. */
    public final EventFilter filter;

    /** The configured request, or null ({@code none}). */
    public final RepairRequest request;

    /**
     * Subtracted from the time the Query of a list starts to give the read time r (ms): the
     * DynamoDB Streams creation time is rounded down to the second, and clocks differ.
     */
    public final long readMarginMs;

    /** The least repair.read.margin.ms: the second DynamoDB Streams rounds creation times to. */
    static final long MIN_READ_MARGIN_MS = 1000;

    /**
     * How often a {@code drifted:} report that cannot be read is read again (ms, {@value
     * #MIN_REPORT_RETRY_MS} to {@value #MAX_REPORT_RETRY_MS}).
     */
    public final long reportRetryMs;

    static final long MIN_REPORT_RETRY_MS = 1000;
    static final long MAX_REPORT_RETRY_MS = 86_400_000;

    private RepairSettings(JobConfig c) {
        Map<String, String> v = c.describe();
        this.aws = AwsSettings.of(c);
        this.tableName = c.sourceTableName;
        this.keySchema = c.keySchema;
        this.maxRecordBytes = c.maxRecordBytes;
        this.filter = EventFilter.fromConfig(c);
        String value = v.get(ConfigKey.REPAIR_REQUEST.key());
        try {
            this.request = RepairRequest.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    ConfigKey.REPAIR_REQUEST.key() + "=" + value + ": " + e.getMessage());
        }
        String margin = v.get(ConfigKey.REPAIR_READ_MARGIN_MS.key());
        long m = wholeMs(margin);
        if (m < MIN_READ_MARGIN_MS) {
            // DynamoDB Streams rounds a change's creation time down to the second: under 1 s, a
            // change committed just after the read could carry a creation time at or before the
            // read time, and the repair would undo it for good.
            throw new ConfigException(
                    ConfigKey.REPAIR_READ_MARGIN_MS.key()
                            + "="
                            + margin
                            + ": expected a whole number of ms, at least "
                            + MIN_READ_MARGIN_MS
                            + " (DynamoDB Streams creation times are rounded down to the second)");
        }
        this.readMarginMs = m;
        String retry = v.get(ConfigKey.REPAIR_REPORT_RETRY_MS.key());
        long every = wholeMs(retry);
        if (every < MIN_REPORT_RETRY_MS || every > MAX_REPORT_RETRY_MS) {
            throw new ConfigException(
                    ConfigKey.REPAIR_REPORT_RETRY_MS.key()
                            + "="
                            + retry
                            + ": expected a whole number of ms between "
                            + MIN_REPORT_RETRY_MS
                            + " and "
                            + MAX_REPORT_RETRY_MS);
        }
        this.reportRetryMs = every;
    }

    /** {@code value} as a whole number of ms; -1 when it is not one. */
    private static long wholeMs(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public static RepairSettings fromConfig(JobConfig c) {
        return new RepairSettings(c);
    }

    /** True when a repair is requested: the pipeline adds the repair source. */
    public boolean requested() {
        return request != null;
    }
}

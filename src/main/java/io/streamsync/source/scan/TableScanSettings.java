package io.streamsync.source.scan;

import io.streamsync.aws.AwsSettings;
import io.streamsync.change.KeySchema;
import io.streamsync.config.JobConfig;
import java.io.Serializable;
import java.time.Duration;

/**
 * The settings of the bootstrap scan, narrowed from the {@link JobConfig}: what the scan's source,
 * enumerator and readers carry to the cluster, and nothing else (no other stage's settings; the AWS
 * settings without their secret, see {@link AwsSettings}). Field names follow the configuration's.
 */
public final class TableScanSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public final AwsSettings aws;

    /** The table scanned. */
    public final String tableName;

    public final KeySchema keySchema;

    /** Scan segments, or 0 for four per source subtask. */
    public final int bootstrapScanSegments;

    /** Scan page size (Limit), or 0 for DynamoDB's 1 MB pages. */
    public final int bootstrapScanPageSize;

    /** Read units per second for the whole scan, or 0 for no limit. */
    public final double bootstrapScanReadUnitsPerSecond;

    public final boolean bootstrapScanConsistentRead;
    public final Duration bootstrapScanProgressInterval;

    private TableScanSettings(JobConfig c, String tableName) {
        this.aws = AwsSettings.of(c);
        this.tableName = tableName;
        this.keySchema = c.keySchema;
        this.bootstrapScanSegments = c.bootstrapScanSegments;
        this.bootstrapScanPageSize = c.bootstrapScanPageSize;
        this.bootstrapScanReadUnitsPerSecond = c.bootstrapScanReadUnitsPerSecond;
        this.bootstrapScanConsistentRead = c.bootstrapScanConsistentRead;
        this.bootstrapScanProgressInterval = c.bootstrapScanProgressInterval;
    }

    /** The scan of {@code tableName} as configured. */
    public static TableScanSettings fromConfig(JobConfig c, String tableName) {
        return new TableScanSettings(c, tableName);
    }
}

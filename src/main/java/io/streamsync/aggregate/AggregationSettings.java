package io.streamsync.aggregate;

import io.streamsync.config.JobConfig;
import java.io.Serializable;
import java.time.Duration;

/**
 * The settings of the aggregation ({@link ListAggregator}), narrowed from the {@link JobConfig}:
 * what the operator carries to the cluster, and nothing else.
 */
public final class AggregationSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public final Duration windowSize;

    /**
     * How long after the watermark passes a window's end the window still takes changes; it is
     * final (published) then.
     */
    public final Duration allowedLateness;

    public final Duration tombstoneRetention;
    public final Duration emptyListRetention;

    /** True: item updates go to the {@link ListAggregator#ITEM_UPDATES} side output. */
    public final boolean emitItemUpdates;

    /**
     * True: a TTL expiry removes the item like any delete; false: the item stays counted and
     * indexed (archives). Either way the expiry is counted in the window's {@code expired}.
     */
    public final boolean ttlExpiryRemoves;

    /** Most bytes of a late change's record in its dead letter. */
    public final int deadLetterMaxBytes;

    /** The stage its dead letters name: the operator's uid, as the pipeline assigns it. */
    public final String stage;

    public AggregationSettings(
            Duration windowSize,
            Duration allowedLateness,
            Duration tombstoneRetention,
            Duration emptyListRetention,
            boolean emitItemUpdates,
            boolean ttlExpiryRemoves,
            int deadLetterMaxBytes,
            String stage) {
        this.windowSize = windowSize;
        this.allowedLateness = allowedLateness;
        this.tombstoneRetention = tombstoneRetention;
        this.emptyListRetention = emptyListRetention;
        this.emitItemUpdates = emitItemUpdates;
        this.ttlExpiryRemoves = ttlExpiryRemoves;
        this.deadLetterMaxBytes = deadLetterMaxBytes;
        this.stage = stage;
    }

    /**
     * The aggregation as configured; {@code emitItemUpdates} when the item index is written, {@code
     * stage} the operator's uid.
     */
    public static AggregationSettings fromConfig(
            JobConfig c, boolean emitItemUpdates, String stage) {
        return new AggregationSettings(
                c.windowSize,
                c.allowedLateness,
                c.tombstoneRetention,
                c.emptyListRetention,
                emitItemUpdates,
                c.ttlExpiryRemoves,
                c.deadLetterMaxRecordBytes,
                stage);
    }
}

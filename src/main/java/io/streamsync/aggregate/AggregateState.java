package io.streamsync.aggregate;

import java.time.Duration;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The state of {@link ListAggregator}, by stable name and explicit type. The names are part of every
 * savepoint: never rename them; State Processor API tools and savepoint tests use these factories too.
 */
public final class AggregateState {
    public static final String META = "list-meta";
    public static final String ITEMS = "live-items";
    public static final String TOMBSTONES = "removed-items";
    /** Since 0.2.0 (event-time windows). */
    public static final String OPEN_WINDOWS = "open-windows";
    /** Since 0.2.0 (event-time windows). */
    public static final String WINDOW_CHANGES = "window-changes";

    public static final TypeInformation<ListMeta> META_TYPE = Types.POJO(ListMeta.class);
    public static final TypeInformation<WindowCounts> WINDOW_COUNTS_TYPE = Types.POJO(WindowCounts.class);

    private AggregateState() {}

    /** Count, version and the pending window of one list. */
    public static ValueStateDescriptor<ListMeta> meta() {
        return new ValueStateDescriptor<>(META, META_TYPE);
    }

    /** Live items of one list: item key to the sequence number of the last change applied to it. */
    public static MapStateDescriptor<String, String> items() {
        return new MapStateDescriptor<>(ITEMS, Types.STRING, Types.STRING);
    }

    /**
     * Removed items of one list: item key to the sequence number of its removal, so that a repeated or
     * older change of a removed item is recognised. Entries expire after {@code retention}.
     *
     * <p>Clean-up of expired entries: RocksDB drops them in compaction, full snapshots leave them out, and
     * on the heap {@link ListAggregator} prunes a list's expired entries when it emits the list's first
     * window of each retention period. Flink's default incremental heap clean-up is switched off: it
     * walks the state table on every access of this state, and with few tombstones (the common case) it
     * restarts that walk over all key groups each time, which was 23% of the job's CPU time in the pipeline
     * benchmark. The clean-up strategy is not part of a savepoint; the TTL itself (and so the state's
     * serialized form) is unchanged.
     */
    public static MapStateDescriptor<String, String> tombstones(Duration retention) {
        MapStateDescriptor<String, String> d = new MapStateDescriptor<>(TOMBSTONES, Types.STRING, Types.STRING);
        d.enableTimeToLive(StateTtlConfig.newBuilder(retention)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .disableCleanupInBackground()
                .cleanupFullSnapshot()
                .cleanupInRocksdbCompactFilter(1000)
                .build());
        return d;
    }

    /** The list's windows that are not final yet: window start (epoch ms) to the activity counted so far. */
    public static MapStateDescriptor<Long, WindowCounts> openWindows() {
        return new MapStateDescriptor<>(OPEN_WINDOWS, Types.LONG, WINDOW_COUNTS_TYPE);
    }

    /**
     * The changes counted in the list's open windows: record identity (the record's {@code eventID}, else its
     * sequence number) to its window's start. A record met again while its window is open is not counted
     * twice; the entries of a window leave when it is final.
     */
    public static MapStateDescriptor<String, Long> windowChanges() {
        return new MapStateDescriptor<>(WINDOW_CHANGES, Types.STRING, Types.LONG);
    }
}

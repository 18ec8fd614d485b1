package io.streamsync.aggregate;

import java.time.Duration;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The state of {@link ListAggregator}, by stable name and explicit type. The names are part of
 * every savepoint: never rename them; State Processor API tools and savepoint tests use these
 * factories too.
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
    public static final TypeInformation<WindowCounts> WINDOW_COUNTS_TYPE =
            Types.POJO(WindowCounts.class);

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
     * Removed items of one list: item key to the mark of its removal ({@link ItemMark}: sequence
     * number, version, removal time), so that a repeated or older change of a removed item is
     * recognised. A mark is forgotten once the list's event time passes its removal by {@code
     * aggregate.tombstone.retention.ms} ({@link LiveCount}); the list's expired marks leave memory
     * when it emits in a later retention period.
     *
     * <p>The descriptor keeps the state TTL it has had since 0.1.0, because the TTL is part of the
     * state's serialized form (each value carries its last-write timestamp) and every savepoint
     * must restore. Its duration is not part of a savepoint: it is now {@link
     * #TOMBSTONE_TTL_BACKSTOP}, which never expires a mark in practice. Up to 0.2.0 it was the
     * retention itself, on processing time: a stop or a rollback of the job aged every tombstone by
     * its downtime, and a duplicate arriving after the restore could bring a removed item back
     * (issue 28 §7). Flink's background clean-ups are off (the heap's incremental one walked the
     * state table on every access: 23% of the job's CPU time in the pipeline benchmark).
     */
    public static MapStateDescriptor<String, String> tombstones() {
        MapStateDescriptor<String, String> d =
                new MapStateDescriptor<>(TOMBSTONES, Types.STRING, Types.STRING);
        d.enableTimeToLive(
                StateTtlConfig.newBuilder(TOMBSTONE_TTL_BACKSTOP)
                        .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                        .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                        .disableCleanupInBackground()
                        .build());
        return d;
    }

    /**
     * The state TTL of {@link #tombstones()}: 100 years of processing time, a backstop only (small
     * enough that a timestamp plus it cannot overflow in RocksDB's TTL arithmetic).
     */
    public static final Duration TOMBSTONE_TTL_BACKSTOP = Duration.ofDays(36_500);

    /**
     * The list's windows that are not final yet: window start (epoch ms) to the activity counted so
     * far.
     */
    public static MapStateDescriptor<Long, WindowCounts> openWindows() {
        return new MapStateDescriptor<>(OPEN_WINDOWS, Types.LONG, WINDOW_COUNTS_TYPE);
    }

    /**
     * The changes counted in the list's open windows: record identity (the record's {@code
     * eventID}, else its sequence number) to its window's start. A record met again while its
     * window is open is not counted twice; the entries of a window leave when it is final.
     */
    public static MapStateDescriptor<String, Long> windowChanges() {
        return new MapStateDescriptor<>(WINDOW_CHANGES, Types.STRING, Types.LONG);
    }

    /** Since the repair (issue 30). */
    public static final String HELD_REPAIR = "held-repair";

    public static final TypeInformation<HeldRepair> HELD_REPAIR_TYPE = Types.POJO(HeldRepair.class);

    /**
     * A list's repair waiting for the watermark, and the last repair merged ({@link HeldRepair}).
     * New state: a savepoint of a release before it restores without it.
     */
    public static ValueStateDescriptor<HeldRepair> heldRepair() {
        return new ValueStateDescriptor<>(HELD_REPAIR, HELD_REPAIR_TYPE);
    }
}

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

    public static final TypeInformation<ListMeta> META_TYPE = Types.POJO(ListMeta.class);

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
     */
    public static MapStateDescriptor<String, String> tombstones(Duration retention) {
        MapStateDescriptor<String, String> d = new MapStateDescriptor<>(TOMBSTONES, Types.STRING, Types.STRING);
        d.enableTimeToLive(StateTtlConfig.newBuilder(retention)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        return d;
    }
}

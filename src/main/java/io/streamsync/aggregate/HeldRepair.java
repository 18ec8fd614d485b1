package io.streamsync.aggregate;

/**
 * A list's repair state ({@link AggregateState#heldRepair}): the repair record waiting for the
 * watermark to pass its read time, and the last request merged into the list (a request met again,
 * after a restore of the repair source, is not merged twice). A Flink POJO: fields may be added
 * with defaults under Flink's POJO schema evolution; never rename or retype one.
 */
public class HeldRepair {
    /** Request id of the held repair; null: none held. */
    public String requestId;

    /** Read time of the held repair (epoch ms). */
    public long readTime;

    /** The held repair's {@link io.streamsync.change.RepairPayload} as JSON. */
    public String payloadJson;

    /** Request id of the last repair merged into the list; null: none. */
    public String mergedRequestId;

    public HeldRepair() {}

    boolean holds() {
        return requestId != null;
    }
}

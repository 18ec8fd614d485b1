package io.streamsync.aggregate;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.change.ChangeEvent;
import io.streamsync.deadletter.DeadLetter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * A list's activity per tumbling window of the records' creation time (event time), apart from the
 * live count.
 *
 * <p>Every change record of the stream that matches the filter is counted once in its window,
 * identified by its {@code eventID} (else its sequence number), whatever its order of arrival and
 * whatever the live count made of it (an outdated change is activity too). A window is <i>final</i>
 * once the watermark passes its end plus {@code allowedLateness}: it is then published once, and
 * its figures become the live aggregate's window fields. A change of a window that is already final
 * is late: the live count still takes it, its window does not. Whether a window is final is decided
 * by the highest watermark the list has seen ({@link ListMeta#finalWatermark}), which is part of
 * its state, so a restore, a replay or a rescale (the watermark starts anew) cannot reopen a
 * published window.
 */
final class EventTimeWindows {
    private final long size;
    private final long allowedLateness;
    private final boolean ttlExpiryRemoves;
    private final String stage;
    private final AggregatorMetrics metrics;

    /** {@code stage}: what the dead letters of late and timeless changes name as their stage. */
    EventTimeWindows(
            long size,
            long allowedLateness,
            boolean ttlExpiryRemoves,
            String stage,
            AggregatorMetrics metrics) {
        this.size = size;
        this.allowedLateness = allowedLateness;
        this.ttlExpiryRemoves = ttlExpiryRemoves;
        this.stage = stage;
        this.metrics = metrics;
    }

    long size() {
        return size;
    }

    /** The start of the window of an event time. */
    long startOf(long eventTime) {
        return eventTime - Math.floorMod(eventTime, size);
    }

    /**
     * The watermark at which the window starting at {@code start} is final: its last millisecond
     * plus the lateness.
     */
    long finalAt(long start) {
        return start + size - 1 + allowedLateness;
    }

    /** What counting a change did. */
    static final class Counted {
        /**
         * The event time at which a window opened by this change becomes final, or Long.MIN_VALUE.
         */
        final long openedWindowFinalAt;

        /**
         * The start of the final window of a late, new change, or Long.MIN_VALUE when it is not
         * late.
         */
        final long lateWindowStart;

        Counted(long openedWindowFinalAt, long lateWindowStart) {
            this.openedWindowFinalAt = openedWindowFinalAt;
            this.lateWindowStart = lateWindowStart;
        }

        boolean late() {
            return lateWindowStart != Long.MIN_VALUE;
        }
    }

    private static final Counted NOTHING = new Counted(Long.MIN_VALUE, Long.MIN_VALUE);

    /**
     * Counts a matching change in its window, once per record, unless the window is final at {@code
     * max(watermark, meta.finalWatermark)}. {@code isNew}: the live count takes the change (a late
     * change that it does not take is a duplicate, no late change).
     */
    Counted count(
            ChangeEvent e,
            long eventTime,
            boolean isNew,
            ListMeta meta,
            long watermark,
            WindowStore store)
            throws Exception {
        long start = startOf(eventTime);
        if (finalAt(start) <= Math.max(watermark, meta.finalWatermark)) {
            if (isNew) {
                metrics.lateChanges.inc();
                return new Counted(Long.MIN_VALUE, start);
            }
            return NOTHING; // a duplicate of a change applied before: counted in
            // duplicateOrOutdatedIgnored
        }
        String identity = e.eventId != null ? e.eventId : e.sequenceNumber;
        if (store.counted(identity)) {
            metrics.windowDuplicates.inc();
            return NOTHING;
        }
        store.rememberCounted(identity, start);
        WindowCounts c = store.get(start);
        long opened = Long.MIN_VALUE;
        if (c == null) {
            c = new WindowCounts();
            opened = finalAt(start);
        }
        switch (e.type) {
            case INSERT:
                c.inserted++;
                break;
            case MODIFY:
                c.modified++;
                break;
            default:
                if (e.ttlExpiry) {
                    c.expired++;
                }
                if (!e.ttlExpiry || ttlExpiryRemoves) {
                    c.removed++;
                }
        }
        c.lastChangeTime = Math.max(c.lastChangeTime, eventTime);
        store.put(start, c);
        return new Counted(opened, Long.MIN_VALUE);
    }

    /**
     * Makes final every open window that is final at {@code watermark}, oldest first: each is
     * returned (to be published once), leaves the open windows, and becomes the list's latest final
     * window in {@code meta}, whose version moves on by one (the live aggregate is another state).
     * {@code Long.MAX_VALUE} (the end of the input, a drain) finishes every window but is no event
     * time: the list's later windows stay open to the records that come after a restore.
     */
    List<WindowAggregate> finish(String listId, long watermark, ListMeta meta, WindowStore store)
            throws Exception {
        if (watermark != Long.MAX_VALUE) {
            meta.finalWatermark = Math.max(meta.finalWatermark, watermark);
        }
        List<Long> due = new ArrayList<>();
        for (Long start : store.starts()) {
            if (finalAt(start) <= watermark) {
                due.add(start);
            }
        }
        if (due.isEmpty()) {
            return List.of();
        }
        due.sort(null);
        meta.version =
                Versions.windowFinal(
                        meta.version); // another state (other window figures): another version
        List<WindowAggregate> finished = new ArrayList<>(due.size());
        for (Long start : due) {
            WindowCounts c = store.get(start);
            finished.add(new WindowAggregate(listId, start, start + size, c, meta.version));
            metrics.windowsPublished.inc();
            store.remove(start);
            meta.finalWindowStart = start;
            meta.finalWindowEnd = start + size;
            meta.finalInserted = c.inserted;
            meta.finalModified = c.modified;
            meta.finalRemoved = c.removed;
            meta.finalExpired = c.expired;
            meta.finalWatermark = Math.max(meta.finalWatermark, finalAt(start));
        }
        store.forgetCounted(new HashSet<>(due));
        return finished;
    }

    /**
     * The dead letter of a change record without a creation time: the live count took it, no window
     * could (counted in {@code changesWithoutCreationTime}).
     */
    DeadLetter timelessLetter(ChangeEvent e, long now, int maxBytes) {
        return letter(
                e,
                "change without a creation time: the live count took the change, no window did",
                now,
                maxBytes);
    }

    /** The dead letter of a late change: the record, and why its window did not take it. */
    DeadLetter lateLetter(ChangeEvent e, long windowStart, long watermark, long now, int maxBytes) {
        String reason =
                "late change: its window ["
                        + Instant.ofEpochMilli(windowStart)
                        + ", "
                        + Instant.ofEpochMilli(windowStart + size)
                        + ") was final at watermark "
                        + Instant.ofEpochMilli(watermark)
                        + " (aggregate.window.allowed.lateness.ms="
                        + allowedLateness
                        + "); the live count took the change, the window did not";
        return letter(e, reason, now, maxBytes);
    }

    private DeadLetter letter(ChangeEvent e, String reason, long now, int maxBytes) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("eventID", e.eventId);
        r.put("eventName", e.type.name());
        r.put("listId", e.partitionKey);
        if (Versions.known(e.approximateCreationTimeMillis)) {
            r.put(
                    "approximateCreationDateTime",
                    Instant.ofEpochMilli(e.approximateCreationTimeMillis).toString());
        }
        r.put("sequenceNumber", e.sequenceNumber);
        r.put("keys", e.keysJson);
        r.put("newImage", e.newImageJson);
        r.put("oldImage", e.oldImageJson);
        return DeadLetter.of(
                reason, stage, e.shardId, e.sequenceNumber, now, r.toString(), maxBytes);
    }
}

package io.streamsync.aggregate;

import io.streamsync.change.ChangeEvent;
import io.streamsync.change.ChangeType;
import io.streamsync.change.ItemKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/**
 * In-memory stand-ins for the operator's state and timers, for the unit tests of the aggregation's
 * parts.
 */
final class PartsFixtures {
    private PartsFixtures() {}

    static AggregatorMetrics metrics() {
        return new AggregatorMetrics(new UnregisteredMetricsGroup());
    }

    static ChangeEvent change(
            ChangeType type, String list, String item, long eventTime, String sequenceNumber) {
        ChangeEvent e = new ChangeEvent();
        e.type = type;
        e.partitionKey = list;
        e.itemKey = ItemKeys.itemKey(list, item);
        e.sequenceNumber = sequenceNumber;
        e.approximateCreationTimeMillis = eventTime;
        e.newImageJson = type == ChangeType.REMOVE ? null : "{\"id\":\"" + item + "\"}";
        return e;
    }

    /** Items of one list in two maps, as the operator keeps them in two map states. */
    static final class Marks implements ItemMarks {
        final Map<String, String> live = new HashMap<>();
        final Map<String, String> removed = new HashMap<>();

        @Override
        public String live(String itemKey) {
            return live.get(itemKey);
        }

        @Override
        public String removed(String itemKey) {
            return removed.get(itemKey);
        }

        @Override
        public void putLive(String itemKey, String mark) {
            live.put(itemKey, mark);
        }

        @Override
        public void removeLive(String itemKey) {
            live.remove(itemKey);
        }

        @Override
        public void putRemoved(String itemKey, String mark) {
            removed.put(itemKey, mark);
        }

        @Override
        public void removeRemoved(String itemKey) {
            removed.remove(itemKey);
        }

        /** Walks over the removed marks and clears of them, as the operator's would cost. */
        int walks;

        int clears;

        @Override
        public Iterable<Map.Entry<String, String>> removedEntries() {
            walks++;
            return new java.util.ArrayList<>(removed.entrySet());
        }

        @Override
        public void clearRemoved() {
            clears++;
            removed.clear();
        }
    }

    /** Windows of one list in two maps. */
    static final class Windows implements WindowStore {
        final TreeMap<Long, WindowCounts> open = new TreeMap<>();
        final Map<String, Long> counted = new HashMap<>();

        @Override
        public WindowCounts get(long start) {
            return open.get(start);
        }

        @Override
        public void put(long start, WindowCounts counts) {
            open.put(start, counts);
        }

        @Override
        public void remove(long start) {
            open.remove(start);
        }

        @Override
        public Iterable<Long> starts() {
            return new ArrayList<>(open.keySet());
        }

        @Override
        public boolean isEmpty() {
            return open.isEmpty();
        }

        @Override
        public boolean counted(String identity) {
            return counted.containsKey(identity);
        }

        @Override
        public void rememberCounted(String identity, long windowStart) {
            counted.put(identity, windowStart);
        }

        @Override
        public void forgetCounted(Set<Long> windowStarts) {
            counted.values().removeIf(windowStarts::contains);
        }
    }

    /** Records the timers as a list's timer service would hold them. */
    static final class RecordingTimers implements Timers {
        final List<Long> processing = new ArrayList<>();
        final List<Long> event = new ArrayList<>();

        @Override
        public void registerProcessingTime(long time) {
            processing.add(time);
        }

        @Override
        public void deleteProcessingTime(long time) {
            processing.remove(Long.valueOf(time));
        }

        @Override
        public void registerEventTime(long time) {
            event.add(time);
        }

        @Override
        public void deleteEventTime(long time) {
            event.remove(Long.valueOf(time));
        }
    }
}

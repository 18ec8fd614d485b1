package io.streamsync.aggregate;

import io.streamsync.change.ChangeEvent;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The counters of the aggregation, registered once per operator instance under their published
 * names (the metrics table of the docs (operations.md) and the CloudWatch alarms use them). Plain
 * holder: the parts of {@link ListAggregator} count into it; unit tests build it over an
 * unregistered group.
 */
public final class AggregatorMetrics {
    final Counter inserts;
    final Counter modifies;
    final Counter removes;
    final Counter ttlRemovals;
    final Counter outdatedIgnored;
    final Counter scanItems;
    final Counter ttlKept;
    final Counter filteredIgnored;
    final Counter itemsLeftFilter;
    final Counter scanSuperseded;
    final Counter removesOfUnknownItems;
    final Counter aggregatesEmitted;
    final Counter listsCleanedUp;
    final Counter windowsPublished;
    final Counter windowDuplicates;
    final Counter lateChanges;
    final Counter changesWithoutCreationTime;

    public AggregatorMetrics(MetricGroup m) {
        inserts = m.counter("eventsInsert");
        modifies = m.counter("eventsModify");
        removes = m.counter("eventsRemove");
        ttlRemovals = m.counter("eventsTtlRemove");
        outdatedIgnored = m.counter("duplicateOrOutdatedIgnored");
        scanItems = m.counter("scanItems");
        ttlKept = m.counter("ttlExpiriesKept");
        filteredIgnored = m.counter("filteredOutIgnored");
        itemsLeftFilter = m.counter("itemsLeftFilter");
        scanSuperseded = m.counter("scanItemsSupersededByStream");
        removesOfUnknownItems = m.counter("removeOfUnknownItem");
        aggregatesEmitted = m.counter("aggregatesEmitted");
        listsCleanedUp = m.counter("emptyListsCleanedUp");
        windowsPublished = m.counter("windowsPublished");
        windowDuplicates = m.counter("windowDuplicatesIgnored");
        lateChanges = m.counter("lateChanges");
        changesWithoutCreationTime = m.counter("changesWithoutCreationTime");
    }

    /** Counts a record by its type, whatever the aggregation makes of it. */
    void countByType(ChangeEvent e) {
        switch (e.type) {
            case INSERT:
                inserts.inc();
                break;
            case MODIFY:
                modifies.inc();
                break;
            case SNAPSHOT:
                scanItems.inc();
                break;
            default:
                removes.inc();
                if (e.ttlExpiry) {
                    ttlRemovals.inc();
                }
        }
    }
}

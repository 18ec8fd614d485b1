package io.streamsync.source.repair;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The repair source's enumerator state: the ids of the requests it has taken on (a request is
 * carried out once), and the splits of those not handed to the reader yet.
 */
public final class RepairEnumeratorState {
    public final Set<String> done;
    public final List<RepairSplit> pending;

    public RepairEnumeratorState(Set<String> done, List<RepairSplit> pending) {
        this.done = new LinkedHashSet<>(done);
        this.pending = new ArrayList<>(pending);
    }
}

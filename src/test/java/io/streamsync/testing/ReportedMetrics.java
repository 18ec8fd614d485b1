package io.streamsync.testing;

import io.streamsync.metrics.CloudWatchMetrics;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;

/**
 * The metrics a job reported to an {@link InMemoryReporter}, by identifier, read as MSF's
 * CloudWatch reporter would see them.
 */
public final class ReportedMetrics {
    private final Map<String, Metric> byIdentifier;

    public ReportedMetrics(InMemoryReporter reporter, JobID job) {
        // by group, not getMetricsByIdentifiers: two metrics may share an identifier (operators of
        // one name in
        // one task), and that method then fails; such duplicates are numbered here
        this.byIdentifier = new TreeMap<>();
        reporter.getMetricsByGroup()
                .forEach(
                        (group, metrics) -> {
                            if (job.toString().equals(group.getAllVariables().get("<job_id>"))) {
                                metrics.forEach(
                                        (name, metric) -> {
                                            String id = group.getMetricIdentifier(name);
                                            String key = id;
                                            for (int i = 2; byIdentifier.containsKey(key); i++) {
                                                key = id + "#" + i;
                                            }
                                            byIdentifier.put(key, metric);
                                        });
                            }
                        });
    }

    /** Every metric named {@code name} directly in the group MSF publishes, by identifier. */
    public Map<String, Metric> published(String name) {
        Map<String, Metric> out = new TreeMap<>();
        byIdentifier.forEach(
                (id, m) -> {
                    String bare = id.contains("#") ? id.substring(0, id.indexOf('#')) : id;
                    if (bare.endsWith("." + CloudWatchMetrics.GROUP + "." + name)) {
                        out.put(id, m);
                    }
                });
        return out;
    }

    /**
     * The sum over subtasks of a published counter or numeric gauge; -1 when no such metric is
     * published.
     */
    public long sum(String name) {
        Map<String, Metric> found = published(name);
        if (found.isEmpty()) {
            return -1;
        }
        long sum = 0;
        for (Metric m : found.values()) {
            sum +=
                    m instanceof Counter
                            ? ((Counter) m).getCount()
                            : ((Number) ((Gauge<?>) m).getValue()).longValue();
        }
        return sum;
    }

    /**
     * Identifiers in the published group that carry a per-shard group (each would be one more
     * CloudWatch metric).
     */
    public long perShardPublished() {
        return byIdentifier.keySet().stream()
                .filter(
                        id ->
                                id.contains("." + CloudWatchMetrics.GROUP + ".")
                                        && id.contains("shardId"))
                .count();
    }

    public Map<String, Metric> all() {
        return byIdentifier;
    }
}

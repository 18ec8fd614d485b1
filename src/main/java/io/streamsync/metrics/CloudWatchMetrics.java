package io.streamsync.metrics;

import org.apache.flink.metrics.MetricGroup;

/**
 * Where the job registers the metrics operators need. Amazon Managed Service for Apache Flink sends
 * to CloudWatch only the custom metrics registered under a group named {@value #GROUP}; the
 * application's {@code MetricsLevel} (the template sets OPERATOR) decides their dimensions. Locally
 * and in tests the group is one more segment of the metric's identifier ({@code
 * ...<operator>.<subtask>.kinesisanalytics.deadLetters}).
 *
 * <p>Histograms do not reach CloudWatch (it takes counters, gauges and meters): a histogram stays
 * in the operator's group, and gauges of its quantiles go here. Metrics with a per-shard group stay
 * out of it too: DynamoDB Streams shards roll over about every four hours, and each shard id would
 * be one more CloudWatch metric to pay for.
 */
public final class CloudWatchMetrics {
    public static final String GROUP = "kinesisanalytics";

    private CloudWatchMetrics() {}

    /**
     * The group under {@code operatorGroup} whose metrics MSF publishes (the same group on every
     * call).
     */
    public static MetricGroup of(MetricGroup operatorGroup) {
        return operatorGroup.addGroup(GROUP);
    }
}

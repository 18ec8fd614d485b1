package io.streamsync.testing;

import java.time.Duration;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The one MiniCluster of the integration tests, as a JUnit 5 extension: one TaskManager, two slots
 * unless a test needs more, every metric reported to an {@link InMemoryReporter}. A test registers
 * it as a static field ({@code @RegisterExtension static final FlinkCluster FLINK =
 * FlinkCluster.create();}) and gets the cluster with {@code @InjectMiniCluster MiniCluster}, as
 * with Flink's {@link MiniClusterExtension}, which it wraps.
 *
 * <p>Tests wait on the job's own checkpoint metrics ({@link #awaitCheckpoints}), not on sleeps: "a
 * checkpoint or two" is the JobManager's {@code numberOfCompletedCheckpoints} going up by two.
 */
public final class FlinkCluster
        implements BeforeAllCallback,
                BeforeEachCallback,
                AfterEachCallback,
                AfterAllCallback,
                ParameterResolver {
    private final InMemoryReporter metrics;
    private final MiniClusterExtension flink;

    /** Index of the live TaskManager: the cluster starts with one, each loss starts the next. */
    private final java.util.concurrent.atomic.AtomicInteger liveTaskManager =
            new java.util.concurrent.atomic.AtomicInteger();

    private FlinkCluster(int slots, boolean retainMetrics) {
        this.metrics =
                retainMetrics
                        ? InMemoryReporter.createWithRetainedMetrics()
                        : InMemoryReporter.create();
        this.flink =
                new MiniClusterExtension(
                        new MiniClusterResourceConfiguration.Builder()
                                .setConfiguration(
                                        metrics.addToConfiguration(
                                                new org.apache.flink.configuration.Configuration()))
                                .setNumberTaskManagers(1)
                                .setNumberSlotsPerTaskManager(slots)
                                .build());
    }

    /** One TaskManager with two slots. */
    public static FlinkCluster create() {
        return new FlinkCluster(2, false);
    }

    /** One TaskManager with {@code slots} slots (a rescale to 4 needs 4). */
    public static FlinkCluster withSlots(int slots) {
        return new FlinkCluster(slots, false);
    }

    /** Two slots; a finished job's metrics stay readable after it ends. */
    public static FlinkCluster retainingMetrics() {
        return new FlinkCluster(2, true);
    }

    /** Every metric the cluster's jobs reported. */
    public InMemoryReporter metrics() {
        return metrics;
    }

    /** The metrics {@code job} reported, read as MSF's CloudWatch reporter would see them. */
    public ReportedMetrics reported(JobID job) {
        return new ReportedMetrics(metrics, job);
    }

    /**
     * A JobManager metric of {@code job} ({@code numberOfCompletedCheckpoints}, {@code
     * numRestarts}, ...): -1 while the job has not registered it.
     */
    public long jobMetric(JobID job, String name) {
        for (var e : metrics.getMetricsByGroup().entrySet()) {
            if (!job.toString().equals(e.getKey().getAllVariables().get("<job_id>"))
                    || e.getKey().getAllVariables().containsKey("<task_id>")) {
                continue;
            }
            Metric m = e.getValue().get(name);
            if (m instanceof Gauge) {
                Object v = ((Gauge<?>) m).getValue();
                if (v instanceof Number) {
                    return ((Number) v).longValue();
                }
            }
        }
        return -1;
    }

    /** Checkpoints of {@code job} completed so far (-1 before the job's metrics exist). */
    public long completedCheckpoints(JobID job) {
        return jobMetric(job, "numberOfCompletedCheckpoints");
    }

    /**
     * Waits until {@code more} checkpoints of {@code job} have completed after this call; returns
     * the count then.
     */
    public long awaitCheckpoints(JobID job, int more, Duration timeout) throws Exception {
        long target = Math.max(0, completedCheckpoints(job)) + more;
        long[] now = {-1};
        Poll.until(
                timeout,
                () -> {
                    now[0] = completedCheckpoints(job);
                    return now[0] >= target
                            ? null
                            : "job "
                                    + job
                                    + " completed "
                                    + now[0]
                                    + " checkpoints, waiting for "
                                    + target;
                });
        return now[0];
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        flink.beforeAll(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        flink.beforeEach(context);
    }

    /**
     * Cancels every job a test left running (a test that failed before its own cancel, for one) and
     * waits until none runs: Flink's extension, registered per class, leaves them holding the
     * slots, and the next tests' jobs then never start.
     */
    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try (org.apache.flink.client.program.rest.RestClusterClient<
                        org.apache.flink.client.deployment.StandaloneClusterId>
                client =
                        new org.apache.flink.client.program.rest.RestClusterClient<>(
                                flink.getClientConfiguration(),
                                org.apache.flink.client.deployment.StandaloneClusterId
                                        .getInstance())) {
            for (var job : client.listJobs().get()) {
                if (!job.getJobState().isGloballyTerminalState()
                        && job.getJobState() != org.apache.flink.api.common.JobStatus.CANCELLING) {
                    System.err.println(
                            "FlinkCluster: cancelling job "
                                    + job.getJobId()
                                    + " ("
                                    + job.getJobName()
                                    + ") that "
                                    + context.getDisplayName()
                                    + " left "
                                    + job.getJobState());
                    try {
                        client.cancel(job.getJobId()).get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        // it ended meanwhile: the poll below checks that none runs
                    }
                }
            }
            Poll.until(
                    Duration.ofSeconds(60),
                    () -> {
                        for (var job : client.listJobs().get()) {
                            if (!job.getJobState().isGloballyTerminalState()) {
                                return "job " + job.getJobId() + " " + job.getJobState();
                            }
                        }
                        return null;
                    });
        } finally {
            flink.afterEach(context);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        flink.afterAll(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context)
            throws ParameterResolutionException {
        return flink.supportsParameter(parameter, context);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
            throws ParameterResolutionException {
        return flink.resolveParameter(parameter, context);
    }

    /**
     * A TaskManager lost: kills the live TaskManager and starts a new one. Not {@code
     * terminateTaskManager(0)}: Flink's MiniCluster closes the i-th TaskManager it ever started and
     * keeps it in its list, and {@code startTaskManager} appends, so index 0 kills only once per
     * cluster; every later call was a no-op that added a TaskManager (found by the seeded harness).
     */
    public void loseTaskManager(org.apache.flink.runtime.minicluster.MiniCluster cluster)
            throws Exception {
        cluster.terminateTaskManager(liveTaskManager.getAndIncrement())
                .get(3, java.util.concurrent.TimeUnit.MINUTES);
        cluster.startTaskManager();
    }
}

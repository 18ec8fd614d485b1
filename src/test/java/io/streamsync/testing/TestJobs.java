package io.streamsync.testing;

import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.source.RecordSource;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Starts the job as production builds it, on the test's MiniCluster, optionally restored from a
 * savepoint.
 */
public final class TestJobs {
    private TestJobs() {}

    /**
     * The job with {@code source} and the configured sinks; {@code savepoint} null for a fresh
     * start.
     */
    public static JobClient start(
            JobConfig c,
            RecordSource source,
            String savepoint,
            boolean allowNonRestoredState,
            String name)
            throws Exception {
        Configuration conf = new Configuration();
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, allowNonRestoredState);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        StreamSyncPipeline.configureEnvironment(env, c);
        StreamSyncPipeline.define(env, c, source, PipelineSinks.fromConfig(c));
        return env.executeAsync(name);
    }

    /**
     * The job as configured (start-up checks, change-stream source) at {@code parallelism} (0: as
     * configured).
     */
    public static JobClient start(
            Map<String, String> props, int parallelism, String savepoint, String name)
            throws Exception {
        Map<String, String> p = new HashMap<>(props);
        if (parallelism > 0) {
            p.put("job.parallelism", Integer.toString(parallelism));
        }
        JobConfig c = JobConfig.from(p);
        return start(c, RecordSources.changeStream(c, Startup.prepare(c)), savepoint, false, name);
    }
}

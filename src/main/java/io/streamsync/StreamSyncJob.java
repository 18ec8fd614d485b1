package io.streamsync;

import io.streamsync.config.ConfigLoader;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.PipelineSinks;
import io.streamsync.pipeline.RecordSources;
import io.streamsync.pipeline.Startup;
import io.streamsync.pipeline.StreamSyncPipeline;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point. {@code --config FILE} reads a properties file (local runs, a self-managed cluster);
 * without arguments the application properties of Managed Service for Apache Flink are read, and
 * the job then sets no configuration outside the service's allowed list (checkpointing, restarts
 * and state are the service's).
 */
public final class StreamSyncJob {
    private static final Logger LOG = LoggerFactory.getLogger(StreamSyncJob.class);

    private StreamSyncJob() {}

    public static void main(String[] args) throws Exception {
        JobConfig config = ConfigLoader.fromArguments(args);
        LOG.info("streamsync configuration: {}", config.describe());
        if (io.streamsync.reconcile.ReconcileSettings.of(config).mode
                == io.streamsync.reconcile.ReconcileSettings.Mode.REPORT) {
            io.streamsync.reconcile.ReconcileJob.run(config); // the report, a bounded job
            return;
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, config);
        StreamSyncPipeline.define(
                env,
                config,
                RecordSources.fromConfig(config, Startup.prepare(config)),
                PipelineSinks.fromConfig(config));
        env.execute(config.jobName);
    }
}

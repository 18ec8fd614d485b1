package io.streamsync.local;

import io.streamsync.config.ConfigLoader;
import io.streamsync.config.JobConfig;
import io.streamsync.pipeline.Startup;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;

/**
 * One leg of an upgrade drill, run in its own JVM by the drill of a later release: this build's job
 * on a local MiniCluster, against services that are already running (the config file names them),
 * for a while, then stopped with a savepoint. Prints {@code SAVEPOINT <uri>} and exits 0. So a
 * release's job takes the savepoint that the next release (on another Flink version, say) restores.
 *
 * <p>Arguments: the job's properties file, the savepoint directory, seconds to run, and optionally
 * a savepoint to start from.
 */
public final class DrillJob {
    private DrillJob() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println(
                    "usage: DrillJob <job.properties> <savepoint-dir> <seconds> [<savepoint to start from>]");
            System.exit(2);
        }
        Map<String, String> properties = ConfigLoader.fromFile(Path.of(args[0]));
        JobConfig config = JobConfig.from(properties);
        String streamArn = Startup.prepare(config);
        JobClient job =
                LocalRun.startJob(
                        config,
                        streamArn,
                        Integer.getInteger("streamsync.local.ui.port", 8082),
                        args.length > 3 ? args[3] : null);
        Thread.sleep(Long.parseLong(args[2]) * 1000);
        String savepoint =
                job.stopWithSavepoint(
                                false,
                                Path.of(args[1]).toAbsolutePath().toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get();
        System.out.println("SAVEPOINT " + savepoint);
        System.exit(0);
    }
}

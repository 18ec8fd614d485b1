package io.streamsync.reconcile;

import io.streamsync.aws.AwsSettings;
import io.streamsync.config.ConfigLoader;
import io.streamsync.config.JobConfig;
import io.streamsync.metrics.CloudWatchMetrics;
import io.streamsync.pipeline.StreamSyncPipeline;
import io.streamsync.sink.search.SearchClientSettings;
import io.streamsync.sink.search.SearchTransport;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The report as a bounded Flink job (the same jar as the job: {@code reconcile.mode=report}, or
 * this class as the entry point with the job's {@code --config FILE}): one task runs {@link
 * Reconciler}, writes the report to {@code reconcile.output.path} (or the log) and registers its
 * figures in the {@code kinesisanalytics} group: {@code reconcileListsChecked}, {@code
 * reconcileListsDrifted}, {@code reconcileListsUnconfirmed}, {@code reconcileItemsMissing}, {@code
 * reconcileItemsPhantom}, {@code reconcileItemsStale}, {@code reconcileReadUnits}.
 */
public final class ReconcileJob {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileJob.class);

    /** The operators' uids (the report has no state; the graph guard wants them anyway). */
    static final String SOURCE_UID = "reconcile-trigger";

    static final String REPORT_UID = "reconcile-report";
    static final String SINK_UID = "reconcile-discard";

    private ReconcileJob() {}

    /**
     * The job's arguments ({@code --config FILE}, or none on Managed Service for Apache Flink),
     * then optionally {@code key=value} pairs that override the file's (a local run's report
     * settings).
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 2 && "--config".equals(args[0])) {
            java.nio.file.Path file = java.nio.file.Path.of(args[1]);
            java.util.Map<String, String> p =
                    new java.util.LinkedHashMap<>(ConfigLoader.fromFile(file));
            for (int i = 2; i < args.length; i++) {
                int eq = args[i].indexOf('=');
                if (eq <= 0) {
                    throw new io.streamsync.config.ConfigException(
                            "expected key=value after the config file, got '" + args[i] + "'");
                }
                p.put(args[i].substring(0, eq), args[i].substring(eq + 1));
            }
            run(JobConfig.from(p, io.streamsync.config.Secret.Origin.file(file)));
            return;
        }
        run(ConfigLoader.fromArguments(args));
    }

    /** Runs the report job to its end. */
    public static org.apache.flink.api.common.JobExecutionResult run(JobConfig config)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamSyncPipeline.configureEnvironment(env, config);
        env.fromSequence(1, 1)
                .setParallelism(1) // per operator: MSF refuses parallelism set on the environment
                .uid(SOURCE_UID)
                .name("reconcile: start")
                .map(new ReportFunction(config))
                .returns(Types.STRING)
                .setParallelism(1)
                .uid(REPORT_UID)
                .name("reconcile: report")
                .sinkTo(new DiscardingSink<>())
                .setParallelism(1)
                .uid(SINK_UID)
                .name("reconcile: done");
        return env.execute(config.jobName + "-reconcile");
    }

    /** Runs the report once, without Flink (tests, and the task below). */
    public static ReconcileReport report(JobConfig config) throws Exception {
        ReconcileSettings s = ReconcileSettings.of(config);
        boolean search = config.searchHosts != null && !config.searchHosts.isEmpty();
        try (DynamoDbClient ddb = AwsSettings.dynamoDb(config);
                SearchTransport t =
                        search ? SearchClientSettings.from(config).newTransport() : null) {
            ReconcileReport r = Reconciler.withSystemClock(config, s, ddb, t).run();
            write(r, s.outputPath);
            return r;
        }
    }

    static void write(ReconcileReport r, String outputPath) throws IOException {
        if (outputPath == null || outputPath.isEmpty()) {
            r.lines().forEach(l -> LOG.info("reconcile: {}", l));
            return;
        }
        Path p = new Path(outputPath);
        try (OutputStream out = p.getFileSystem().create(p, FileSystem.WriteMode.OVERWRITE)) {
            for (String l : r.lines()) {
                out.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        LOG.info("reconcile: report written to {}: {}", outputPath, r.summary());
    }

    /** The one task: runs the report, sets its metrics, waits for them to be sent. */
    static final class ReportFunction extends RichMapFunction<Long, String> {
        private static final long serialVersionUID = 1L;
        private final JobConfig config;
        private transient AtomicLong[] figures;

        ReportFunction(JobConfig config) {
            this.config = config;
        }

        static final String[] NAMES = {
            "reconcileListsChecked",
            "reconcileListsDrifted",
            "reconcileListsUnconfirmed",
            "reconcileItemsMissing",
            "reconcileItemsPhantom",
            "reconcileItemsStale",
            "reconcileReadUnits"
        };

        @Override
        public void open(OpenContext openContext) {
            MetricGroup g = CloudWatchMetrics.of(getRuntimeContext().getMetricGroup());
            figures = new AtomicLong[NAMES.length];
            for (int i = 0; i < NAMES.length; i++) {
                AtomicLong f = new AtomicLong();
                figures[i] = f;
                g.gauge(NAMES[i], f::get);
            }
        }

        @Override
        public String map(Long ignored) throws Exception {
            ReconcileReport r = report(config);
            long[] v = {
                r.listsChecked,
                r.listsDrifted(),
                r.listsUnconfirmed(),
                r.itemsMissing(),
                r.itemsPhantom(),
                r.itemsStale(),
                Math.round(r.readUnits)
            };
            for (int i = 0; i < v.length; i++) {
                figures[i].set(v[i]);
            }
            long hold = ReconcileSettings.of(config).metricsHold.toMillis();
            if (hold > 0) {
                Thread.sleep(hold); // keeps the gauges up until the metrics reporter sent them
            }
            return r.summary().toString();
        }
    }
}

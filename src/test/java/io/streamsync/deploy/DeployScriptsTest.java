package io.streamsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy scripts against a stub {@code aws} command (src/test/resources/deploy/aws-stub.sh) that records
 * the calls and plays back the service's answers: a good upgrade, an update the service failed and rolled
 * back, an update that deploys nothing, a build that is already deployed, a crash loop after a start, and
 * both kinds of rollback. What the scripts send is checked on the recorded calls.
 */
class DeployScriptsTest {
    private static final String OLD_KEY = "streamsync/streamsync-0.1.0-SNAPSHOT-000000000000.jar";

    @TempDir
    Path stub;
    private Path jar;
    private String newKey;

    /** The outcome of one script run. */
    static final class Run {
        final int exit;
        final String output;
        final List<String> calls;

        Run(int exit, String output, List<String> calls) {
            this.exit = exit;
            this.output = output;
            this.calls = calls;
        }

        String call(String start) {
            return calls.stream().filter(c -> c.startsWith(start)).findFirst()
                    .orElseThrow(() -> new AssertionError("no call starting with '" + start + "' in " + calls));
        }
    }

    @BeforeEach
    void stubAws() throws Exception {
        Path bin = Files.createDirectories(stub.resolve("bin"));
        Files.copy(Path.of("src/test/resources/deploy/aws-stub.sh"), bin.resolve("aws"));
        bin.resolve("aws").toFile().setExecutable(true);
        Files.createDirectories(stub.resolve("answers"));
        jar = stub.resolve("job.jar");
        Files.write(jar, "the job's bytes".getBytes(StandardCharsets.UTF_8));
        StringBuilder hex = new StringBuilder();
        for (byte b : MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar))) {
            hex.append(String.format("%02x", b));
        }
        newKey = "streamsync/streamsync-" + projectVersion() + "-" + hex.substring(0, 12) + ".jar";
    }

    private static String projectVersion() throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^  <version>(.*)</version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** The n-th answer to a call ({@code key} as the stub names it): exit code and output. */
    private void answer(String key, int n, int exit, String output) throws Exception {
        Files.writeString(stub.resolve("answers").resolve(key + "." + n), exit + "\n" + output + "\n");
    }

    private void answers(String key, String... outputs) throws Exception {
        for (int i = 0; i < outputs.length; i++) {
            answer(key, i + 1, 0, outputs[i]);
        }
    }

    private Run run(String script, String... args) throws Exception {
        return runWith(Map.of(), script, args);
    }

    private Run runWith(Map<String, String> extraEnv, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "deploy/scripts/" + script));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("PATH", stub.resolve("bin") + ":" + System.getenv("PATH"));
        env.put("STUB", stub.toString());
        env.put("JAR", jar.toString());
        env.put("STREAMSYNC_POLL_SECONDS", "0");
        env.put("STREAMSYNC_OPERATION_POLLS", "5");
        env.put("STREAMSYNC_WATCH_POLLS", "3");
        env.putAll(extraEnv);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Path log = stub.resolve("calls.log");
        List<String> calls = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return new Run(p.exitValue(), out, calls);
    }

    /** A running application at version 5 with the old jar, whose update to version 6 the service completes. */
    private void runningApplicationUpdatedTo6() throws Exception {
        answer("s3api_head-object", 1, 255, "");
        answers("s3_cp", "upload: job.jar");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-2_2");
        answers("kinesisanalyticsv2_create-application-snapshot", "");
        answers("kinesisanalyticsv2_describe-application-snapshot_SnapshotStatus", "CREATING", "READY");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "5", "6");
        answers("cloudformation_deploy", "Successfully created/updated stack");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "IN_PROGRESS", "SUCCESSFUL");
        answers("cloudwatch_get-metric-statistics_Maximum", "3");
    }

    @Test
    void anUpgradeUploadsUnderANewKeyWaitsForTheUpdateAndWatchesTheJob() throws Exception {
        runningApplicationUpdatedTo6();
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket", "SearchEndpoint=https://x:443");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.call("s3 cp")).isEqualTo("s3 cp " + jar + " s3://code-bucket/" + newKey);
        assertThat(r.call("kinesisanalyticsv2 create-application-snapshot")).contains("--snapshot-name before-streamsync-");
        String deploy = r.call("cloudformation deploy");
        assertThat(deploy).contains("CodeBucketName=code-bucket", "CodeKey=" + newKey, "AllowNonRestoredState=false",
                "SearchEndpoint=https://x:443");
        assertThat(r.call("kinesisanalyticsv2 describe-application-operation")).contains("--operation-id op-9");
        assertThat(r.calls.stream().filter(c -> c.startsWith("cloudwatch get-metric-statistics"))).hasSize(3)
                .allSatisfy(c -> assertThat(c).contains("--metric-name numRestarts", "Name=Application,Value=streamsync"));
        assertThat(r.output).contains("to roll back: rollback.sh todo-sync streamsync before-streamsync-", " " + OLD_KEY);
        // the upload came before the snapshot, the snapshot before the stack update
        assertThat(r.calls.indexOf(r.call("s3 cp"))).isLessThan(r.calls.indexOf(r.call("kinesisanalyticsv2 create-application-snapshot")));
        assertThat(r.calls.indexOf(r.call("kinesisanalyticsv2 create-application-snapshot")))
                .isLessThan(r.calls.indexOf(deploy));
    }

    @Test
    void theAllowNonRestoredStateFlagReachesTheStackForThatUpdateOnly() throws Exception {
        runningApplicationUpdatedTo6();
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket", "--allow-non-restored-state");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.call("cloudformation deploy")).contains("AllowNonRestoredState=true");
        assertThat(run("upgrade.sh", "todo-sync", "streamsync", "code-bucket", "AllowNonRestoredState=true").output)
                .contains("AllowNonRestoredState=true is set by the script");
    }

    @Test
    void anUpdateTheServiceFailedAndRolledBackIsAFailureNamingTheReason() throws Exception {
        runningApplicationUpdatedTo6();
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "IN_PROGRESS", "FAILED");
        answers("kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedFrom",
                "Job restore failed: operator state not restored\top-10\t5");
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("operation op-9 FAILED", "Job restore failed: operator state not restored")
                .doesNotContain("upgraded streamsync");
        assertThat(r.calls).noneMatch(c -> c.startsWith("cloudwatch"));
    }

    @Test
    void aStackUpdateThatDeploysNothingIsAFailure() throws Exception {
        runningApplicationUpdatedTo6();
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "5", "5");
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("the stack update deployed nothing (streamsync is still at version 5, running s3://code-bucket/" + OLD_KEY);
    }

    @Test
    void theBuildAlreadyDeployedIsNotUpgradedAgain() throws Exception {
        runningApplicationUpdatedTo6();
        answer("s3api_head-object", 1, 0, "{}");
        answers("kinesisanalyticsv2_describe-application_FileKey", newKey);
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("streamsync already runs s3://code-bucket/" + newKey + " (this build): nothing to upgrade");
        assertThat(r.calls).noneMatch(c -> c.startsWith("s3 cp") || c.contains("create-application-snapshot")
                || c.startsWith("cloudformation deploy"));
    }

    @Test
    void aJobThatRestartsAfterAStartIsACrashLoop() throws Exception {
        answers("kinesisanalyticsv2_start-application_OperationId", "op-3");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("cloudwatch_get-metric-statistics_Maximum", "0", "2");
        Run r = run("start.sh", "streamsync", "none");
        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("streamsync is restarting (numRestarts 0 -> 2): a crash loop");
        assertThat(r.call("kinesisanalyticsv2 start-application")).contains("SKIP_RESTORE_FROM_SNAPSHOT",
                "\"AllowNonRestoredState\":false");
    }

    @Test
    void aStartThatNeverEndsTimesOutNamingTheOperation() throws Exception {
        answers("kinesisanalyticsv2_start-application_OperationId", "op-4");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "IN_PROGRESS");
        Run r = run("start.sh", "streamsync", "snap-1", "--allow-non-restored-state");
        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("operation op-4 still IN_PROGRESS", "describe-application-operation --application-name streamsync --operation-id op-4");
        assertThat(r.call("kinesisanalyticsv2 start-application")).contains("RESTORE_FROM_CUSTOM_SNAPSHOT", "\"SnapshotName\":\"snap-1\"",
                "\"AllowNonRestoredState\":true");
    }

    @Test
    void afterAFailedUpdateRollbackUsesTheServicesRollbackAndPutsTheStackInStep() throws Exception {
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "FAILED", "IN_PROGRESS", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "6");
        answers("kinesisanalyticsv2_rollback-application_OperationId", "op-10");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("cloudformation_deploy", "ok");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("cloudwatch_get-metric-statistics_Maximum", "1");
        Run r = run("rollback.sh", "todo-sync", "streamsync");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.call("kinesisanalyticsv2 rollback-application"))
                .contains("--application-name streamsync --current-application-version-id 6");
        assertThat(r.call("cloudformation deploy")).contains("CodeKey=" + OLD_KEY, "AllowNonRestoredState=false");
        assertThat(r.calls.indexOf(r.call("kinesisanalyticsv2 rollback-application")))
                .isLessThan(r.calls.indexOf(r.call("cloudformation deploy")));
    }

    @Test
    void afterAGoodUpdateRollbackStopsSetsTheStackBackAndStartsFromTheSnapshot() throws Exception {
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING", "READY", "RUNNING");
        answers("kinesisanalyticsv2_stop-application_OperationId", "op-11");
        answers("kinesisanalyticsv2_start-application_OperationId", "op-12");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("cloudformation_deploy", "ok");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("cloudwatch_get-metric-statistics_Maximum", "1");
        assertThat(run("rollback.sh", "todo-sync", "streamsync").output)
                .contains("the last update of streamsync did not fail (SUCCESSFUL): give SNAPSHOT_NAME and PREVIOUS_KEY");
        Files.delete(stub.resolve("calls.log"));
        try (var counts = Files.list(stub)) {
            for (Path c : counts.filter(p -> p.getFileName().toString().startsWith("count_")).toArray(Path[]::new)) {
                Files.delete(c);
            }
        }
        Run r = run("rollback.sh", "todo-sync", "streamsync", "before-x", OLD_KEY);
        assertThat(r.exit).as(r.output).isZero();
        int stop = r.calls.indexOf(r.call("kinesisanalyticsv2 stop-application"));
        int deploy = r.calls.indexOf(r.call("cloudformation deploy"));
        int start = r.calls.indexOf(r.call("kinesisanalyticsv2 start-application"));
        assertThat(stop).isLessThan(deploy);
        assertThat(deploy).isLessThan(start);
        assertThat(r.call("cloudformation deploy")).contains("CodeKey=" + OLD_KEY);
        assertThat(r.call("kinesisanalyticsv2 start-application")).contains("RESTORE_FROM_CUSTOM_SNAPSHOT", "\"SnapshotName\":\"before-x\"");
        assertThat(r.output).contains("rolled back streamsync to " + OLD_KEY + " from snapshot before-x");
    }

    @Test
    void aFlinkVersionUpgradeIsRefusedWithoutItsFlagAndSaysItIsOneWay() throws Exception {
        runningApplicationUpdatedTo6();
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-1_20");
        Run refused = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(refused.exit).isNotZero();
        assertThat(refused.output).contains("moves streamsync from FLINK-1_20 to FLINK-2_2", "one way", "--flink-upgrade",
                "Nothing was changed");
        assertThat(refused.calls).noneMatch(c -> c.startsWith("kinesisanalyticsv2 create-application-snapshot")
                || c.startsWith("cloudformation deploy"));
    }

    @Test
    void aFlinkVersionUpgradeWithItsFlagSnapshotsFirstAndPrintsTheServiceRollback() throws Exception {
        runningApplicationUpdatedTo6();
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-1_20");
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket", "--flink-upgrade");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.calls.indexOf(r.call("kinesisanalyticsv2 create-application-snapshot")))
                .isLessThan(r.calls.indexOf(r.call("cloudformation deploy")));
        assertThat(r.call("cloudformation deploy")).contains("deploy/cloudformation/streamsync.yaml", "CodeKey=" + newKey);
        assertThat(r.output).contains("in-place Flink upgrade of streamsync: FLINK-1_20 -> FLINK-2_2",
                "rollback.sh --service todo-sync streamsync");
    }

    @Test
    void theServiceRollbackAfterAFlinkUpgradePutsTheStackBackOnThePreviousTemplate() throws Exception {
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "6");
        answers("kinesisanalyticsv2_rollback-application_OperationId", "op-10");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-1_20");
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("cloudformation_deploy", "ok");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("cloudwatch_get-metric-statistics_Maximum", "1");
        Path previous = stub.resolve("streamsync-0.2.0.yaml");
        Files.writeString(previous, "Resources: {}\n");
        Run r = runWith(Map.of("STREAMSYNC_TEMPLATE", previous.toString()), "rollback.sh", "--service", "todo-sync", "streamsync");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.call("kinesisanalyticsv2 rollback-application")).contains("--current-application-version-id 6");
        assertThat(r.call("cloudformation deploy")).contains("--template-file " + previous, "CodeKey=" + OLD_KEY);
        assertThat(r.output).contains("on FLINK-1_20 again");
    }

    @Test
    void theScriptsBuildTheJarTheBuildMakes() throws Exception {
        String jarName = System.getProperty("streamsync.jar.name");
        assertThat(jarName).as("jar name from the build").isNotBlank();
        assertThat(Files.readString(Path.of("deploy/scripts/common.sh")))
                .contains("built_jar() { echo \"$repo/target/streamsync-$(project_version).jar\"; }");
        assertThat(jarName).isEqualTo("streamsync-" + projectVersion() + ".jar");
    }

    @Test
    void createOrUpdateNeedsTheImmutableCodeKey() throws Exception {
        Run r = run("create-or-update.sh", "todo-sync", "CodeBucketName=b");
        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("CodeKey=KEY is required");
        assertThat(r.calls).isEmpty();
    }
}

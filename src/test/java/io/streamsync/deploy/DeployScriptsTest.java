package io.streamsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy scripts against a stub {@code aws} command (src/test/resources/deploy/aws-stub.sh)
 * that records the calls and plays back the service's answers: a good upgrade, an update the
 * service failed and rolled back, an update that deploys nothing, a build that is already deployed,
 * a crash loop after a start, and both kinds of rollback. What the scripts send is checked on the
 * recorded calls. {@code git} and {@code date} are stubs too: the working tree's state is the
 * test's, and {@code date} is BSD-like (no {@code -d}) with a clock that moves a minute per
 * reading, so that the 10-minute watch after an operation runs in a few polls.
 */
class DeployScriptsTest {
    private static final String OLD_KEY = "streamsync/streamsync-0.1.0-SNAPSHOT-000000000000.jar";

    /** When the operations of these tests end: 2026-12-05T12:00:30.25Z. */
    private static final String ENDED = "2026-12-05T12:00:30.250000+00:00";

    private static final long ENDED_EPOCH = 1796472030L;

    /** The first whole minute after it: where the watch's metric window starts. */
    private static final long WINDOW_START = 1796472060L;

    @TempDir Path stub;
    private Path jar;
    private String newKey;
    private String newSha256Base64;

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
            return calls.stream()
                    .filter(c -> c.startsWith(start))
                    .findFirst()
                    .orElseThrow(
                            () ->
                                    new AssertionError(
                                            "no call starting with '" + start + "' in " + calls));
        }
    }

    @BeforeEach
    void stubAws() throws Exception {
        Path bin = Files.createDirectories(stub.resolve("bin"));
        for (String tool : List.of("aws", "git", "date")) {
            Files.copy(
                    Path.of("src/test/resources/deploy/" + tool + "-stub.sh"), bin.resolve(tool));
            bin.resolve(tool).toFile().setExecutable(true);
        }
        Files.createDirectories(stub.resolve("answers"));
        jar = stub.resolve("job.jar");
        Files.write(jar, "the job's bytes".getBytes(StandardCharsets.UTF_8));
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar));
        StringBuilder hex = new StringBuilder();
        for (byte b : digest) {
            hex.append(String.format("%02x", b));
        }
        newKey = "streamsync/streamsync-" + projectVersion() + "-" + hex.substring(0, 12) + ".jar";
        newSha256Base64 = java.util.Base64.getEncoder().encodeToString(digest);
    }

    private static String projectVersion() throws Exception {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(?m)^  <version>(.*)</version>")
                        .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** The n-th answer to a call ({@code key} as the stub names it): exit code and output. */
    private void answer(String key, int n, int exit, String output) throws Exception {
        Files.writeString(
                stub.resolve("answers").resolve(key + "." + n), exit + "\n" + output + "\n");
    }

    private void answers(String key, String... outputs) throws Exception {
        for (int i = 0; i < outputs.length; i++) {
            answer(key, i + 1, 0, outputs[i]);
        }
    }

    private Run run(String script, String... args) throws Exception {
        return runWith(Map.of(), script, args);
    }

    private Run runWith(Map<String, String> extraEnv, String script, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "deploy/scripts/" + script));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("PATH", stub.resolve("bin") + ":" + System.getenv("PATH"));
        env.put("STUB", stub.toString());
        env.put("JAR", jar.toString());
        env.put("STREAMSYNC_POLL_SECONDS", "0");
        env.put("STREAMSYNC_OPERATION_POLLS", "5");
        env.put("STREAMSYNC_WATCH_POLLS", "1");
        env.putAll(extraEnv);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Path log = stub.resolve("calls.log");
        List<String> calls = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return new Run(p.exitValue(), out, calls);
    }

    /**
     * A running application at version 5 with the old jar, whose update to version 6 the service
     * completes.
     */
    private void runningApplicationUpdatedTo6() throws Exception {
        answer(
                "s3api_head-object_ChecksumSHA256",
                1,
                255,
                "An error occurred (404) when calling the HeadObject operation: Not Found");
        answers("s3api_put-object", "{}");
        answers("s3api_head-object_VersionId", "v-3HL4kqtJlcpXroDTDmJ");
        // what release 0.2.0's scripts asked (an existence check, then s3 cp), so that the tests of
        // the later fixes fail
        // on those scripts for the defect they name, not for a missing answer
        answer("s3api_head-object", 1, 255, "");
        answers("s3_cp", "upload: job.jar");
        answers("kinesisanalyticsv2_describe-application_RollbackEnabled", "True");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-2_2");
        answers("kinesisanalyticsv2_create-application-snapshot", "");
        answers(
                "kinesisanalyticsv2_describe-application-snapshot_SnapshotStatus",
                "CREATING",
                "READY");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "5", "6");
        answers("cloudformation_deploy", "Successfully created/updated stack");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("cloudformation_describe-stacks_ParameterValue", "code-bucket");
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers(
                "kinesisanalyticsv2_describe-application-operation_OperationStatus",
                "IN_PROGRESS",
                "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("cloudwatch_get-metric-statistics_Maximum", "None", "0");
        // the stack's update op-9 moved the application to version 6; the stack's parameters and
        // prefix before it
        answers(
                "kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedTo",
                "6");
        answers(
                "cloudformation_describe-stacks_ParameterKeyParameterValue",
                "CodeBucketName\tcode-bucket\nCodeKeyPrefix\tstreamsync/");
        answers("cloudformation_describe-stacks_ParameterValue0", "streamsync/");
    }

    private static List<String> metricCalls(Run r) {
        return r.calls.stream()
                .filter(c -> c.startsWith("cloudwatch get-metric-statistics"))
                .collect(java.util.stream.Collectors.toList());
    }

    /**
     * The value of an option in a recorded call (the stub records the arguments joined by spaces).
     */
    private static String option(String call, String name) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile(
                                " " + java.util.regex.Pattern.quote(name) + " (\\S+)")
                        .matcher(call);
        assertThat(m.find()).as("%s in %s", name, call).isTrue();
        return m.group(1);
    }

    @Test
    void anUpgradeUploadsUnderANewKeyWaitsForTheUpdateAndWatchesTheJob() throws Exception {
        runningApplicationUpdatedTo6();
        Run r =
                run(
                        "upgrade.sh",
                        "todo-sync",
                        "streamsync",
                        "code-bucket",
                        "SearchEndpoint=https://x:443");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.call("s3api put-object"))
                .startsWith(
                        "s3api put-object --bucket code-bucket --key " + newKey + " --body " + jar);
        assertThat(r.call("kinesisanalyticsv2 create-application-snapshot"))
                .contains("--snapshot-name before-streamsync-");
        String deploy = r.call("cloudformation deploy");
        assertThat(deploy)
                .contains(
                        "CodeBucketName=code-bucket",
                        "CodeKey=" + newKey,
                        "AllowNonRestoredState=false",
                        "SearchEndpoint=https://x:443");
        assertThat(r.call("kinesisanalyticsv2 describe-application-operation"))
                .contains("--operation-id op-9");
        assertThat(metricCalls(r))
                .hasSizeGreaterThanOrEqualTo(10)
                .allSatisfy(
                        c ->
                                assertThat(c)
                                        .contains(
                                                "--metric-name numRestarts",
                                                "Name=Application,Value=streamsync",
                                                "--start-time " + WINDOW_START));
        assertThat(r.output)
                .contains(
                        "to roll back: rollback.sh todo-sync streamsync before-streamsync-",
                        " " + OLD_KEY);
        // the upload came before the snapshot, the snapshot before the stack update
        assertThat(r.calls.indexOf(r.call("s3api put-object")))
                .isLessThan(
                        r.calls.indexOf(r.call("kinesisanalyticsv2 create-application-snapshot")));
        assertThat(r.calls.indexOf(r.call("kinesisanalyticsv2 create-application-snapshot")))
                .isLessThan(r.calls.indexOf(deploy));
    }

    @Test
    void theAllowNonRestoredStateFlagReachesTheStackForThatUpdateOnly() throws Exception {
        runningApplicationUpdatedTo6();
        Run r =
                run(
                        "upgrade.sh",
                        "todo-sync",
                        "streamsync",
                        "code-bucket",
                        "--allow-non-restored-state");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.call("cloudformation deploy")).contains("AllowNonRestoredState=true");
        assertThat(
                        run(
                                        "upgrade.sh",
                                        "todo-sync",
                                        "streamsync",
                                        "code-bucket",
                                        "AllowNonRestoredState=true")
                                .output)
                .contains("AllowNonRestoredState=true is set by the script");
    }

    @Test
    void anUpdateTheServiceFailedAndRolledBackIsAFailureNamingTheReason() throws Exception {
        runningApplicationUpdatedTo6();
        answers(
                "kinesisanalyticsv2_describe-application-operation_OperationStatus",
                "IN_PROGRESS",
                "FAILED");
        answers(
                "kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedFrom",
                "Job restore failed: operator state not restored\top-10\t5");
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).isNotZero();
        assertThat(r.output)
                .contains(
                        "operation op-9 FAILED",
                        "Job restore failed: operator state not restored",
                        "rollback.sh STACK streamsync")
                .doesNotContain("upgraded streamsync");
        assertThat(r.calls).noneMatch(c -> c.startsWith("cloudwatch"));
    }

    @Test
    void aStackUpdateThatDeploysNothingIsAFailure() throws Exception {
        runningApplicationUpdatedTo6();
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "5", "5");
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).isNotZero();
        assertThat(r.output)
                .contains(
                        "the stack update deployed nothing (streamsync is still at version 5, running s3://code-bucket/"
                                + OLD_KEY);
    }

    @Test
    void theBuildAlreadyDeployedIsNotUpgradedAgain() throws Exception {
        runningApplicationUpdatedTo6();
        answer("s3api_head-object_ChecksumSHA256", 1, 0, newSha256Base64);
        answers("kinesisanalyticsv2_describe-application_FileKey", newKey);
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).isNotZero();
        assertThat(r.output)
                .contains(
                        "is there already with the same SHA-256",
                        "streamsync already runs s3://code-bucket/"
                                + newKey
                                + " (this build): nothing to upgrade");
        assertThat(r.calls)
                .noneMatch(
                        c ->
                                c.startsWith("s3api put-object")
                                        || c.contains("create-application-snapshot")
                                        || c.startsWith("cloudformation deploy"));
    }

    @Test
    void aJobThatRestartsAfterAStartIsACrashLoop() throws Exception {
        answers("kinesisanalyticsv2_start-application_OperationId", "op-3");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("cloudwatch_get-metric-statistics_Maximum", "0", "2");
        Run r = run("start.sh", "streamsync", "none");
        assertThat(r.exit).isNotZero();
        assertThat(r.output)
                .contains(
                        "streamsync's new job restarted (numRestarts 2 since operation op-3 ended): a crash loop");
        assertThat(metricCalls(r)).hasSize(2);
        assertThat(r.call("kinesisanalyticsv2 start-application"))
                .contains("SKIP_RESTORE_FROM_SNAPSHOT", "\"AllowNonRestoredState\":false");
    }

    @Test
    void aStartThatNeverEndsTimesOutNamingTheOperation() throws Exception {
        answers("kinesisanalyticsv2_start-application_OperationId", "op-4");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "IN_PROGRESS");
        Run r = run("start.sh", "streamsync", "snap-1", "--allow-non-restored-state");
        assertThat(r.exit).isNotZero();
        assertThat(r.output)
                .contains(
                        "operation op-4 still IN_PROGRESS",
                        "describe-application-operation --application-name streamsync --operation-id op-4");
        assertThat(r.call("kinesisanalyticsv2 start-application"))
                .contains(
                        "RESTORE_FROM_CUSTOM_SNAPSHOT",
                        "\"SnapshotName\":\"snap-1\"",
                        "\"AllowNonRestoredState\":true");
    }

    @Test
    void
            afterAFailedUpdateWithoutASystemRollbackRollbackUsesTheServicesRollbackAndPutsTheStackInStep()
                    throws Exception {
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers(
                "kinesisanalyticsv2_describe-application-operation_OperationStatus",
                "FAILED",
                "IN_PROGRESS",
                "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application-operation_RollbackOperationId", "None");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("kinesisanalyticsv2_describe-application_ObjectVersion", "None");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "6");
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-2_2");
        answers("kinesisanalyticsv2_rollback-application_OperationId", "op-10");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("cloudformation_deploy", "ok");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("cloudformation_describe-stacks_ParameterValue", "code-bucket");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
        Run r = run("rollback.sh", "todo-sync", "streamsync");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.call("kinesisanalyticsv2 rollback-application"))
                .contains("--application-name streamsync --current-application-version-id 6");
        assertThat(r.call("cloudformation deploy"))
                .contains(
                        "CodeKey=" + OLD_KEY,
                        "CodeObjectVersion=none",
                        "AllowNonRestoredState=false");
        assertThat(r.calls.indexOf(r.call("kinesisanalyticsv2 rollback-application")))
                .isLessThan(r.calls.indexOf(r.call("cloudformation deploy")));
        assertThat(metricCalls(r))
                .allSatisfy(c -> assertThat(c).contains("--start-time " + WINDOW_START));
    }

    @Test
    void afterAGoodUpdateRollbackStopsSetsTheStackBackAndStartsFromTheSnapshot() throws Exception {
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9", "op-13");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "6", "7");
        answers(
                "kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedTo",
                "7");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers(
                "kinesisanalyticsv2_describe-application_ApplicationStatus",
                "RUNNING",
                "READY",
                "RUNNING");
        answers("kinesisanalyticsv2_stop-application_OperationId", "op-11");
        answers("kinesisanalyticsv2_start-application_OperationId", "op-12");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-2_2");
        answers("kinesisanalyticsv2_describe-application-snapshot_RuntimeEnvironment", "FLINK-2_2");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("cloudformation_deploy", "ok");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("cloudformation_describe-stacks_ParameterValue", "code-bucket");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
        assertThat(run("rollback.sh", "todo-sync", "streamsync").output)
                .contains(
                        "the last update of streamsync did not fail (SUCCESSFUL): give SNAPSHOT_NAME and PREVIOUS_KEY");
        Files.delete(stub.resolve("calls.log"));
        try (var counts = Files.list(stub)) {
            for (Path c :
                    counts.filter(p -> p.getFileName().toString().startsWith("count_"))
                            .toArray(Path[]::new)) {
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
        assertThat(r.call("kinesisanalyticsv2 start-application"))
                .contains("RESTORE_FROM_CUSTOM_SNAPSHOT", "\"SnapshotName\":\"before-x\"");
        assertThat(r.output)
                .contains("rolled back streamsync to " + OLD_KEY + " from snapshot before-x");
    }

    @Test
    void aFlinkVersionUpgradeIsRefusedWithoutItsFlagAndSaysItIsOneWay() throws Exception {
        runningApplicationUpdatedTo6();
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-1_20");
        Run refused = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(refused.exit).isNotZero();
        assertThat(refused.output)
                .contains(
                        "moves streamsync from FLINK-1_20 to FLINK-2_2",
                        "one way",
                        "--flink-upgrade",
                        "Nothing was changed");
        assertThat(refused.calls)
                .noneMatch(
                        c ->
                                c.startsWith("kinesisanalyticsv2 create-application-snapshot")
                                        || c.startsWith("cloudformation deploy"));
    }

    @Test
    void aFlinkVersionUpgradeWithItsFlagSnapshotsFirstAndPrintsTheServiceRollback()
            throws Exception {
        runningApplicationUpdatedTo6();
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-1_20");
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket", "--flink-upgrade");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.calls.indexOf(r.call("kinesisanalyticsv2 create-application-snapshot")))
                .isLessThan(r.calls.indexOf(r.call("cloudformation deploy")));
        assertThat(r.call("cloudformation deploy"))
                .contains("deploy/cloudformation/streamsync.yaml", "CodeKey=" + newKey);
        assertThat(r.output)
                .contains(
                        "in-place Flink upgrade of streamsync: FLINK-1_20 -> FLINK-2_2",
                        "rollback.sh --service todo-sync streamsync");
    }

    @Test
    void theServiceRollbackAfterAFlinkUpgradePutsTheStackBackOnThePreviousTemplate()
            throws Exception {
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "6");
        answers("kinesisanalyticsv2_rollback-application_OperationId", "op-10");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-1_20");
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("kinesisanalyticsv2_describe-application_ObjectVersion", "None");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("cloudformation_deploy", "ok");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("cloudformation_describe-stacks_ParameterValue", "code-bucket");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
        Path previous = stub.resolve("streamsync-0.2.0.yaml");
        Files.writeString(
                previous,
                "Resources:\n  Application:\n    Properties:\n      RuntimeEnvironment: FLINK-1_20\n");
        Run r =
                runWith(
                        Map.of("STREAMSYNC_TEMPLATE", previous.toString()),
                        "rollback.sh",
                        "--service",
                        "todo-sync",
                        "streamsync");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.call("kinesisanalyticsv2 rollback-application"))
                .contains("--current-application-version-id 6");
        assertThat(r.call("cloudformation deploy"))
                .contains("--template-file " + previous, "CodeKey=" + OLD_KEY);
        assertThat(r.output).contains("on FLINK-1_20 again");
    }

    @Test
    void theTemplateLargerThanCloudFormationTakesInlineIsDeployedThroughTheCodeBucket()
            throws Exception {
        assertThat(Files.size(Path.of("deploy/cloudformation/streamsync.yaml")))
                .as(
                        "over the 51,200 bytes of TemplateBody,"
                                + " within the 1,000,000 of a TemplateURL")
                .isGreaterThan(51_200L)
                .isLessThan(1_000_000L);
        answers("cloudformation_deploy", "ok");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        Run given =
                run(
                        "create-or-update.sh",
                        "todo-sync",
                        "CodeBucketName=code-bucket",
                        "CodeKey=" + OLD_KEY);
        assertThat(given.exit).as(given.output).isZero();
        assertThat(given.call("cloudformation deploy"))
                .contains("--s3-bucket code-bucket --s3-prefix streamsync/cloudformation");
        Files.delete(stub.resolve("calls.log"));
        answers("cloudformation_describe-stacks_ParameterValue", "stack-code-bucket");
        Run kept =
                run(
                        "create-or-update.sh",
                        "todo-sync",
                        "CodeKey=" + OLD_KEY,
                        "CodeKeyPrefix=jobs/");
        assertThat(kept.exit).as(kept.output).isZero();
        assertThat(kept.call("cloudformation deploy"))
                .as("the stack's own code bucket when none is given")
                .contains("--s3-bucket stack-code-bucket --s3-prefix jobs/cloudformation");
    }

    @Test
    void aNewStackWithoutACodeBucketIsRefusedBeforeAnyChange() throws Exception {
        answer(
                "cloudformation_describe-stacks_ParameterValue",
                1,
                255,
                "Stack with id todo-sync does not exist");
        Run r = run("create-or-update.sh", "todo-sync", "CodeKey=" + OLD_KEY);
        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("CodeBucketName=BUCKET is required for a new stack");
        assertThat(r.calls).noneMatch(c -> c.startsWith("cloudformation deploy"));
    }

    /** Forgets the answers and the call counts of a scenario (calls.argv keeps every call made). */
    private void nextScenario() throws Exception {
        try (var files = Files.list(stub)) {
            for (Path f :
                    files.filter(
                                    p ->
                                            p.getFileName().toString().startsWith("count_")
                                                    || p.getFileName()
                                                            .toString()
                                                            .equals("calls.log"))
                            .toArray(Path[]::new)) {
                Files.delete(f);
            }
        }
        try (var files = Files.list(stub.resolve("answers"))) {
            for (Path f : files.toArray(Path[]::new)) {
                Files.delete(f);
            }
        }
    }

    /**
     * Every AWS CLI call the scripts make in the scenarios below (each path of each script) is one
     * the real AWS CLI accepts: replayed, quoted as made, through the installed CLI's own driver
     * (aws-cli-replay.py) against a closed port on 127.0.0.1 with throw-away credentials, each gets
     * as far as connecting. So its command, options, JSON and shorthand values and --query passed
     * the CLI's own checks against the service models. Skipped where the AWS CLI is not importable
     * by python3 (this machine image has AWS CLI v1 1.45 with botocore 1.43; the scripts are
     * written for v2, whose options for these calls are the same).
     */
    @Test
    void everyCallTheScriptsMakeIsOneTheRealAwsCliAccepts() throws Exception {
        Process probe =
                new ProcessBuilder("python3", "-c", "import awscli.clidriver")
                        .redirectErrorStream(true)
                        .start();
        probe.getInputStream().readAllBytes();
        org.junit.jupiter.api.Assumptions.assumeTrue(
                probe.waitFor() == 0, "the AWS CLI is not importable by python3");

        // an upgrade across Flink runtimes with the system-rollback opt-in
        runningApplicationUpdatedTo6();
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-1_20");
        answers("kinesisanalyticsv2_describe-application_RollbackEnabled", "False", "True");
        answers("kinesisanalyticsv2_update-application_OperationId", "op-8");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "5", "6", "7");
        answers(
                "kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedTo",
                "7");
        assertThat(
                        run(
                                        "upgrade.sh",
                                        "todo-sync",
                                        "streamsync",
                                        "code-bucket",
                                        "--flink-upgrade")
                                .exit)
                .isZero();
        // a key already there without a SHA-256: compared by content
        nextScenario();
        answer("s3api_head-object_ChecksumSHA256", 1, 0, "None");
        answers("s3_cp", "other bytes");
        assertThat(run("build-and-upload.sh", "code-bucket").exit).isNotZero();
        // rollbacks: after a system rollback, without one, back to a snapshot (runtime from the
        // version), --service
        nextScenario();
        failedUpdateTheServiceRolledBack();
        assertThat(run("rollback.sh", "todo-sync", "streamsync").exit).isZero();
        nextScenario();
        failedUpdateTheServiceRolledBack();
        answers("kinesisanalyticsv2_describe-application-operation_RollbackOperationId", "None");
        answers(
                "kinesisanalyticsv2_describe-application-operation_OperationStatus",
                "FAILED",
                "SUCCESSFUL");
        assertThat(run("rollback.sh", "todo-sync", "streamsync").exit).isZero();
        nextScenario();
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers(
                "kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedFrom",
                "5");
        answers("kinesisanalyticsv2_describe-application-snapshot_RuntimeEnvironment", "None");
        answers("kinesisanalyticsv2_describe-application-version_RuntimeEnvironment", "FLINK-1_20");
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-2_2");
        assertThat(run("rollback.sh", "todo-sync", "streamsync", "before-x", OLD_KEY).output)
                .contains("was taken on FLINK-1_20");
        nextScenario();
        failedUpdateTheServiceRolledBack();
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        assertThat(run("rollback.sh", "--service", "todo-sync", "streamsync").exit).isZero();
        // start from a named snapshot, a forced stop, a stack update without a bucket
        nextScenario();
        answers("kinesisanalyticsv2_start-application_OperationId", "op-3");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
        assertThat(run("start.sh", "streamsync", "snap-1", "--allow-non-restored-state").exit)
                .isZero();
        nextScenario();
        answers("kinesisanalyticsv2_stop-application_OperationId", "op-5");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "READY");
        assertThat(run("stop.sh", "streamsync", "--force").exit).isZero();

        // one call of each shape: calls that differ only in numbers (times, versions) are checked
        // once
        Map<String, String> byShape = new java.util.LinkedHashMap<>();
        for (String call : Files.readAllLines(stub.resolve("calls.argv"))) {
            byShape.putIfAbsent(call.replaceAll("[0-9]+", "0"), call);
        }
        List<String> calls = new ArrayList<>(byShape.values());
        Set<String> operations = new java.util.TreeSet<>();
        for (String call : calls) {
            String[] words = call.trim().split(" ");
            operations.add(words[0] + " " + words[1]);
        }
        assertThat(operations)
                .containsExactlyInAnyOrder(
                        "cloudformation deploy",
                        "cloudformation describe-stacks",
                        "cloudwatch get-metric-statistics",
                        "kinesisanalyticsv2 create-application-snapshot",
                        "kinesisanalyticsv2 describe-application",
                        "kinesisanalyticsv2 describe-application-operation",
                        "kinesisanalyticsv2 describe-application-snapshot",
                        "kinesisanalyticsv2 describe-application-version",
                        "kinesisanalyticsv2 list-application-operations",
                        "kinesisanalyticsv2 rollback-application",
                        "kinesisanalyticsv2 start-application",
                        "kinesisanalyticsv2 stop-application",
                        "kinesisanalyticsv2 update-application",
                        "s3 cp",
                        "s3api head-object",
                        "s3api put-object");
        Path home = Files.createDirectories(stub.resolve("aws-home"));
        Path shapes = Files.write(stub.resolve("calls.shapes"), calls);
        ProcessBuilder pb =
                new ProcessBuilder(
                                "python3",
                                Path.of("src/test/resources/deploy/aws-cli-replay.py")
                                        .toAbsolutePath()
                                        .toString(),
                                shapes.toString())
                        .redirectErrorStream(true)
                        .directory(stub.toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        env.put("AWS_CONFIG_FILE", home.resolve("config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString());
        env.put("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
        env.put("AWS_SECRET_ACCESS_KEY", "not-a-secret");
        env.put("AWS_DEFAULT_REGION", "eu-west-1");
        env.put("AWS_MAX_ATTEMPTS", "1");
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        Process p = pb.start();
        List<String> verdicts =
                List.of(
                        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                                .split("\n"));
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join("\n", verdicts)).isZero();
        List<String> refused =
                verdicts.stream()
                        .filter(v -> !v.startsWith("OK "))
                        .collect(java.util.stream.Collectors.toList());
        assertThat(refused).as("calls the AWS CLI refused before connecting").isEmpty();
        assertThat(verdicts.stream().filter(v -> v.startsWith("OK ")))
                .as("verdicts: %s", verdicts)
                .hasSize(calls.size());
        assertThat(calls).as("call shapes checked").hasSizeGreaterThanOrEqualTo(25);
    }

    @Test
    void theScriptsBuildTheJarTheBuildMakes() throws Exception {
        String jarName = System.getProperty("streamsync.jar.name");
        assertThat(jarName).as("jar name from the build").isNotBlank();
        assertThat(Files.readString(Path.of("deploy/scripts/common.sh")))
                .contains(
                        "built_jar() { echo \"$repo/target/streamsync-$(project_version).jar\"; }");
        assertThat(jarName).isEqualTo("streamsync-" + projectVersion() + ".jar");
    }

    @Test
    void createOrUpdateNeedsTheImmutableCodeKey() throws Exception {
        Run r = run("create-or-update.sh", "todo-sync", "CodeBucketName=b");
        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("CodeKey=KEY is required");
        assertThat(r.calls).isEmpty();
    }

    // ---- issue 26 (deploy kit) and issue 31 (minor deploy points): each of these failed on the
    // scripts before them

    @Test
    void startPutsTheSnapshotNameIntoTheRunConfigurationAsAJsonString() throws Exception {
        answers("kinesisanalyticsv2_start-application_OperationId", "op-3");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
        String name = "snap\"1\\x";
        Run r = run("start.sh", "streamsync", name);
        String call = r.call("kinesisanalyticsv2 start-application");
        String json =
                call.substring(
                        call.indexOf("--run-configuration ") + "--run-configuration ".length(),
                        call.indexOf(" --query"));
        com.fasterxml.jackson.databind.JsonNode parsed =
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        assertThat(parsed.at("/ApplicationRestoreConfiguration/SnapshotName").asText())
                .isEqualTo(name);
        assertThat(parsed.at("/ApplicationRestoreConfiguration/ApplicationRestoreType").asText())
                .isEqualTo("RESTORE_FROM_CUSTOM_SNAPSHOT");
        assertThat(r.exit).as(r.output).isZero();
    }

    @Test
    void anExistingKeyWithOtherContentIsRefusedNotTakenForThisBuild() throws Exception {
        answer(
                "s3api_head-object_ChecksumSHA256",
                1,
                0,
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        answer("s3api_head-object", 1, 0, "{}");
        Run r = run("build-and-upload.sh", "code-bucket");
        assertThat(r.exit).isNotZero();
        assertThat(r.output)
                .contains(
                        "s3://code-bucket/" + newKey + " exists with other content",
                        "this jar's is " + newSha256Base64,
                        "nothing was uploaded");
        assertThat(r.calls)
                .noneMatch(c -> c.startsWith("s3api put-object") || c.startsWith("s3 cp"));
    }

    @Test
    void anUploadCarriesTheJarsSha256ForS3ToCheckAndTheGitCommitItWasBuiltFrom() throws Exception {
        answer("s3api_head-object_ChecksumSHA256", 1, 255, "Not Found");
        answers("s3api_put-object", "{}");
        answer("s3api_head-object", 1, 255, "");
        answers("s3_cp", "upload: job.jar");
        Files.writeString(stub.resolve("git-head"), "feedfacecafebeef0000000000000000deadbeef\n");
        Run r = run("build-and-upload.sh", "code-bucket");
        assertThat(r.exit).as(r.output).isZero();
        String put = r.call("s3api put-object");
        assertThat(option(put, "--checksum-algorithm")).isEqualTo("SHA256");
        assertThat(option(put, "--checksum-sha256")).isEqualTo(newSha256Base64);
        assertThat(option(put, "--metadata"))
                .isEqualTo("{\"git-commit\":\"feedfacecafebeef0000000000000000deadbeef\"}");
        assertThat(r.output.trim()).endsWith(newKey);
    }

    @Test
    void anUpgradeFromAWorkingTreeWithUncommittedChangesIsRefusedBeforeAnythingIsBuilt()
            throws Exception {
        runningApplicationUpdatedTo6();
        Files.writeString(
                stub.resolve("git-status"), " M src/main/java/io/streamsync/StreamSyncJob.java\n");
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("has uncommitted changes");
        assertThat(r.calls).isEmpty();
    }

    @Test
    void anUpgradePinsTheStackToTheUploadedObjectsVersion() throws Exception {
        runningApplicationUpdatedTo6();
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(
                        r.call(
                                "s3api head-object --bucket code-bucket --key "
                                        + newKey
                                        + " --query VersionId"))
                .isNotEmpty();
        assertThat(r.call("cloudformation deploy"))
                .contains("CodeObjectVersion=v-3HL4kqtJlcpXroDTDmJ");
        assertThat(
                        run(
                                        "upgrade.sh",
                                        "todo-sync",
                                        "streamsync",
                                        "code-bucket",
                                        "CodeObjectVersion=x")
                                .output)
                .contains("CodeObjectVersion=x is set by the script");
    }

    @Test
    void theLatestOperationIsChosenByStartTimeWithoutAnOptionCliV2DoesNotHave() throws Exception {
        runningApplicationUpdatedTo6();
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).as(r.output).isZero();
        String list = r.call("kinesisanalyticsv2 list-application-operations");
        assertThat(list)
                .doesNotContain("--limit")
                .contains(
                        "--operation UpdateApplication",
                        "--query sort_by(ApplicationOperationInfoList, &StartTime)[-1].OperationId");
    }

    @Test
    void aRestartOfTheNewJobBeforeTheFirstPollFailsTheWatch() throws Exception {
        // the new job restarted once in its first minute; the old watch took that first reading as
        // its baseline
        runningApplicationUpdatedTo6();
        answers("cloudwatch_get-metric-statistics_Maximum", "1");
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).isNotZero();
        assertThat(r.output)
                .contains(
                        "streamsync's new job restarted (numRestarts 1 since operation op-9 ended)")
                .doesNotContain("upgraded streamsync");
        assertThat(metricCalls(r))
                .hasSize(1)
                .allSatisfy(c -> assertThat(c).contains("--start-time " + WINDOW_START));
    }

    @Test
    void theWatchLastsTenMinutesFromTheOperationsEndWithADateThatHasNoDashD() throws Exception {
        runningApplicationUpdatedTo6();
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).as(r.output).isZero();
        List<String> watched = metricCalls(r);
        long lastEnd = Long.parseLong(option(watched.get(watched.size() - 1), "--end-time"));
        assertThat(lastEnd)
                .as("the last reading covers 10 minutes after the operation ended")
                .isGreaterThanOrEqualTo(ENDED_EPOCH + 600);
        assertThat(watched)
                .allSatisfy(
                        c ->
                                assertThat(Long.parseLong(option(c, "--start-time")))
                                        .isEqualTo(WINDOW_START));
    }

    /**
     * A failed update op-9 whose system rollback op-10 the service ran; the application runs the
     * old jar again.
     */
    private void failedUpdateTheServiceRolledBack() throws Exception {
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers(
                "kinesisanalyticsv2_describe-application-operation_OperationStatus",
                "FAILED",
                "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application-operation_RollbackOperationId", "op-10");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "7");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("kinesisanalyticsv2_describe-application_ObjectVersion", "v-old");
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-2_2");
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("kinesisanalyticsv2_rollback-application_OperationId", "op-11");
        answers("cloudformation_deploy", "ok");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("cloudformation_describe-stacks_ParameterValue", "code-bucket");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
    }

    @Test
    void afterAFailedUpdateTheServiceRolledBackItselfOnlyTheStackIsPutInStep() throws Exception {
        failedUpdateTheServiceRolledBack();
        Run r = run("rollback.sh", "todo-sync", "streamsync");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.calls)
                .as("no second rollback")
                .noneMatch(c -> c.startsWith("kinesisanalyticsv2 rollback-application"));
        assertThat(r.calls)
                .anyMatch(
                        c ->
                                c.startsWith("kinesisanalyticsv2 describe-application-operation")
                                        && c.contains("--operation-id op-10"));
        assertThat(r.call("cloudformation deploy"))
                .contains(
                        "CodeKey=" + OLD_KEY,
                        "CodeObjectVersion=v-old",
                        "AllowNonRestoredState=false");
        assertThat(r.output).contains("system rollback, operation op-10");
    }

    @Test
    void aSystemRollbackThatFailedLeavesTheStackAloneAndSaysTheApplicationIsReady()
            throws Exception {
        failedUpdateTheServiceRolledBack();
        answers(
                "kinesisanalyticsv2_describe-application-operation_OperationStatus",
                "FAILED",
                "FAILED");
        answers(
                "kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedFrom",
                "Job failed to restore\tNone\t6");
        Run r = run("rollback.sh", "todo-sync", "streamsync");
        assertThat(r.exit).isNotZero();
        assertThat(r.output)
                .contains(
                        "system rollback of streamsync: operation op-10 FAILED",
                        "The service's own rollback failed",
                        "the stack was not changed");
        assertThat(r.calls)
                .noneMatch(
                        c ->
                                c.startsWith("kinesisanalyticsv2 rollback-application")
                                        || c.startsWith("cloudformation deploy"));
    }

    @Test
    void withoutASystemRollbackTheServiceRollbackIsNotAskedOfAnApplicationInAStatusThatRefusesIt()
            throws Exception {
        failedUpdateTheServiceRolledBack();
        answers("kinesisanalyticsv2_describe-application-operation_RollbackOperationId", "None");
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "READY");
        Run r = run("rollback.sh", "todo-sync", "streamsync");
        assertThat(r.exit).isNotZero();
        assertThat(r.output)
                .contains("streamsync is READY", "only in UPDATING, AUTOSCALING or RUNNING");
        assertThat(r.calls)
                .noneMatch(
                        c ->
                                c.startsWith("kinesisanalyticsv2 rollback-application")
                                        || c.startsWith("cloudformation deploy"));
    }

    @Test
    void theSnapshotRollbackIsRefusedWhenTheSnapshotIsOfAnotherFlinkRuntime() throws Exception {
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-2_2");
        answers(
                "kinesisanalyticsv2_describe-application-snapshot_RuntimeEnvironment",
                "FLINK-1_20");
        answers("kinesisanalyticsv2_stop-application_OperationId", "op-11");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("cloudformation_deploy", "ok");
        Run r = run("rollback.sh", "todo-sync", "streamsync", "before-x", OLD_KEY);
        assertThat(r.exit).isNotZero();
        assertThat(r.output)
                .contains(
                        "snapshot before-x was taken on FLINK-1_20 and streamsync runs FLINK-2_2",
                        "--service",
                        "Nothing was changed");
        assertThat(r.calls)
                .noneMatch(
                        c ->
                                c.startsWith("kinesisanalyticsv2 stop-application")
                                        || c.startsWith("cloudformation deploy"));
    }

    @Test
    void aFlinkUpgradeOptsIntoSystemRollbackWithAnUpdateOfItsOwnFirst() throws Exception {
        runningApplicationUpdatedTo6();
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-1_20");
        answers("kinesisanalyticsv2_describe-application_RollbackEnabled", "False", "True");
        answers("kinesisanalyticsv2_update-application_OperationId", "op-8");
        // version 5 before the opt-in, 6 after it, 7 after the stack's update
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "5", "6", "7");
        answers(
                "kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedTo",
                "7");
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket", "--flink-upgrade");
        assertThat(r.exit).as(r.output).isZero();
        String optIn = r.call("kinesisanalyticsv2 update-application");
        assertThat(optIn)
                .contains(
                        "--current-application-version-id 5",
                        "{\"ApplicationSystemRollbackConfigurationUpdate\":{\"RollbackEnabledUpdate\":true}}");
        int optInAt = r.calls.indexOf(optIn);
        assertThat(r.calls.subList(optInAt, r.calls.size()))
                .anyMatch(
                        c ->
                                c.startsWith("kinesisanalyticsv2 describe-application-operation")
                                        && c.contains("--operation-id op-8"));
        assertThat(optInAt)
                .isLessThan(
                        r.calls.indexOf(r.call("kinesisanalyticsv2 create-application-snapshot")));
        assertThat(optInAt).isLessThan(r.calls.indexOf(r.call("cloudformation deploy")));
    }

    @Test
    void aForcedStopTakesNoSnapshot() throws Exception {
        answers("kinesisanalyticsv2_stop-application_OperationId", "op-5");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "READY");
        Run r = run("stop.sh", "streamsync", "--force");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.call("kinesisanalyticsv2 stop-application"))
                .contains("--application-name streamsync --force");
    }

    // ---- second round (review fixes) ----

    /**
     * After the system rollback op-10, the stack change (CodeKey back) starts the UpdateApplication
     * op-12 to version 8.
     */
    private void systemRollbackThenTheStacksOwnUpdate() throws Exception {
        failedUpdateTheServiceRolledBack();
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9", "op-12");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "7", "8");
        // op-9 FAILED, op-10 (the system rollback) SUCCESSFUL, op-12 (the stack's update)
        // IN_PROGRESS then SUCCESSFUL
        answers(
                "kinesisanalyticsv2_describe-application-operation_OperationStatus",
                "FAILED",
                "SUCCESSFUL",
                "IN_PROGRESS",
                "SUCCESSFUL");
        answers(
                "kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedTo",
                "8");
    }

    @Test
    void puttingTheStackInStepWaitsForTheUpdateItsChangeStartsAndWatchesThatJob() throws Exception {
        systemRollbackThenTheStacksOwnUpdate();
        Run r = run("rollback.sh", "todo-sync", "streamsync");
        assertThat(r.exit).as(r.output).isZero();
        int deploy = r.calls.indexOf(r.call("cloudformation deploy"));
        List<String> after = r.calls.subList(deploy, r.calls.size());
        assertThat(after)
                .as("the stack's own update is waited for")
                .anyMatch(
                        c ->
                                c.startsWith("kinesisanalyticsv2 describe-application-operation")
                                        && c.contains("--operation-id op-12")
                                        && c.contains("OperationStatus"));
        assertThat(after)
                .anyMatch(
                        c ->
                                c.contains("--operation-id op-12")
                                        && c.contains("ApplicationVersionUpdatedTo"));
        assertThat(r.output)
                .contains("watching streamsync for restarts for 600 s after operation op-12 ended");
        assertThat(metricCalls(r)).isNotEmpty();
    }

    @Test
    void anApplicationNotRunningAfterTheStacksUpdateIsAFailureNotASilentlySkippedWatch()
            throws Exception {
        systemRollbackThenTheStacksOwnUpdate();
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "UPDATING");
        Run r = run("rollback.sh", "todo-sync", "streamsync");
        assertThat(r.exit).as(r.output).isNotZero();
        assertThat(r.output)
                .contains("streamsync is UPDATING, not RUNNING")
                .doesNotContain("rolled back streamsync");
    }

    @Test
    void anUpdateOfSomeoneElseIsNotTakenForTheStacksOwn() throws Exception {
        systemRollbackThenTheStacksOwnUpdate();
        answers(
                "kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedTo",
                "9");
        Run r = run("rollback.sh", "todo-sync", "streamsync");
        assertThat(r.exit).as(r.output).isNotZero();
        assertThat(r.output)
                .contains("op-12 moved streamsync to version 9, not 8")
                .doesNotContain("rolled back streamsync");
        assertThat(metricCalls(r)).isEmpty();
    }

    @Test
    void theSnapshotRollbackWaitsForTheStacksUpdateOfTheStoppedApplicationBeforeItStarts()
            throws Exception {
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9", "op-13");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers(
                "kinesisanalyticsv2_describe-application-operation_ApplicationVersionUpdatedTo",
                "7");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "6", "7");
        answers(
                "kinesisanalyticsv2_describe-application_ApplicationStatus",
                "RUNNING",
                "READY",
                "RUNNING");
        answers("kinesisanalyticsv2_stop-application_OperationId", "op-11");
        answers("kinesisanalyticsv2_start-application_OperationId", "op-14");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-2_2");
        answers("kinesisanalyticsv2_describe-application-snapshot_RuntimeEnvironment", "FLINK-2_2");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("cloudformation_deploy", "ok");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("cloudformation_describe-stacks_ParameterValue", "code-bucket");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
        Run r = run("rollback.sh", "todo-sync", "streamsync", "before-x", OLD_KEY);
        assertThat(r.exit).as(r.output).isZero();
        int deploy = r.calls.indexOf(r.call("cloudformation deploy"));
        int start = r.calls.indexOf(r.call("kinesisanalyticsv2 start-application"));
        assertThat(r.calls.subList(deploy, start))
                .anyMatch(
                        c ->
                                c.startsWith("kinesisanalyticsv2 describe-application-operation")
                                        && c.contains("--operation-id op-13")
                                        && c.contains("OperationStatus"));
    }

    @Test
    void
            aServiceRollbackToAnotherRuntimeWithoutThatReleasesTemplateLeavesTheStackAloneAndNamesStreamsyncTemplate()
                    throws Exception {
        answers("kinesisanalyticsv2_list-application-operations_OperationId", "op-9");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application_ApplicationVersionId", "6");
        answers("kinesisanalyticsv2_rollback-application_OperationId", "op-10");
        answers("kinesisanalyticsv2_describe-application_FileKey", OLD_KEY);
        answers("kinesisanalyticsv2_describe-application_RuntimeEnvironment", "FLINK-1_20");
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "RUNNING");
        answers("kinesisanalyticsv2_describe-application_ObjectVersion", "None");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("cloudformation_deploy", "ok");
        answers("cloudformation_describe-stacks_OutputValue", "streamsync");
        answers("cloudformation_describe-stacks_ParameterValue", "code-bucket");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
        Run r = run("rollback.sh", "--service", "todo-sync", "streamsync");
        assertThat(r.exit).as(r.output).isNotZero();
        assertThat(r.output)
                .contains(
                        "streamsync runs FLINK-1_20",
                        "sets FLINK-2_2",
                        "STREAMSYNC_TEMPLATE=",
                        "CodeKey=" + OLD_KEY)
                .doesNotContain("rolled back streamsync");
        assertThat(r.calls).noneMatch(c -> c.startsWith("cloudformation deploy"));
    }

    @Test
    void anUpgradePrintsTheStacksParametersBeforeItChangesThem() throws Exception {
        runningApplicationUpdatedTo6();
        answers(
                "cloudformation_describe-stacks_ParameterKeyParameterValue",
                "SearchEndpoint\thttps://old:443\nCodeKey\t" + OLD_KEY);
        Run r =
                run(
                        "upgrade.sh",
                        "todo-sync",
                        "streamsync",
                        "code-bucket",
                        "SearchEndpoint=https://x:443");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.output)
                .contains(
                        "the stack's parameters before this update",
                        "SearchEndpoint=https://old:443 CodeKey=" + OLD_KEY);
        assertThat(
                        r.calls.indexOf(
                                r.call(
                                        "cloudformation describe-stacks --stack-name todo-sync --query Stacks[0].Parameters[].[")))
                .isLessThan(r.calls.indexOf(r.call("cloudformation deploy")));
    }

    @Test
    void anUpgradeUploadsUnderTheStacksCodeKeyPrefix() throws Exception {
        runningApplicationUpdatedTo6();
        answers("cloudformation_describe-stacks_ParameterValue0", "apps/streamsync/");
        Run r = run("upgrade.sh", "todo-sync", "streamsync", "code-bucket");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.call("s3api put-object")).contains("--key apps/" + newKey);
        assertThat(r.call("cloudformation deploy")).contains("CodeKey=apps/" + newKey);
    }

    @Test
    void autoscalingDuringTheWatchIsNotACrashLoop() throws Exception {
        answers("kinesisanalyticsv2_start-application_OperationId", "op-3");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers(
                "kinesisanalyticsv2_describe-application_ApplicationStatus",
                "RUNNING",
                "AUTOSCALING",
                "AUTOSCALING",
                "RUNNING");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
        Run r = run("start.sh", "streamsync", "none");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.output).contains("AUTOSCALING", "streamsync is RUNNING without restarts");
    }

    @Test
    void afterAutoscalingOnlyTheWatchedOperationsJobIsCountedNotTheOneTheRescaleStarted()
            throws Exception {
        answers("kinesisanalyticsv2_start-application_OperationId", "op-3");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers(
                "kinesisanalyticsv2_describe-application_ApplicationStatus",
                "RUNNING",
                "RUNNING",
                "RUNNING",
                "AUTOSCALING",
                "RUNNING");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
        Run r = run("start.sh", "streamsync", "none");
        assertThat(r.exit).as(r.output).isZero();
        List<Long> ends =
                metricCalls(r).stream()
                        .map(c -> Long.parseLong(option(c, "--end-time")))
                        .collect(java.util.stream.Collectors.toList());
        // readings before the rescale end at their own time; every one after it ends where the
        // rescale was seen
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile(
                                "streamsync is rescaled at ([0-9]+): restarts after it are the rescaled job's")
                        .matcher(r.output);
        assertThat(m.find()).as(r.output).isTrue();
        long rescaled = Long.parseLong(m.group(1));
        assertThat(ends).anySatisfy(e -> assertThat(e).isLessThan(rescaled));
        assertThat(ends.stream().filter(e -> e >= rescaled))
                .as("readings after the rescale: %s", ends)
                .hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(e -> assertThat(e).isEqualTo(rescaled));
    }

    @Test
    void anApplicationAutoscalingPastTheOperationTimeoutIsReportedAsInconclusive()
            throws Exception {
        answers("kinesisanalyticsv2_start-application_OperationId", "op-3");
        answers("kinesisanalyticsv2_describe-application-operation_OperationStatus", "SUCCESSFUL");
        answers("kinesisanalyticsv2_describe-application-operation_EndTime", ENDED);
        answers("kinesisanalyticsv2_describe-application_ApplicationStatus", "AUTOSCALING");
        answers("cloudwatch_get-metric-statistics_Maximum", "0");
        Run r = run("start.sh", "streamsync", "none");
        assertThat(r.exit).as(r.output).isNotZero();
        assertThat(r.output).contains("still AUTOSCALING", "inconclusive");
    }

    @Test
    void theJarKeyNeedsNoGnuSha256sum() throws Exception {
        Path missing = stub.resolve("bin").resolve("sha256sum");
        Files.writeString(
                missing, "#!/bin/sh\necho 'sha256sum: command not found' >&2\nexit 127\n");
        missing.toFile().setExecutable(true);
        answer(
                "s3api_head-object_ChecksumSHA256",
                1,
                255,
                "An error occurred (404) when calling the HeadObject operation: Not Found");
        answers("s3api_put-object", "{}");
        Run r = run("build-and-upload.sh", "code-bucket");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.output.trim()).endsWith(newKey);
    }

    /** .ci/run with stand-ins for the tools it calls: what the build it starts is given. */
    private List<String> runCi(boolean withCfnLint) throws Exception {
        Path bin = Files.createDirectories(stub.resolve("ci-bin"));
        Path log = stub.resolve("ci.log");
        String record =
                "#!/bin/sh\necho \"$(basename \"$0\") $* | STREAMSYNC_REQUIRE_CFN_LINT=${STREAMSYNC_REQUIRE_CFN_LINT:-unset}"
                        + " CI=${CI:-unset}\" >> "
                        + log
                        + "\n";
        List<String> tools = new ArrayList<>(List.of("java", "mvn", "node", "npm", "python3"));
        if (withCfnLint) {
            tools.add("cfn-lint");
        }
        for (String tool : tools) {
            Files.writeString(bin.resolve(tool), record);
            bin.resolve(tool).toFile().setExecutable(true);
        }
        ProcessBuilder pb = new ProcessBuilder("bash", ".ci/run").redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("CI");
        env.remove("STREAMSYNC_REQUIRE_CFN_LINT");
        env.remove("PYENV_ROOT");
        env.put("HOME", Files.createDirectories(stub.resolve("ci-home")).toString());
        env.put("PATH", bin + ":/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return Files.readAllLines(log);
    }

    @Test
    void ciRunMakesCfnLintMandatoryWhereverItRunsCiSetOrNot() throws Exception {
        List<String> calls = runCi(true);
        assertThat(calls)
                .filteredOn(c -> c.startsWith("mvn -B -ntp verify"))
                .hasSize(1)
                .allSatisfy(
                        c ->
                                assertThat(c)
                                        .contains("STREAMSYNC_REQUIRE_CFN_LINT=true", "CI=unset"));
    }

    @Test
    void ciRunInstallsThePinnedCfnLintWhenTheMachineHasNone() throws Exception {
        List<String> calls = runCi(false);
        assertThat(calls)
                .filteredOn(c -> c.startsWith("python3 -m pip install"))
                .isNotEmpty()
                .allSatisfy(c -> assertThat(c).contains("cfn-lint==1.51.0"));
    }
}

package io.streamsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks the Managed Service for Apache Flink template offline: config keys, IAM scope (patterned
 * parameters, the scoped search grant, KMS and secret grants, trust conditions), the dead-letter
 * bucket's controls, the encrypted log group, rules, alarms and dashboard on Flink 2.2's metrics,
 * VPC endpoints with their policies, runtime, jar name. Conditions and rules are evaluated here
 * with the parameters each test gives, as CloudFormation would.
 */
class DeploymentTemplateTest {
    private static Map<String, Object> template;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void parse() throws Exception {
        try (Reader in =
                Files.newBufferedReader(Path.of("deploy/cloudformation/streamsync.yaml"))) {
            template = (Map<String, Object>) new Yaml().load(in);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String... path) {
        Object cur = o;
        for (String p : path) {
            cur = ((Map<String, Object>) cur).get(p);
            assertThat(cur).as("template path %s", String.join(".", path)).isNotNull();
        }
        return (Map<String, Object>) cur;
    }

    private static Map<String, Object> application() {
        return map(template, "Resources", "Application", "Properties");
    }

    /**
     * Parameter defaults, and plausible values for the parameters without one, to resolve Ref and
     * Fn::Sub.
     */
    private static Map<String, String> parameterValues() {
        Map<String, String> v = new LinkedHashMap<>();
        map(template, "Parameters")
                .forEach(
                        (name, spec) -> {
                            Object d = ((Map<?, ?>) spec).get("Default");
                            v.put(name, d == null ? "" : d.toString());
                        });
        v.put("SearchEndpoint", "https://search-todo.eu-west-1.es.amazonaws.com:443");
        v.put("SearchDomainArn", "arn:aws:es:eu-west-1:111122223333:domain/todo");
        v.put("CodeBucketName", "code-bucket");
        v.put("CodeKey", "streamsync/streamsync-0.3.0-0123456789ab.jar");
        v.put("AWS::Region", "eu-west-1");
        v.put("AWS::AccountId", "111122223333");
        v.put("AWS::Partition", "aws");
        return v;
    }

    private static String resolve(Object value, Map<String, String> params) {
        Object r = evaluate(value, params);
        if (r instanceof List) {
            throw new AssertionError("a list where a string was expected: " + value);
        }
        return (String) r;
    }

    /**
     * A template value as CloudFormation would resolve it with these parameters: a String, a List
     * of Strings, or null for AWS::NoValue. Ref to a resource gives "ref-NAME", Fn::GetAtt
     * "NAME.ATTRIBUTE" (DnsEntries: the two entries an interface endpoint has).
     */
    private static Object evaluate(Object value, Map<String, String> params) {
        if (!(value instanceof Map)) {
            return value instanceof List
                    ? ((List<?>) value)
                            .stream().map(v -> evaluate(v, params)).collect(Collectors.toList())
                    : value.toString();
        }
        Map<?, ?> fn = (Map<?, ?>) value;
        assertThat(fn).as("an intrinsic function").hasSize(1);
        String name = fn.keySet().iterator().next().toString();
        Object arg = fn.get(name);
        switch (name) {
            case "Ref":
                {
                    String ref = arg.toString();
                    if (ref.equals("AWS::NoValue")) {
                        return null;
                    }
                    if (map(template, "Resources").containsKey(ref)) {
                        return "ref-" + ref;
                    }
                    assertThat(params).as("Ref %s", ref).containsKey(ref);
                    return params.get(ref);
                }
            case "Fn::Sub":
                {
                    String text;
                    Map<String, String> vars = new LinkedHashMap<>(params);
                    if (arg instanceof List) {
                        text = ((List<?>) arg).get(0).toString();
                        ((Map<?, ?>) ((List<?>) arg).get(1))
                                .forEach((k, v) -> vars.put(k.toString(), resolve(v, params)));
                    } else {
                        text = arg.toString();
                    }
                    Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(text);
                    StringBuilder sb = new StringBuilder();
                    while (m.find()) {
                        String var = m.group(1);
                        String replacement;
                        if (vars.containsKey(var)) {
                            replacement = vars.get(var);
                        } else {
                            assertThat(var)
                                    .as(
                                            "Sub ${%s}: a parameter, a variable or RESOURCE.Attribute",
                                            var)
                                    .contains(".");
                            assertThat(map(template, "Resources"))
                                    .containsKey(var.substring(0, var.indexOf('.')));
                            replacement = var;
                        }
                        m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
                    }
                    m.appendTail(sb);
                    return sb.toString();
                }
            case "Fn::If":
                {
                    List<?> branches = (List<?>) arg;
                    return evaluate(
                            branches.get(condition(branches.get(0).toString(), params) ? 1 : 2),
                            params);
                }
            case "Fn::Join":
                {
                    List<?> a = (List<?>) arg;
                    Object list = evaluate(a.get(1), params);
                    List<?> items =
                            list instanceof List
                                    ? (List<?>) list
                                    : List.of(list.toString().split(",", -1));
                    return items.stream()
                            .map(Object::toString)
                            .collect(Collectors.joining(a.get(0).toString()));
                }
            case "Fn::Split":
                {
                    List<?> a = (List<?>) arg;
                    return List.of(
                            resolve(a.get(1), params)
                                    .split(Pattern.quote(a.get(0).toString()), -1));
                }
            case "Fn::Select":
                {
                    List<?> a = (List<?>) arg;
                    return ((List<?>) evaluate(a.get(1), params))
                            .get(Integer.parseInt(a.get(0).toString()));
                }
            case "Fn::GetAtt":
                {
                    List<?> a = (List<?>) arg;
                    assertThat(map(template, "Resources")).containsKey(a.get(0).toString());
                    if (a.get(1).equals("DnsEntries")) {
                        return List.of(
                                "Z7HUB22UULQXV:vpce-0abc-1234.streams.dynamodb.eu-west-1.vpce.amazonaws.com",
                                "Z7HUB22UULQXV:vpce-0abc-1234-eu-west-1a.streams.dynamodb.eu-west-1.vpce.amazonaws.com");
                    }
                    return a.get(0) + "." + a.get(1);
                }
            default:
                throw new AssertionError("unexpected intrinsic in a property value: " + fn);
        }
    }

    /** A named condition of the template. */
    private static boolean condition(String name, Map<String, String> params) {
        Object c = map(template, "Conditions").get(name);
        assertThat(c).as("condition %s", name).isNotNull();
        return holds(c, params);
    }

    /**
     * A condition or rule expression: Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition,
     * Fn::EachMemberEquals.
     */
    private static boolean holds(Object expr, Map<String, String> params) {
        Map<?, ?> fn = (Map<?, ?>) expr;
        String name = fn.keySet().iterator().next().toString();
        Object arg = fn.get(name);
        switch (name) {
            case "Fn::Equals":
                return resolve(((List<?>) arg).get(0), params)
                        .equals(resolve(((List<?>) arg).get(1), params));
            case "Fn::Not":
                return !holds(((List<?>) arg).get(0), params);
            case "Fn::And":
                return ((List<?>) arg).stream().allMatch(e -> holds(e, params));
            case "Fn::Or":
                return ((List<?>) arg).stream().anyMatch(e -> holds(e, params));
            case "Condition":
                return condition(arg.toString(), params);
            case "Fn::EachMemberEquals":
                {
                    String value = resolve(((List<?>) arg).get(1), params);
                    return List.of(resolve(((List<?>) arg).get(0), params).split(",", -1)).stream()
                            .allMatch(value::equals);
                }
            default:
                throw new AssertionError("unexpected function in a condition: " + expr);
        }
    }

    /**
     * Whether the template's rules let a stack operation with these parameters go ahead (names of
     * the rules that refuse it).
     */
    @SuppressWarnings("unchecked")
    private static List<String> rulesRefusing(Map<String, String> parameters) {
        Map<String, String> params = parameterValues();
        params.putAll(parameters);
        List<String> refusing = new ArrayList<>();
        map(template, "Rules")
                .forEach(
                        (name, rule) -> {
                            Map<String, Object> r = (Map<String, Object>) rule;
                            if (!r.containsKey("RuleCondition")
                                    || holds(r.get("RuleCondition"), params)) {
                                for (Map<String, Object> a :
                                        (List<Map<String, Object>>) r.get("Assertions")) {
                                    assertThat(a.get("AssertDescription"))
                                            .as("rule %s says why", name)
                                            .isNotNull();
                                    if (!holds(a.get("Assert"), params)) {
                                        refusing.add(name);
                                    }
                                }
                            }
                        });
        return refusing;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> propertyGroupsAsConfig() {
        return propertyGroupsAsConfig(Map.of());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> propertyGroupsAsConfig(Map<String, String> parameters) {
        Map<String, String> config = new LinkedHashMap<>();
        Map<String, String> params = parameterValues();
        params.putAll(parameters);
        List<Map<String, Object>> groups =
                (List<Map<String, Object>>)
                        map(application(), "ApplicationConfiguration", "EnvironmentProperties")
                                .get("PropertyGroups");
        for (Map<String, Object> g : groups) {
            assertThat(g.get("PropertyGroupId").toString()).matches("[a-zA-Z0-9_.-]{1,50}");
            assertThat((Map<String, Object>) g.get("PropertyMap"))
                    .as("entries of a property group")
                    .hasSizeLessThanOrEqualTo(50);
            ((Map<String, Object>) g.get("PropertyMap"))
                    .forEach(
                            (k, v) -> {
                                String resolved = resolve(v, params);
                                if (resolved != null) {
                                    config.put(g.get("PropertyGroupId") + "." + k, resolved);
                                }
                            });
        }
        return config;
    }

    @Test
    void everyConfigKeyIsInThePropertyGroupsWithAValidValue() {
        Map<String, String> config = propertyGroupsAsConfig();
        // MSF refuses empty property values: keys whose default is empty are left out (they take
        // the default)
        Set<String> emptyByDefault =
                ConfigKey.byKey().values().stream()
                        .filter(k -> k.defaultValue().isEmpty())
                        .map(ConfigKey::key)
                        .collect(Collectors.toSet());
        assertThat(config)
                .allSatisfy(
                        (k, v) ->
                                assertThat(v)
                                        .as("value of %s", k)
                                        .isNotEmpty()
                                        .hasSizeLessThanOrEqualTo(2048));
        Set<String> expected = new java.util.TreeSet<>(ConfigKey.byKey().keySet());
        expected.removeAll(emptyByDefault);
        expected.removeAll(
                JobConfig.keysRefusedOnManagedFlink()); // the service sets checkpointing, restarts,
        // state, parallelism
        expected.add(ConfigKey.DEADLETTER_PATH.key()); // set to the dead-letter bucket on AWS
        assertThat(config.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(emptyByDefault)
                .containsExactlyInAnyOrder(
                        "aws.endpoint",
                        "aws.streams.endpoint",
                        "aws.credentials.access.key.id",
                        "aws.credentials.secret.access.key",
                        "source.stream.arn",
                        "deadletter.path",
                        "reconcile.output.path",
                        "checkpoint.dir",
                        "sink.search.username",
                        "sink.search.password.env",
                        "sink.search.password.secret",
                        "sink.search.sigv4.region",
                        "sink.search.tls.ca.file",
                        "sink.search.item.mapping.file",
                        "filter.patterns",
                        "source.kinesis.stream",
                        "source.kinesis.endpoint",
                        "source.initial.timestamp");
        JobConfig parsed =
                JobConfig.fromManagedFlink(
                        config,
                        null); // throws, naming the key, when a value is invalid or a required key
        // missing
        assertThat(parsed.stateBackend).isEqualTo(JobConfig.StateBackend.CLUSTER);
        assertThat(parsed.credentialsProvider).isEqualTo(JobConfig.CredentialsProvider.AUTO);
        assertThat(parsed.awsEndpoint).isNull();
        assertThat(parsed.deadLetterPath).startsWith("s3://");
        assertThat(parsed.searchEngine).isEqualTo(JobConfig.SearchEngine.OPENSEARCH);
        assertThat(parsed.searchAuth)
                .as("IAM-signed requests on AWS")
                .isEqualTo(JobConfig.SearchAuth.SIGV4);
    }

    @Test
    void withSourceTypeKinesisTheJobReadsTheNamedKinesisStream() {
        Map<String, String> config =
                propertyGroupsAsConfig(
                        Map.of("SourceType", "kinesis", "KinesisStreamName", "todo-changes"));
        JobConfig parsed = JobConfig.fromManagedFlink(config, null);
        org.assertj.core.api.Assertions.assertThat(parsed.isKinesis()).isTrue();
        org.assertj.core.api.Assertions.assertThat(parsed.kinesisStream).isEqualTo("todo-changes");
        org.assertj.core.api.Assertions.assertThat(propertyGroupsAsConfig())
                .doesNotContainKey("source.kinesis.stream");
    }

    @Test
    void runtimeIsFlink22WithSystemRollbackAndTheCodeIsAnImmutableKeyUnderAPrefixTheRoleMayRead() {
        assertThat(application().get("RuntimeEnvironment"))
                .as("the runtime of this build: Flink 2.2, Java 17")
                .isEqualTo(
                        "FLINK-2_"
                                + org.apache.flink.runtime.util.EnvironmentInformation.getVersion()
                                        .split("\\.")[1]);
        assertThat(
                        map(
                                        application(),
                                        "ApplicationConfiguration",
                                        "ApplicationSystemRollbackConfiguration")
                                .get("RollbackEnabled"))
                .isEqualTo(true);
        Map<String, Object> codeKey = map(template, "Parameters", "CodeKey");
        assertThat(codeKey)
                .as("no default: each deploy names its build's key")
                .doesNotContainKey("Default");
        assertThat("streamsync/streamsync-0.2.0-0123456789ab.jar")
                .matches(codeKey.get("AllowedPattern").toString());
        assertThat(
                        map(
                                        application(),
                                        "ApplicationConfiguration",
                                        "ApplicationCodeConfiguration",
                                        "CodeContent",
                                        "S3ContentLocation")
                                .get("FileKey"))
                .isEqualTo(Map.of("Ref", "CodeKey"));
        assertThat(
                        map(
                                        application(),
                                        "ApplicationConfiguration",
                                        "ApplicationCodeConfiguration",
                                        "CodeContent",
                                        "S3ContentLocation")
                                .get("ObjectVersion"))
                .as("pinned to the uploaded object's version when upgrade.sh names it")
                .isEqualTo(
                        Map.of(
                                "Fn::If",
                                List.of(
                                        "CodeObjectVersionPinned",
                                        Map.of("Ref", "CodeObjectVersion"),
                                        Map.of("Ref", "AWS::NoValue"))));
        assertThat(map(template, "Parameters", "CodeObjectVersion").get("Default"))
                .isEqualTo("none");
        Map<String, Object> app = map(application(), "ApplicationConfiguration");
        assertThat(map(app, "ApplicationSnapshotConfiguration").get("SnapshotsEnabled"))
                .isEqualTo(true);
        assertThat(
                        map(app, "FlinkApplicationConfiguration", "CheckpointConfiguration")
                                .get("ConfigurationType"))
                .isEqualTo("CUSTOM");
        assertThat(
                        map(application(), "RunConfiguration", "ApplicationRestoreConfiguration")
                                .get("ApplicationRestoreType"))
                .isEqualTo("RESTORE_FROM_LATEST_SNAPSHOT");
        assertThat(
                        map(application(), "RunConfiguration", "FlinkRunConfiguration")
                                .get("AllowNonRestoredState"))
                .isEqualTo(Map.of("Ref", "AllowNonRestoredState"));
        assertThat(map(template, "Parameters", "AllowNonRestoredState").get("Default"))
                .isEqualTo("false");
        // the role reads every jar under the prefix: the current one and the one a rollback goes
        // back to
        Map<String, Object> readJars =
                statements().stream()
                        .filter(st -> "ReadJobJars".equals(st.get("Sid")))
                        .findFirst()
                        .orElseThrow();
        assertThat(readJars.get("Resource"))
                .isEqualTo(
                        Map.of(
                                "Fn::Sub",
                                "arn:${AWS::Partition}:s3:::${CodeBucketName}/${CodeKeyPrefix}*"));
    }

    @Test
    void
            theApplicationItsLogsKeyAndDeadLettersSurviveAStackDeleteOrAReplacementButNotAFailedFirstCreate() {
        // RetainExceptOnCreate: a first create that fails deletes them, so that it can be retried
        // under the same names
        for (String resource : List.of("Application", "LogGroup", "DataKey", "DeadLetterBucket")) {
            Map<String, Object> r = map(template, "Resources", resource);
            assertThat(r.get("DeletionPolicy")).as(resource).isEqualTo("RetainExceptOnCreate");
            assertThat(r.get("UpdateReplacePolicy")).as(resource).isEqualTo("Retain");
        }
    }

    @Test
    void alarmsWatchTheJobsHealthWithFlink22MetricsAndNotifyTheTopic() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("NotRunningAlarm", "runningTime");
        expected.put("RestartsAlarm", "numRestarts");
        expected.put("FailedCheckpointsAlarm", "numberOfFailedCheckpoints");
        expected.put("NoCheckpointAlarm", "numberOfCompletedCheckpoints");
        expected.put("LagAlarm", "millisBehindLatest");
        expected.put("DeadLettersAlarm", "deadLetters");
        expected.put("RejectedDocumentsAlarm", "searchDocumentsRejected");
        expected.put("BootstrapAtRiskAlarm", "scanEtaSeconds");
        expected.put("LateChangesAlarm", "lateChanges");
        expected.put("KinesisIteratorAgeAlarm", "GetRecords.IteratorAgeMilliseconds");
        expected.put("DriftAlarm", "reconcileListsDrifted");
        Map<String, String> conditions =
                Map.of(
                        "BootstrapAtRiskAlarm",
                        "BootstrapAlarms",
                        "KinesisIteratorAgeAlarm",
                        "KinesisAlarms",
                        "DriftAlarm",
                        "ReconcileAlarms");
        // an application that left RUNNING reports nothing: these alarms must fire on missing data
        Set<String> breachOnMissingData =
                Set.of("NotRunningAlarm", "NoCheckpointAlarm", "KinesisIteratorAgeAlarm");
        Map<String, Object> resources = map(template, "Resources");
        List<String> alarms =
                resources.entrySet().stream()
                        .filter(
                                e ->
                                        "AWS::CloudWatch::Alarm"
                                                .equals(((Map<?, ?>) e.getValue()).get("Type")))
                        .map(Map.Entry::getKey)
                        .collect(Collectors.toList());
        assertThat(alarms).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach(
                (alarm, metric) -> {
                    Map<String, Object> r = map(template, "Resources", alarm);
                    assertThat(r.get("Condition"))
                            .as(alarm)
                            .isEqualTo(conditions.getOrDefault(alarm, "Alarms"));
                    Map<String, Object> p = map(r, "Properties");
                    String text = p.toString();
                    if (alarm.equals("KinesisIteratorAgeAlarm")) {
                        assertThat(text)
                                .contains(
                                        "MetricName=" + metric,
                                        "Namespace=AWS/Kinesis,",
                                        "{Name=StreamName, Value={Ref=KinesisStreamName}}");
                    } else if (alarm.equals("DriftAlarm")) {
                        // the report's own application
                        // (theDriftAlarmWatchesTheFigureTheReportPublishes)
                        assertThat(text)
                                .contains(
                                        "MetricName=" + metric,
                                        "Namespace=AWS/KinesisAnalytics",
                                        "{Name=Application, Value={Ref=ReconcileApplicationName}}");
                    } else {
                        assertThat(text)
                                .as(alarm)
                                .contains(
                                        "MetricName=" + metric,
                                        "Namespace=AWS/KinesisAnalytics",
                                        "{Name=Application, Value={Ref=Application}}");
                    }
                    assertThat(p.get("TreatMissingData"))
                            .as(alarm)
                            .isEqualTo(
                                    breachOnMissingData.contains(alarm)
                                            ? "breaching"
                                            : alarm.equals("DriftAlarm")
                                                    ? "ignore"
                                                    : "notBreaching");
                    assertThat(p.get("AlarmActions"))
                            .as(alarm)
                            .isEqualTo(
                                    Map.of(
                                            "Fn::If",
                                            List.of(
                                                    "AlarmActions",
                                                    List.of(Map.of("Ref", "AlarmTopicArn")),
                                                    Map.of("Ref", "AWS::NoValue"))));
                    if (List.of(
                                    "numRestarts",
                                    "numberOfFailedCheckpoints",
                                    "numberOfCompletedCheckpoints",
                                    "deadLetters",
                                    "searchDocumentsRejected")
                            .contains(metric)) {
                        assertThat(text)
                                .as("%s watches the counter's increase", alarm)
                                .contains("Expression=RATE(m) * PERIOD(m)");
                    }
                });
        Map<String, Object> notRunning =
                map(template, "Resources", "NotRunningAlarm", "Properties");
        assertThat(notRunning)
                .containsEntry("ComparisonOperator", "LessThanOrEqualToThreshold")
                .containsEntry("Threshold", 0);
        Map<String, Object> noCheckpoint =
                map(template, "Resources", "NoCheckpointAlarm", "Properties");
        assertThat(noCheckpoint)
                .containsEntry("ComparisonOperator", "LessThanOrEqualToThreshold")
                .containsEntry("Threshold", 0)
                .containsEntry("EvaluationPeriods", Map.of("Ref", "NoCheckpointAlarmMinutes"))
                .containsEntry("DatapointsToAlarm", Map.of("Ref", "NoCheckpointAlarmMinutes"));
        assertThat(map(template, "Resources", "LagAlarm", "Properties").get("Threshold"))
                .isEqualTo(Map.of("Ref", "LagAlarmThresholdMs"));
        assertThat(map(template, "Parameters", "CreateAlarms").get("Default")).isEqualTo("true");
        assertThat(map(template, "Parameters", "CreateDashboard").get("Default")).isEqualTo("true");
        // how many alarms a deployment has (the cost notes quote these): 8, one more for Kinesis,
        // one more for a scan
        assertThat(alarmsDeployed(Map.of())).isEqualTo(8);
        assertThat(
                        alarmsDeployed(
                                Map.of(
                                        "SourceType",
                                        "kinesis",
                                        "KinesisStreamName",
                                        "todo-changes")))
                .isEqualTo(9);
        assertThat(
                        alarmsDeployed(
                                Map.of(
                                        "SourceType",
                                        "kinesis",
                                        "KinesisStreamName",
                                        "todo-changes",
                                        "BootstrapMode",
                                        "scan")))
                .isEqualTo(10);
        assertThat(alarmsDeployed(Map.of("ReconcileApplicationName", "streamsync-reconcile")))
                .isEqualTo(9);
        assertThat(alarmsDeployed(Map.of("CreateAlarms", "false"))).isZero();
        assertThat(
                        alarmsDeployed(
                                Map.of(
                                        "CreateAlarms",
                                        "false",
                                        "ReconcileApplicationName",
                                        "streamsync-reconcile")))
                .isZero();
    }

    /**
     * The drift alarm watches a figure the report really publishes: its metric is one of the gauges
     * {@code ReconcileJob} registers in the {@code kinesisanalytics} group (read from the code;
     * ReconcileITCase checks, on the running report, that the metric the template names is
     * published in that group with the report's count of drifted lists), under the report's
     * application, and fires on any drifted list.
     */
    @Test
    void theDriftAlarmWatchesTheFigureTheReportPublishes() throws Exception {
        Map<String, Object> p = map(template, "Resources", "DriftAlarm", "Properties");
        Class<?> report = Class.forName("io.streamsync.reconcile.ReconcileJob$ReportFunction");
        java.lang.reflect.Field names = report.getDeclaredField("NAMES");
        names.setAccessible(true);
        List<String> published = List.of((String[]) names.get(null));
        assertThat(published).contains((String) p.get("MetricName"));
        assertThat(p.get("MetricName")).isEqualTo("reconcileListsDrifted");
        assertThat(p)
                .containsEntry("Namespace", "AWS/KinesisAnalytics")
                .containsEntry(
                        "Dimensions",
                        List.of(
                                Map.of(
                                        "Name",
                                        "Application",
                                        "Value",
                                        Map.of("Ref", "ReconcileApplicationName"))))
                .containsEntry("ComparisonOperator", "GreaterThanThreshold")
                .containsEntry("Threshold", 0)
                .containsEntry("Statistic", "Maximum")
                .containsEntry("Period", 60)
                .containsEntry("EvaluationPeriods", 1);
        // the report holds its gauges up for MSF's one-minute reporting: the default hold covers a
        // period and more
        assertThat(Long.parseLong(propertyGroupsAsConfig().get("reconcile.metrics.hold.ms")))
                .isGreaterThanOrEqualTo(60_000L);
        Map<String, Object> name = map(template, "Parameters", "ReconcileApplicationName");
        assertThat(name.get("Default")).isEqualTo("none");
        assertThat(alarmsDeployed(Map.of()))
                .as("no report application, no drift alarm")
                .isEqualTo(8);
    }

    private static long alarmsDeployed(Map<String, String> parameters) {
        Map<String, String> params = parameterValues();
        params.putAll(parameters);
        return map(template, "Resources").values().stream()
                .map(r -> (Map<?, ?>) r)
                .filter(
                        r ->
                                "AWS::CloudWatch::Alarm".equals(r.get("Type"))
                                        && condition(r.get("Condition").toString(), params))
                .count();
    }

    @Test
    void noMetricThatFlink22RemovedOrDeprecatedIsUsed() throws Exception {
        String text = Files.readString(Path.of("deploy/cloudformation/streamsync.yaml"));
        assertThat(text).doesNotContain("uptime", "downtime", "fullRestarts");
    }

    @Test
    void theDashboardShowsWhatAnOperatorWatches() throws Exception {
        Map<String, Object> dashboard = map(template, "Resources", "Dashboard");
        assertThat(dashboard.get("Condition")).isEqualTo("Dashboard");
        String body = map(dashboard, "Properties", "DashboardBody").get("Fn::Sub").toString();
        com.fasterxml.jackson.databind.JsonNode json =
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
        List<String> metrics = new ArrayList<>();
        json.get("widgets")
                .forEach(
                        w ->
                                w.get("properties")
                                        .get("metrics")
                                        .forEach(m -> metrics.add(m.get(1).asText())));
        assertThat(metrics)
                .contains(
                        "millisBehindLatest",
                        "recordsRead",
                        "writeToReadLatencyP99Ms",
                        "lastCheckpointDuration",
                        "numberOfCompletedCheckpoints",
                        "numberOfFailedCheckpoints",
                        "numRestarts",
                        "runningTime",
                        "restartingTime",
                        "failingTime",
                        "deadLetters",
                        "searchDocumentsRejected",
                        "aggregateWritesRetried",
                        "containerCPUUtilization",
                        "containerMemoryUtilization",
                        "heapMemoryUtilization")
                .doesNotContain("uptime", "downtime", "fullRestarts");
    }

    @Test
    void inAVpcTheEndpointsTheJobNeedsAreOfferedEachWithAPolicyThatKeepsItInTheAccount() {
        Map<String, String> expected =
                Map.of(
                        "DynamoDbEndpoint",
                        "dynamodb",
                        "S3Endpoint",
                        "s3",
                        "DynamoDbStreamsEndpoint",
                        "streams.dynamodb",
                        "KinesisEndpoint",
                        "kinesis-streams",
                        "CloudWatchEndpoint",
                        "monitoring",
                        "LogsEndpoint",
                        "logs",
                        "StsEndpoint",
                        "sts",
                        "SecretsManagerEndpoint",
                        "secretsmanager");
        Map<String, String> conditions =
                Map.of(
                        "DynamoDbStreamsEndpoint",
                        "StreamsVpcEndpoint",
                        "KinesisEndpoint",
                        "KinesisVpcEndpoint");
        expected.forEach(
                (name, service) -> {
                    Map<String, Object> r = map(template, "Resources", name);
                    assertThat(r.get("Condition"))
                            .as(name)
                            .isEqualTo(conditions.getOrDefault(name, "VpcEndpoints"));
                    assertThat(map(r, "Properties", "ServiceName").get("Fn::Sub"))
                            .isEqualTo("com.amazonaws.${AWS::Region}." + service);
                    boolean gateway = service.equals("dynamodb") || service.equals("s3");
                    assertThat(map(r, "Properties").get("VpcEndpointType"))
                            .isEqualTo(gateway ? "Gateway" : "Interface");
                    if (!gateway) {
                        assertThat(map(r, "Properties").get("PrivateDnsEnabled"))
                                .as("%s private DNS", name)
                                .isEqualTo(!service.equals("streams.dynamodb"));
                    }
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> policy =
                            (List<Map<String, Object>>)
                                    map(r, "Properties", "PolicyDocument").get("Statement");
                    assertThat(policy).as("%s endpoint policy", name).hasSize(1);
                    assertThat(policy.get(0)).containsEntry("Effect", "Allow");
                    Map<String, Object> equals = map(policy.get(0), "Condition", "StringEquals");
                    assertThat(equals)
                            .containsEntry("aws:PrincipalAccount", Map.of("Ref", "AWS::AccountId"));
                    if (List.of(
                                    "dynamodb",
                                    "s3",
                                    "streams.dynamodb",
                                    "kinesis-streams",
                                    "secretsmanager")
                            .contains(service)) {
                        assertThat(map(policy.get(0), "Condition", "StringEqualsIfExists"))
                                .as("%s: only this account's resources", name)
                                .containsEntry(
                                        "aws:ResourceAccount", Map.of("Ref", "AWS::AccountId"));
                    }
                });
        Map<String, String> vpc = new LinkedHashMap<>(parameterValues());
        vpc.putAll(Map.of("CreateVpcEndpoints", "true", "SubnetIds", "subnet-1,subnet-2"));
        assertThat(condition("StreamsVpcEndpoint", vpc)).isTrue();
        assertThat(condition("KinesisVpcEndpoint", vpc))
                .as("no Kinesis endpoint for a DynamoDB Streams source")
                .isFalse();
        vpc.put("SourceType", "kinesis");
        assertThat(condition("KinesisVpcEndpoint", vpc)).isTrue();
        assertThat(condition("StreamsVpcEndpoint", vpc)).isFalse();
        // the interface endpoints share the application's security groups: HTTPS from the group
        // itself
        Map<String, Object> ingress = map(template, "Resources", "EndpointHttpsFromTheApplication");
        assertThat(ingress.get("Condition")).isEqualTo("VpcEndpoints");
        Map<String, Object> rule = map(ingress, "Properties");
        Object firstGroup = Map.of("Fn::Select", List.of(0, Map.of("Ref", "SecurityGroupIds")));
        assertThat(rule)
                .containsEntry("GroupId", firstGroup)
                .containsEntry("SourceSecurityGroupId", firstGroup)
                .containsEntry("IpProtocol", "tcp")
                .containsEntry("FromPort", 443)
                .containsEntry("ToPort", 443);
        assertThat(map(template, "Parameters", "CreateVpcEndpoints").get("Default"))
                .isEqualTo("false");
    }

    @Test
    void theJobIsToldTheDynamoDbStreamsEndpointsOwnNameWhichHasNoPrivateDns() {
        assertThat(propertyGroupsAsConfig())
                .as("public endpoints by default")
                .doesNotContainKey("aws.streams.endpoint");
        assertThat(
                        propertyGroupsAsConfig(
                                Map.of(
                                        "StreamsEndpoint",
                                        "https://vpce-0abc-1234.streams.dynamodb.eu-west-1.vpce.amazonaws.com")))
                .containsEntry(
                        "aws.streams.endpoint",
                        "https://vpce-0abc-1234.streams.dynamodb.eu-west-1.vpce.amazonaws.com")
                .doesNotContainKey("aws.endpoint");
        Map<String, String> created =
                Map.of(
                        "CreateVpcEndpoints",
                        "true",
                        "SubnetIds",
                        "subnet-1,subnet-2",
                        "VpcId",
                        "vpc-0abc1234");
        assertThat(propertyGroupsAsConfig(created))
                .as("the regional name of the endpoint the stack creates")
                .containsEntry(
                        "aws.streams.endpoint",
                        "https://vpce-0abc-1234.streams.dynamodb.eu-west-1.vpce.amazonaws.com");
        Map<String, String> kinesis = new LinkedHashMap<>(created);
        kinesis.putAll(Map.of("SourceType", "kinesis", "KinesisStreamName", "todo-changes"));
        assertThat(propertyGroupsAsConfig(kinesis)).doesNotContainKey("aws.streams.endpoint");
        assertThat(
                        Pattern.matches(
                                map(template, "Parameters", "StreamsEndpoint")
                                        .get("AllowedPattern")
                                        .toString(),
                                "http://vpce-0abc-1234.streams.dynamodb.eu-west-1.vpce.amazonaws.com"))
                .as("https only")
                .isFalse();
    }

    @Test
    void aTableWithAPartitionKeyOnlyAndNoItemIndexAreSetWithNone() {
        Map<String, String> config =
                propertyGroupsAsConfig(
                        Map.of("PartitionKey", "pk", "SortKey", "none", "ItemIndex", "none"));
        assertThat(config)
                .containsEntry("table.partition.key", "pk")
                .containsEntry("table.sort.key", "none")
                .containsEntry("sink.search.item.index", "none");
        JobConfig parsed = JobConfig.fromManagedFlink(config, null);
        assertThat(parsed.keySchema.partitionKey()).isEqualTo("pk");
        assertThat(parsed.keySchema.sortKey()).isNull();
        assertThat(parsed.itemIndex).isNull();
    }

    /**
     * cfn-lint (AWS's CloudFormation linter: resource schemas, intrinsic functions, policy syntax).
     * Skipped where it is not installed, except with STREAMSYNC_REQUIRE_CFN_LINT=true (.ci/run
     * exports it wherever it runs, with or without CI=true; DeployScriptsTest checks that) or
     * CI=true, where its absence fails the build: the template's own checks above are the offline
     * part of the same review.
     */
    @Test
    void cfnLintFindsNothing() throws Exception {
        Process which = new ProcessBuilder("bash", "-c", "command -v cfn-lint").start();
        boolean required =
                "true".equals(System.getenv("CI"))
                        || "true".equals(System.getenv("STREAMSYNC_REQUIRE_CFN_LINT"));
        if (required) {
            assertThat(which.waitFor())
                    .as("cfn-lint is required here (CI): .ci/run installs it")
                    .isZero();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(
                which.waitFor() == 0,
                "cfn-lint is not installed (the machine image's pip has it; PyPI and Debian do not serve it here)");
        Process lint =
                new ProcessBuilder("cfn-lint", "deploy/cloudformation/streamsync.yaml")
                        .redirectErrorStream(true)
                        .start();
        String out = new String(lint.getInputStream().readAllBytes());
        assertThat(lint.waitFor()).as("cfn-lint: %s", out).isZero();
    }

    /**
     * Every statement of the role's policy, conditional ones included (checked like the others).
     */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> statements() {
        List<Map<String, Object>> statements = new ArrayList<>();
        Map<String, Object> role = map(template, "Resources", "ServiceRole", "Properties");
        for (Map<String, Object> policy : (List<Map<String, Object>>) role.get("Policies")) {
            for (Map<String, Object> st :
                    (List<Map<String, Object>>) map(policy, "PolicyDocument").get("Statement")) {
                if (st.containsKey("Fn::If")) {
                    List<Object> branches = (List<Object>) st.get("Fn::If");
                    assertThat(branches.get(2)).isEqualTo(Map.of("Ref", "AWS::NoValue"));
                    Map<String, Object> granted =
                            new LinkedHashMap<>((Map<String, Object>) branches.get(1));
                    granted.put("_condition", branches.get(0));
                    statements.add(granted);
                } else {
                    statements.add(st);
                }
            }
        }
        return statements;
    }

    @Test
    void iamGrantsNoWildcardActionAndNoWildcardResourceWhereANarrowerOneExists() {
        List<Map<String, Object>> statements = statements();
        List<String> conditional =
                statements.stream()
                        .filter(st -> st.containsKey("_condition"))
                        .map(st -> st.get("_condition") + ":" + st.get("Sid"))
                        .collect(Collectors.toList());
        assertThat(conditional)
                .as(
                        "DynamoDB Streams reads only from a stream, Kinesis reads only from Kinesis, Scan only when bootstrapping, the secret only for basic"
                                + " auth, the keys only when there are, network only in a VPC")
                .containsExactly(
                        "FromDynamoDbStreams:ReadSourceStream",
                        "FromKinesis:ReadSourceKinesisStream",
                        "Bootstrap:ScanSourceTableForBootstrap",
                        "HasItemIndex:WriteItemIndex",
                        "HasWindowsIndex:WriteWindowsIndex",
                        "BasicAuth:ReadSearchPassword",
                        "CreateDeadLetterBucket:EncryptDeadLetters",
                        "CustomerManagedKeys:UseCustomerManagedKeys",
                        "InVpc:DescribeNetwork",
                        "InVpc:ApplicationNetworkInterfaces");
        assertThat(map(template, "Resources"))
                .as("the VPC grants are in the role the application needs, not a separate policy")
                .doesNotContainKey("VpcAccessPolicy");
        // EC2 Describe calls have no resource-level permissions: the only place "*" is allowed
        Set<String> starResourceAllowed =
                Set.of(
                        "ec2:DescribeVpcs",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeDhcpOptions",
                        "ec2:DescribeNetworkInterfaces");
        for (Map<String, Object> st : statements) {
            assertThat(st.get("Effect")).isEqualTo("Allow");
            List<String> actions = asList(st.get("Action"));
            assertThat(actions)
                    .as("actions of %s", st.get("Sid"))
                    .allSatisfy(a -> assertThat(a).doesNotContain("*"));
            List<String> resources =
                    asList(st.get("Resource")).stream()
                            .map(r -> r.toString())
                            .collect(Collectors.toList());
            if (resources.contains("*")) {
                assertThat(starResourceAllowed)
                        .as("statement %s uses Resource *", st.get("Sid"))
                        .containsAll(actions);
            }
        }
        List<String> allActions =
                statements.stream()
                        .flatMap(st -> asList(st.get("Action")).stream())
                        .collect(Collectors.toList());
        assertThat(allActions)
                .as("polling only: no enhanced fan-out")
                .noneMatch(a -> a.contains("Consumer") || a.contains("SubscribeToShard"));
        assertThat(allActions)
                .contains(
                        "dynamodb:GetRecords",
                        "dynamodb:PutItem",
                        "dynamodb:Query",
                        "es:ESHttpPost",
                        "kms:Decrypt")
                .doesNotContain(
                        "dynamodb:DeleteItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:BatchWriteItem",
                        "es:ESHttpDelete",
                        "s3:PutObject*",
                        "kms:*")
                .as("calls the job does not make")
                .doesNotContain("dynamodb:ListStreams", "kinesis:DescribeStreamSummary");
    }

    /**
     * The search domain paths the role may write with these parameters (the grants whose condition
     * holds).
     */
    private static List<String> searchGrant(Map<String, String> parameters) {
        Map<String, String> params = withParameters(parameters);
        return statements().stream()
                .filter(st -> asList(st.get("Action")).contains("es:ESHttpPost"))
                .filter(
                        st ->
                                !st.containsKey("_condition")
                                        || condition(st.get("_condition").toString(), params))
                .flatMap(st -> asList(st.get("Resource")).stream())
                .map(r -> resolve(toMap(r), params))
                .collect(Collectors.toList());
    }

    @Test
    void anIndexSetToNoneIsGrantedNothing() {
        String domain = "arn:aws:es:eu-west-1:111122223333:domain/todo";
        assertThat(searchGrant(Map.of("ItemIndex", "none", "WindowsIndex", "none")))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r).startsWith(domain + "/todo-task-count"));
        assertThat(searchGrant(Map.of("ItemIndex", "none")))
                .noneMatch(r -> r.contains("/none"))
                .anyMatch(r -> r.startsWith(domain + "/todo-task-windows"));
    }

    @Test
    void theSearchGrantNamesEachIndexAndItsBulkPathNeverTheDomainsBulk() {
        List<String> resources = searchGrant(Map.of());
        String domain = "arn:aws:es:eu-west-1:111122223333:domain/todo";
        List<String> expected = new ArrayList<>();
        for (String index : List.of("todo-task-count", "todo-list-task", "todo-task-windows")) {
            expected.addAll(
                    List.of(
                            domain + "/" + index,
                            domain + "/" + index + "/_bulk",
                            domain + "/" + index + "/_mapping",
                            domain + "/" + index + "/_settings",
                            domain + "/" + index + "-000001"));
        }
        expected.add(domain + "/todo-task-count/_mget"); // the aggregate documents' window guard
        // a repair's scroll over the item index (the scroll continues by id, on the domain's path)
        expected.add(domain + "/todo-list-task/_search");
        expected.add(domain + "/_search/scroll");
        assertThat(resources)
                .containsExactlyInAnyOrderElementsOf(expected)
                .doesNotContain(domain + "/_bulk", domain + "/*")
                .noneMatch(r -> r.contains("*"));
    }

    /**
     * A statement's resource as the template has it (asList renders maps with toString; this reads
     * them back).
     */
    @SuppressWarnings("unchecked")
    private static Object toMap(String rendered) {
        Matcher m = Pattern.compile("\\{Fn::Sub=(.*)}").matcher(rendered);
        return m.matches() ? Map.of("Fn::Sub", m.group(1)) : rendered;
    }

    /**
     * Every parameter that flows into an IAM ARN (role, key policy, bucket policy, trust policy)
     * has an AllowedPattern that takes a plausible value and refuses a wildcard, so that no value
     * can widen a grant.
     */
    @Test
    void everyParameterInAnArnIsPatternedAndRefusesWildcards() throws Exception {
        Map<String, String> examples =
                Map.ofEntries(
                        Map.entry("ApplicationName", "streamsync"),
                        Map.entry("CodeBucketName", "code-bucket"),
                        Map.entry("CodeKeyPrefix", "streamsync/"),
                        Map.entry("SourceTableName", "todoListTask"),
                        Map.entry("AggregateTableName", "todoTaskCount"),
                        Map.entry("KinesisStreamName", "todo-changes"),
                        Map.entry(
                                "SearchDomainArn", "arn:aws:es:eu-west-1:111122223333:domain/todo"),
                        Map.entry("AggregateIndex", "todo-task-count"),
                        Map.entry("ItemIndex", "todo-list-task"),
                        Map.entry("WindowsIndex", "todo-task-windows"),
                        Map.entry("DeadLetterBucketName", "dead-letters"),
                        Map.entry("DeadLetterPrefix", "streamsync/dead-letters"),
                        Map.entry(
                                "SearchPasswordSecretArn",
                                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:streamsync/search-AbCdEf"),
                        Map.entry(
                                "CustomerManagedKeyArns",
                                "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
        String role =
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .writeValueAsString(map(template, "Resources", "ServiceRole"));
        Set<String> inArns = new java.util.TreeSet<>();
        Matcher sub =
                Pattern.compile("\\$\\{([A-Za-z]+)}|\\{\"Ref\":\"([A-Za-z]+)\"}").matcher(role);
        while (sub.find()) {
            String name = sub.group(1) != null ? sub.group(1) : sub.group(2);
            if (map(template, "Parameters").containsKey(name)) {
                inArns.add(name);
            }
        }
        for (String name : inArns) {
            Object pattern = map(template, "Parameters", name).get("AllowedPattern");
            assertThat(pattern).as("AllowedPattern of %s", name).isNotNull();
            assertThat(examples).as("an example of %s", name).containsKey(name);
            String example = examples.get(name);
            assertThat(Pattern.matches(pattern.toString(), example))
                    .as("%s takes %s", name, example)
                    .isTrue();
            for (String widened :
                    List.of(
                            "*",
                            example + "*",
                            example.substring(0, example.length() - 1) + "?",
                            example + "/*")) {
                assertThat(Pattern.matches(pattern.toString(), widened))
                        .as("%s refuses %s", name, widened)
                        .isFalse();
            }
        }
        assertThat(inArns)
                .as("parameters in the role's ARNs")
                .contains(
                        "SourceTableName",
                        "AggregateTableName",
                        "SearchDomainArn",
                        "AggregateIndex",
                        "ItemIndex",
                        "WindowsIndex",
                        "DeadLetterBucketName",
                        "DeadLetterPrefix",
                        "KinesisStreamName",
                        "CodeBucketName",
                        "CodeKeyPrefix",
                        "ApplicationName",
                        "SearchPasswordSecretArn",
                        "CustomerManagedKeyArns");
        assertThat(
                        Pattern.matches(
                                map(template, "Parameters", "AggregateIndex")
                                        .get("AllowedPattern")
                                        .toString(),
                                "_all"))
                .isFalse();
        assertThat(
                        Pattern.matches(
                                map(template, "Parameters", "SearchEndpoint")
                                        .get("AllowedPattern")
                                        .toString(),
                                "http://search-todo.eu-west-1.es.amazonaws.com"))
                .as("no cleartext to the domain")
                .isFalse();
    }

    @Test
    void theDeadLetterBucketIsEncryptedPrivateTlsOnlyAndForgetsItsLetters() {
        Map<String, Object> bucket = map(template, "Resources", "DeadLetterBucket");
        assertThat(bucket.get("Condition")).isEqualTo("CreateDeadLetterBucket");
        assertThat(map(template, "Parameters", "DeadLetterBucketName").get("Default"))
                .isEqualTo("create");
        Map<String, Object> p = map(bucket, "Properties");
        @SuppressWarnings("unchecked")
        Map<String, Object> sse =
                ((List<Map<String, Object>>)
                                map(p, "BucketEncryption").get("ServerSideEncryptionConfiguration"))
                        .get(0);
        assertThat(map(sse, "ServerSideEncryptionByDefault"))
                .containsEntry("SSEAlgorithm", "aws:kms")
                .containsEntry("KMSMasterKeyID", Map.of("Fn::GetAtt", List.of("DataKey", "Arn")));
        assertThat(map(p, "PublicAccessBlockConfiguration"))
                .containsEntry("BlockPublicAcls", true)
                .containsEntry("BlockPublicPolicy", true)
                .containsEntry("IgnorePublicAcls", true)
                .containsEntry("RestrictPublicBuckets", true);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rules =
                (List<Map<String, Object>>) map(p, "LifecycleConfiguration").get("Rules");
        assertThat(rules).hasSize(1);
        assertThat(rules.get(0))
                .containsEntry("Status", "Enabled")
                .containsEntry("Prefix", Map.of("Fn::Sub", "${DeadLetterPrefix}/"))
                .containsEntry("ExpirationInDays", Map.of("Ref", "DeadLetterRetentionDays"));

        Map<String, Object> policy = map(template, "Resources", "DeadLetterBucketPolicy");
        assertThat(policy.get("Condition")).isEqualTo("CreateDeadLetterBucket");
        assertThat(map(policy, "Properties").get("Bucket"))
                .isEqualTo(Map.of("Ref", "DeadLetterBucket"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> denies =
                (List<Map<String, Object>>)
                        map(policy, "Properties", "PolicyDocument").get("Statement");
        Object bucketAndObjects =
                List.of(
                        Map.of("Fn::GetAtt", List.of("DeadLetterBucket", "Arn")),
                        Map.of("Fn::Sub", "${DeadLetterBucket.Arn}/*"));
        assertThat(denies)
                .anySatisfy(
                        st -> {
                            assertThat(st)
                                    .containsEntry("Effect", "Deny")
                                    .containsEntry("Principal", "*")
                                    .containsEntry("Action", "s3:*")
                                    .containsEntry("Resource", bucketAndObjects);
                            assertThat(map(st, "Condition", "Bool"))
                                    .containsEntry("aws:SecureTransport", "false");
                        });
        assertThat(denies)
                .anySatisfy(
                        st -> {
                            assertThat(st)
                                    .containsEntry("Effect", "Deny")
                                    .containsEntry("Principal", "*")
                                    .containsEntry("Action", "s3:*")
                                    .containsEntry("Resource", bucketAndObjects);
                            assertThat(map(st, "Condition", "StringNotEquals"))
                                    .containsEntry(
                                            "aws:PrincipalAccount",
                                            Map.of("Ref", "AWS::AccountId"));
                        });
        assertThat(denies).allSatisfy(st -> assertThat(st.get("Effect")).isEqualTo("Deny"));
        // the job writes where the bucket is: the created one by default, a named one when given
        assertThat(propertyGroupsAsConfig())
                .containsEntry(
                        "deadletter.path", "s3://ref-DeadLetterBucket/streamsync/dead-letters");
        assertThat(propertyGroupsAsConfig(Map.of("DeadLetterBucketName", "my-letters")))
                .containsEntry("deadletter.path", "s3://my-letters/streamsync/dead-letters");
        Map<String, Object> write =
                statements().stream()
                        .filter(x -> "WriteDeadLetters".equals(x.get("Sid")))
                        .findFirst()
                        .orElseThrow();
        assertThat(resolve(write.get("Resource"), parameterValues()))
                .isEqualTo("arn:aws:s3:::ref-DeadLetterBucket/streamsync/dead-letters/*");
        Map<String, Object> encrypt =
                statements().stream()
                        .filter(x -> "EncryptDeadLetters".equals(x.get("Sid")))
                        .findFirst()
                        .orElseThrow();
        assertThat(encrypt.get("Resource"))
                .isEqualTo(Map.of("Fn::GetAtt", List.of("DataKey", "Arn")));
        assertThat(encrypt.get("Condition").toString())
                .contains("kms:ViaService", "s3.${AWS::Region}.amazonaws.com");
    }

    @Test
    void theLogGroupIsEncryptedWithTheStacksKeyWhichOnlyThatLogGroupMayUseThroughCloudWatchLogs() {
        assertThat(map(template, "Resources", "LogGroup", "Properties").get("KmsKeyId"))
                .isEqualTo(Map.of("Fn::GetAtt", List.of("DataKey", "Arn")));
        Map<String, Object> key = map(template, "Resources", "DataKey", "Properties");
        assertThat(key.get("EnableKeyRotation")).isEqualTo(true);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> policy =
                (List<Map<String, Object>>) map(key, "KeyPolicy").get("Statement");
        Map<String, Object> logs =
                policy.stream()
                        .filter(
                                st ->
                                        st.get("Principal")
                                                .toString()
                                                .contains("logs.${AWS::Region}.amazonaws.com"))
                        .findFirst()
                        .orElseThrow();
        assertThat(map(logs, "Condition", "ArnEquals").get("kms:EncryptionContext:aws:logs:arn"))
                .isEqualTo(
                        Map.of(
                                "Fn::Sub",
                                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/kinesis-analytics/${ApplicationName}"));
        assertThat(policy)
                .as("no other account or service")
                .allSatisfy(
                        st ->
                                assertThat(st.get("Principal").toString())
                                        .matches(
                                                ".*(iam::\\$\\{AWS::AccountId}:root|logs\\.\\$\\{AWS::Region}\\.amazonaws\\.com).*"));
    }

    @Test
    void theRulesRefuseAnOpenDomainOutsideAVpcAndBasicAuthWithoutItsSecret() {
        assertThat(rulesRefusing(Map.of())).as("the defaults").isEmpty();
        assertThat(rulesRefusing(Map.of("SearchAuth", "none")))
                .containsExactly("NoSearchAuthOnlyInAVpc");
        assertThat(
                        rulesRefusing(
                                Map.of(
                                        "SearchAuth",
                                        "none",
                                        "SubnetIds",
                                        "subnet-1,subnet-2",
                                        "SecurityGroupIds",
                                        "sg-1")))
                .isEmpty();
        assertThat(rulesRefusing(Map.of("SearchAuth", "basic")))
                .containsExactly("BasicAuthNeedsItsUserAndSecret");
        assertThat(
                        rulesRefusing(
                                Map.of(
                                        "SearchAuth",
                                        "basic",
                                        "SearchUsername",
                                        "streamsync",
                                        "SearchPasswordSecretArn",
                                        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:search-AbCdEf")))
                .isEmpty();
        assertThat(rulesRefusing(Map.of("SourceType", "kinesis")))
                .containsExactly("KinesisSourceNeedsItsStream");
        assertThat(rulesRefusing(Map.of("CreateVpcEndpoints", "true", "SubnetIds", "subnet-1")))
                .containsExactly("VpcEndpointsNeedTheirNetwork");
        assertThat(
                        rulesRefusing(
                                Map.of(
                                        "CreateVpcEndpoints",
                                        "true",
                                        "SubnetIds",
                                        "subnet-1",
                                        "SecurityGroupIds",
                                        "sg-1",
                                        "RouteTableIds",
                                        "rtb-1",
                                        "VpcId",
                                        "vpc-0abc1234")))
                .isEmpty();
    }

    @Test
    void basicAuthReadsItsPasswordFromTheSecretTheRoleMayReadAndNothingElse() {
        String secret =
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:streamsync/search-AbCdEf";
        Map<String, String> config =
                propertyGroupsAsConfig(
                        Map.of(
                                "SearchAuth",
                                "basic",
                                "SearchUsername",
                                "streamsync",
                                "SearchPasswordSecretArn",
                                secret));
        assertThat(config)
                .containsEntry("sink.search.auth", "basic")
                .containsEntry("sink.search.username", "streamsync")
                .containsEntry("sink.search.password.secret", secret)
                .doesNotContainKey("sink.search.password.env");
        JobConfig parsed = JobConfig.fromManagedFlink(config, null);
        assertThat(parsed.searchAuth).isEqualTo(JobConfig.SearchAuth.BASIC);
        assertThat(parsed.searchPasswordSecret).isEqualTo(secret);
        Map<String, Object> read =
                statements().stream()
                        .filter(x -> "ReadSearchPassword".equals(x.get("Sid")))
                        .findFirst()
                        .orElseThrow();
        assertThat(read.get("Action")).isEqualTo(List.of("secretsmanager:GetSecretValue"));
        assertThat(
                        resolve(
                                read.get("Resource"),
                                withParameters(Map.of("SearchPasswordSecretArn", secret))))
                .isEqualTo(secret);
        assertThat(propertyGroupsAsConfig())
                .doesNotContainKeys("sink.search.username", "sink.search.password.secret");
        assertThat(asList(map(template, "Parameters", "SearchAuth").get("AllowedValues")))
                .containsExactlyInAnyOrder("sigv4", "basic", "none");
    }

    private static Map<String, String> withParameters(Map<String, String> parameters) {
        Map<String, String> params = parameterValues();
        params.putAll(parameters);
        return params;
    }

    @Test
    void onlyThisAccountsApplicationOfThisNameMayAssumeTheRoleWhoseNameIsUniquePerRegion() {
        Map<String, Object> role = map(template, "Resources", "ServiceRole", "Properties");
        assertThat(role.get("RoleName"))
                .isEqualTo(Map.of("Fn::Sub", "${ApplicationName}-${AWS::Region}-msf"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> trust =
                (List<Map<String, Object>>) map(role, "AssumeRolePolicyDocument").get("Statement");
        assertThat(trust).hasSize(1);
        assertThat(trust.get(0).get("Principal"))
                .isEqualTo(Map.of("Service", "kinesisanalytics.amazonaws.com"));
        assertThat(map(trust.get(0), "Condition", "StringEquals"))
                .containsEntry("aws:SourceAccount", Map.of("Ref", "AWS::AccountId"));
        assertThat(map(trust.get(0), "Condition", "ArnEquals"))
                .containsEntry(
                        "aws:SourceArn",
                        Map.of(
                                "Fn::Sub",
                                "arn:${AWS::Partition}:kinesisanalytics:${AWS::Region}:${AWS::AccountId}:application/${ApplicationName}"));
        // the longest region name keeps the role's name within IAM's 64 characters
        String longest = "a".repeat(45) + "-ap-southeast-4-msf";
        assertThat(longest.length()).isLessThanOrEqualTo(64);
        assertThat(
                        Pattern.matches(
                                map(template, "Parameters", "ApplicationName")
                                        .get("AllowedPattern")
                                        .toString(),
                                "a".repeat(46)))
                .isFalse();
    }

    @SuppressWarnings("unchecked")
    private static List<String> asList(Object o) {
        if (o instanceof List) {
            return ((List<Object>) o)
                    .stream()
                            .map(x -> x instanceof String ? (String) x : x.toString())
                            .collect(Collectors.toList());
        }
        return List.of(o.toString());
    }

    @Test
    void theDeployScriptsParseAndPrintTheirUsage() throws Exception {
        try (Stream<Path> scripts = Files.list(Path.of("deploy/scripts"))) {
            for (Path s :
                    scripts.filter(p -> p.toString().endsWith(".sh"))
                            .collect(Collectors.toList())) {
                Process syntax =
                        new ProcessBuilder("bash", "-n", s.toString())
                                .redirectErrorStream(true)
                                .start();
                assertThat(syntax.waitFor())
                        .as("bash -n %s: %s", s, new String(syntax.getInputStream().readAllBytes()))
                        .isZero();
                if (!s.getFileName().toString().equals("common.sh")) {
                    Process usage =
                            new ProcessBuilder("bash", s.toString())
                                    .redirectErrorStream(true)
                                    .start();
                    String out = new String(usage.getInputStream().readAllBytes());
                    assertThat(usage.waitFor()).as("%s without arguments", s).isNotZero();
                    assertThat(out).as("%s without arguments", s).contains("usage:");
                }
            }
        }
    }

    /**
     * One request to the dead-letter bucket, as the bucket policy sees it: its action, object and
     * condition keys.
     */
    private static final class S3Request {
        final String name;
        final String action;
        final String resource;
        final Map<String, String> context;

        S3Request(String name, String action, String resource, Map<String, String> context) {
            this.name = name;
            this.action = action;
            this.resource = resource;
            this.context = context;
        }
    }

    /** An IAM policy wildcard (* and ?) as a regular expression. */
    private static boolean wildcardMatches(String pattern, String value, boolean ignoreCase) {
        StringBuilder re = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0)
                .matcher(value)
                .matches();
    }

    /**
     * One condition operator of a policy statement against a request's context keys, as IAM
     * evaluates it: a key the request lacks makes ...IfExists true, Null "true" true, a negated
     * operator (StringNot..., ArnNot...) true and any other false; a present key must match one of
     * the values (for a negated operator: none). Operators this template does not use are refused,
     * so that none is evaluated wrongly by omission.
     */
    private static boolean conditionHolds(
            String operator,
            Map<?, ?> keys,
            Map<String, String> context,
            Map<String, String> params) {
        for (Map.Entry<?, ?> e : keys.entrySet()) {
            String key = e.getKey().toString();
            Object v = evaluate(e.getValue(), params);
            List<String> values =
                    v instanceof List
                            ? ((List<?>) v)
                                    .stream().map(Object::toString).collect(Collectors.toList())
                            : List.of(v.toString());
            String actual = context.get(key);
            boolean holds;
            if (operator.equals("Null")) {
                holds = (actual == null) == Boolean.parseBoolean(values.get(0));
            } else {
                boolean ifExists = operator.endsWith("IfExists");
                String base =
                        ifExists
                                ? operator.substring(0, operator.length() - "IfExists".length())
                                : operator;
                boolean negated = base.contains("Not");
                if (actual == null) {
                    holds = ifExists || negated;
                } else {
                    boolean any;
                    switch (base.replace("Not", "")) {
                        case "StringEquals":
                        case "ArnEquals":
                            any = values.contains(actual);
                            break;
                        case "StringLike":
                        case "ArnLike":
                            any = values.stream().anyMatch(p -> wildcardMatches(p, actual, false));
                            break;
                        case "Bool":
                            any = values.stream().anyMatch(actual::equalsIgnoreCase);
                            break;
                        default:
                            throw new AssertionError(
                                    "condition operator not evaluated here: " + operator);
                    }
                    holds = negated ? !any : any;
                }
            }
            if (!holds) {
                return false;
            }
        }
        return true;
    }

    /**
     * The Sids of the bucket policy's Deny statements that refuse this request (all conditions of a
     * statement hold).
     */
    @SuppressWarnings("unchecked")
    private static List<String> bucketPolicyDenies(S3Request request) {
        Map<String, String> params = parameterValues();
        List<String> denying = new ArrayList<>();
        for (Map<String, Object> st :
                (List<Map<String, Object>>)
                        map(
                                        template,
                                        "Resources",
                                        "DeadLetterBucketPolicy",
                                        "Properties",
                                        "PolicyDocument")
                                .get("Statement")) {
            assertThat(st.get("Effect")).isEqualTo("Deny");
            assertThat(st)
                    .as("statement %s", st.get("Sid"))
                    .doesNotContainKeys("NotAction", "NotResource", "NotPrincipal");
            assertThat(st.get("Principal")).isEqualTo("*");
            boolean action =
                    asList(st.get("Action")).stream()
                            .anyMatch(a -> wildcardMatches(a, request.action, true));
            Object r = evaluate(st.get("Resource"), params);
            List<String> resources = r instanceof List ? (List<String>) r : List.of(r.toString());
            boolean resource =
                    resources.stream().anyMatch(p -> wildcardMatches(p, request.resource, false));
            Map<String, Object> conditions =
                    (Map<String, Object>) st.getOrDefault("Condition", Map.of());
            boolean conditionsHold =
                    conditions.entrySet().stream()
                            .allMatch(
                                    c ->
                                            conditionHolds(
                                                    c.getKey(),
                                                    (Map<?, ?>) c.getValue(),
                                                    request.context,
                                                    params));
            if (action && resource && conditionsHold) {
                denying.add(st.get("Sid").toString());
            }
        }
        return denying;
    }

    /**
     * The job's FileSink writes its dead letters through Flink's S3 file system: PutObject, or a
     * multipart upload (CreateMultipartUpload, UploadPart, CompleteMultipartUpload, all authorised
     * as s3:PutObject), none with an x-amz-server-side-encryption header (on MSF it cannot send
     * one); the bucket's default SSE-KMS encrypts them. The bucket policy's Deny statements,
     * evaluated as IAM does (incl. ...IfExists and Null on a missing key), must let each of them
     * through, and refuse a request that asks for another encryption, plain HTTP or another
     * account.
     */
    @Test
    void
            theBucketPolicyLetsTheJobsOwnUploadsThroughAndRefusesOtherEncryptionPlainHttpAndOtherAccounts() {
        String object =
                "DeadLetterBucket.Arn/streamsync/dead-letters/2026-12-05--12/dead-letters-0.jsonl";
        Map<String, String> job =
                Map.of("aws:SecureTransport", "true", "aws:PrincipalAccount", "111122223333");
        Map<String, String> aes256 = new LinkedHashMap<>(job);
        aes256.put("s3:x-amz-server-side-encryption", "AES256");
        Map<String, String> kms = new LinkedHashMap<>(job);
        kms.put("s3:x-amz-server-side-encryption", "aws:kms");
        Map<String, String> http = new LinkedHashMap<>(job);
        http.put("aws:SecureTransport", "false");
        Map<String, String> otherAccount = new LinkedHashMap<>(job);
        otherAccount.put("aws:PrincipalAccount", "444455556666");
        List<S3Request> allowed =
                List.of(
                        new S3Request(
                                "PutObject without an SSE header", "s3:PutObject", object, job),
                        new S3Request(
                                "CreateMultipartUpload (s3:PutObject) without an SSE header",
                                "s3:PutObject",
                                object,
                                job),
                        new S3Request(
                                "UploadPart (s3:PutObject, never an SSE header)",
                                "s3:PutObject",
                                object,
                                job),
                        new S3Request(
                                "CompleteMultipartUpload (s3:PutObject, never an SSE header)",
                                "s3:PutObject",
                                object,
                                job),
                        new S3Request("PutObject with aws:kms", "s3:PutObject", object, kms),
                        new S3Request("GetObject", "s3:GetObject", object, job));
        for (S3Request r : allowed) {
            assertThat(bucketPolicyDenies(r)).as(r.name).isEmpty();
        }
        assertThat(
                        bucketPolicyDenies(
                                new S3Request(
                                        "PutObject with AES256", "s3:PutObject", object, aes256)))
                .containsExactly("DenyOtherEncryption");
        assertThat(
                        bucketPolicyDenies(
                                new S3Request("PutObject over HTTP", "s3:PutObject", object, http)))
                .containsExactly("DenyWithoutTls");
        assertThat(
                        bucketPolicyDenies(
                                new S3Request(
                                        "GetObject of another account",
                                        "s3:GetObject",
                                        object,
                                        otherAccount)))
                .containsExactly("DenyOtherAccounts");
    }

    /**
     * Parts of an upload the job began and never completed (a job that failed between two
     * checkpoints) expire too.
     */
    @Test
    void theDeadLetterBucketAbortsIncompleteUploadsAfterTheRetention() {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rules =
                (List<Map<String, Object>>)
                        map(
                                        template,
                                        "Resources",
                                        "DeadLetterBucket",
                                        "Properties",
                                        "LifecycleConfiguration")
                                .get("Rules");
        assertThat(rules)
                .anySatisfy(
                        rule -> {
                            assertThat(rule)
                                    .containsEntry("Status", "Enabled")
                                    .containsEntry(
                                            "Prefix", Map.of("Fn::Sub", "${DeadLetterPrefix}/"));
                            assertThat(map(rule, "AbortIncompleteMultipartUpload"))
                                    .containsEntry(
                                            "DaysAfterInitiation",
                                            Map.of("Ref", "DeadLetterRetentionDays"));
                        });
    }

    /**
     * Updating a stack made by release 0.2.0's template renames the role, so CloudFormation
     * replaces it. The application's previous version (which a system rollback or rollback.sh
     * --service returns to) names the old role: it must be kept on replacement, and on a stack
     * delete as the application itself is.
     */
    @Test
    void theRoleAPreviousApplicationVersionNamesIsKeptWhenItIsReplaced() {
        Map<String, Object> role = map(template, "Resources", "ServiceRole");
        assertThat(role.get("UpdateReplacePolicy")).isEqualTo("Retain");
        assertThat(role.get("DeletionPolicy"))
                .isEqualTo(map(template, "Resources", "Application").get("DeletionPolicy"));
    }

    @Test
    void customerManagedKeysAreUsableOnlyThroughTheServicesThatHoldTheJobsData() {
        Map<String, Object> st =
                statements().stream()
                        .filter(x -> "UseCustomerManagedKeys".equals(x.get("Sid")))
                        .findFirst()
                        .orElseThrow();
        Object via = map(st, "Condition", "StringEquals").get("kms:ViaService");
        assertThat(via).as("kms:ViaService").isNotNull();
        Object services = evaluate(via, parameterValues());
        assertThat(asList(services))
                .containsExactlyInAnyOrder(
                        "dynamodb.eu-west-1.amazonaws.com",
                        "kinesis.eu-west-1.amazonaws.com",
                        "s3.eu-west-1.amazonaws.com",
                        "secretsmanager.eu-west-1.amazonaws.com");
        assertThat(
                        map(template, "Parameters", "CustomerManagedKeyArns")
                                .get("Description")
                                .toString())
                .contains("dead-letter bucket");
    }

    @Test
    void theNoCheckpointAlarmWaitsLongerThanAnIntervalPlusTheCheckpointTimeout() {
        int minutes =
                Integer.parseInt(
                        map(template, "Parameters", "NoCheckpointAlarmMinutes")
                                .get("Default")
                                .toString());
        // MSF's checkpoint interval (CheckpointInterval, 10 s in the template at most) plus Flink's
        // default timeout (10 min)
        long intervalMs =
                Long.parseLong(
                        resolve(
                                map(
                                                application(),
                                                "ApplicationConfiguration",
                                                "FlinkApplicationConfiguration",
                                                "CheckpointConfiguration")
                                        .get("CheckpointInterval"),
                                parameterValues()));
        assertThat(minutes * 60_000L).isGreaterThan(intervalMs + 600_000L);
    }
}

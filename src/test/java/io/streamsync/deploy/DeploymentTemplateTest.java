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

/** Checks the Managed Service for Apache Flink template offline: config keys, IAM scope, runtime, jar name. */
class DeploymentTemplateTest {
    private static Map<String, Object> template;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void parse() throws Exception {
        try (Reader in = Files.newBufferedReader(Path.of("deploy/cloudformation/streamsync.yaml"))) {
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

    /** Parameter defaults, and plausible values for the parameters without one, to resolve Ref and Fn::Sub. */
    private static Map<String, String> parameterValues() {
        Map<String, String> v = new LinkedHashMap<>();
        map(template, "Parameters").forEach((name, spec) -> {
            Object d = ((Map<?, ?>) spec).get("Default");
            v.put(name, d == null ? "" : d.toString());
        });
        v.put("SearchEndpoint", "https://search-todo.eu-west-1.es.amazonaws.com:443");
        v.put("DeadLetterBucketName", "dead-letters");
        v.put("AWS::Region", "eu-west-1");
        return v;
    }

    private static String resolve(Object value, Map<String, String> params) {
        if (value instanceof Map) {
            Map<?, ?> fn = (Map<?, ?>) value;
            if (fn.containsKey("Ref")) {
                String name = fn.get("Ref").toString();
                if (name.equals("AWS::NoValue")) {
                    return null; // the key is left out
                }
                assertThat(params).as("Ref %s", name).containsKey(name);
                return params.get(name);
            }
            if (fn.containsKey("Fn::Sub")) {
                Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(fn.get("Fn::Sub").toString());
                StringBuilder sb = new StringBuilder();
                while (m.find()) {
                    assertThat(params).as("Sub ${%s}", m.group(1)).containsKey(m.group(1));
                    m.appendReplacement(sb, Matcher.quoteReplacement(params.get(m.group(1))));
                }
                m.appendTail(sb);
                return sb.toString();
            }
            if (fn.containsKey("Fn::If")) { // conditions here compare a parameter with a value
                List<?> branches = (List<?>) fn.get("Fn::If");
                Map<?, ?> condition = (Map<?, ?>) map(template, "Conditions").get(branches.get(0).toString());
                List<?> equals = (List<?>) condition.get("Fn::Equals");
                boolean holds = resolve(equals.get(0), params).equals(resolve(equals.get(1), params));
                return resolve(branches.get(holds ? 1 : 2), params);
            }
            throw new AssertionError("unexpected intrinsic in a property value: " + fn);
        }
        return value.toString();
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
        List<Map<String, Object>> groups = (List<Map<String, Object>>) map(application(), "ApplicationConfiguration",
                "EnvironmentProperties").get("PropertyGroups");
        for (Map<String, Object> g : groups) {
            assertThat(g.get("PropertyGroupId").toString()).matches("[a-zA-Z0-9_.-]{1,50}");
            assertThat((Map<String, Object>) g.get("PropertyMap")).as("entries of a property group").hasSizeLessThanOrEqualTo(50);
            ((Map<String, Object>) g.get("PropertyMap")).forEach((k, v) -> {
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
        // MSF refuses empty property values: keys whose default is empty are left out (they take the default)
        Set<String> emptyByDefault = ConfigKey.byKey().values().stream().filter(k -> k.defaultValue().isEmpty())
                .map(ConfigKey::key).collect(Collectors.toSet());
        assertThat(config).allSatisfy((k, v) -> assertThat(v).as("value of %s", k).isNotEmpty().hasSizeLessThanOrEqualTo(2048));
        Set<String> expected = new java.util.TreeSet<>(ConfigKey.byKey().keySet());
        expected.removeAll(emptyByDefault);
        expected.add(ConfigKey.DEADLETTER_PATH.key()); // set to the dead-letter bucket on AWS
        assertThat(config.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(emptyByDefault).containsExactlyInAnyOrder("aws.endpoint", "aws.streams.endpoint", "aws.credentials.access.key.id",
                "aws.credentials.secret.access.key", "source.stream.arn", "deadletter.path", "checkpoint.dir",
                "sink.search.username", "sink.search.password.env", "sink.search.password.secret", "sink.search.sigv4.region",
                "sink.search.tls.ca.file", "sink.search.item.mapping.file", "filter.patterns", "source.kinesis.stream",
                "source.kinesis.endpoint", "source.initial.timestamp");
        JobConfig parsed = JobConfig.fromManagedFlink(config, null); // throws, naming the key, when a value is invalid or a required key missing
        assertThat(parsed.stateBackend).isEqualTo(JobConfig.StateBackend.CLUSTER);
        assertThat(parsed.credentialsProvider).isEqualTo(JobConfig.CredentialsProvider.AUTO);
        assertThat(parsed.awsEndpoint).isNull();
        assertThat(parsed.deadLetterPath).startsWith("s3://");
        assertThat(parsed.searchEngine).isEqualTo(JobConfig.SearchEngine.OPENSEARCH);
        assertThat(parsed.searchAuth).as("IAM-signed requests on AWS").isEqualTo(JobConfig.SearchAuth.SIGV4);
    }

    @Test
    void withSourceTypeKinesisTheJobReadsTheNamedKinesisStream() {
        Map<String, String> config = propertyGroupsAsConfig(Map.of("SourceType", "kinesis", "KinesisStreamName", "todo-changes"));
        JobConfig parsed = JobConfig.fromManagedFlink(config, null);
        org.assertj.core.api.Assertions.assertThat(parsed.isKinesis()).isTrue();
        org.assertj.core.api.Assertions.assertThat(parsed.kinesisStream).isEqualTo("todo-changes");
        org.assertj.core.api.Assertions.assertThat(propertyGroupsAsConfig()).doesNotContainKey("source.kinesis.stream");
    }

    @Test
    void runtimeIsFlink22WithSystemRollbackAndTheCodeIsAnImmutableKeyUnderAPrefixTheRoleMayRead() {
        assertThat(application().get("RuntimeEnvironment")).as("the runtime of this build: Flink 2.2, Java 17")
                .isEqualTo("FLINK-2_" + org.apache.flink.runtime.util.EnvironmentInformation.getVersion().split("\\.")[1]);
        assertThat(map(application(), "ApplicationConfiguration", "ApplicationSystemRollbackConfiguration").get("RollbackEnabled"))
                .isEqualTo(true);
        Map<String, Object> codeKey = map(template, "Parameters", "CodeKey");
        assertThat(codeKey).as("no default: each deploy names its build's key").doesNotContainKey("Default");
        assertThat("streamsync/streamsync-0.2.0-0123456789ab.jar").matches(codeKey.get("AllowedPattern").toString());
        assertThat(map(application(), "ApplicationConfiguration", "ApplicationCodeConfiguration", "CodeContent",
                "S3ContentLocation").get("FileKey")).isEqualTo(Map.of("Ref", "CodeKey"));
        Map<String, Object> app = map(application(), "ApplicationConfiguration");
        assertThat(map(app, "ApplicationSnapshotConfiguration").get("SnapshotsEnabled")).isEqualTo(true);
        assertThat(map(app, "FlinkApplicationConfiguration", "CheckpointConfiguration").get("ConfigurationType"))
                .isEqualTo("CUSTOM");
        assertThat(map(application(), "RunConfiguration", "ApplicationRestoreConfiguration").get("ApplicationRestoreType"))
                .isEqualTo("RESTORE_FROM_LATEST_SNAPSHOT");
        assertThat(map(application(), "RunConfiguration", "FlinkRunConfiguration").get("AllowNonRestoredState"))
                .isEqualTo(Map.of("Ref", "AllowNonRestoredState"));
        assertThat(map(template, "Parameters", "AllowNonRestoredState").get("Default")).isEqualTo("false");
        // the role reads every jar under the prefix: the current one and the one a rollback goes back to
        Map<String, Object> readJars = statements().stream().filter(st -> "ReadJobJars".equals(st.get("Sid"))).findFirst()
                .orElseThrow();
        assertThat(readJars.get("Resource")).isEqualTo(Map.of("Fn::Sub", "arn:${AWS::Partition}:s3:::${CodeBucketName}/${CodeKeyPrefix}*"));
    }

    @Test
    void theApplicationAndItsLogsSurviveAStackDeleteOrAReplacement() {
        for (String resource : List.of("Application", "LogGroup")) {
            Map<String, Object> r = map(template, "Resources", resource);
            assertThat(r.get("DeletionPolicy")).as(resource).isEqualTo("Retain");
            assertThat(r.get("UpdateReplacePolicy")).as(resource).isEqualTo("Retain");
        }
    }

    @Test
    void alarmsWatchTheJobsHealthAndNotifyTheTopic() {
        Map<String, String> expected = Map.of("DowntimeAlarm", "downtime", "RestartsAlarm", "numRestarts",
                "FailedCheckpointsAlarm", "numberOfFailedCheckpoints", "LagAlarm", "millisBehindLatest",
                "DeadLettersAlarm", "deadLetters", "RejectedDocumentsAlarm", "searchDocumentsRejected",
                "BootstrapAtRiskAlarm", "scanEtaSeconds", "LateChangesAlarm", "lateChanges");
        Map<String, Object> resources = map(template, "Resources");
        List<String> alarms = resources.entrySet().stream()
                .filter(e -> "AWS::CloudWatch::Alarm".equals(((Map<?, ?>) e.getValue()).get("Type"))).map(Map.Entry::getKey)
                .collect(Collectors.toList());
        assertThat(alarms).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((alarm, metric) -> {
            Map<String, Object> r = map(template, "Resources", alarm);
            assertThat(r.get("Condition")).as(alarm).isEqualTo(alarm.equals("BootstrapAtRiskAlarm") ? "BootstrapAlarms" : "Alarms");
            Map<String, Object> p = map(r, "Properties");
            String text = p.toString();
            assertThat(text).as(alarm).contains("MetricName=" + metric, "Namespace=AWS/KinesisAnalytics",
                    "{Name=Application, Value={Ref=Application}}");
            assertThat(p.get("AlarmActions")).as(alarm).isEqualTo(Map.of("Fn::If", List.of("AlarmActions",
                    List.of(Map.of("Ref", "AlarmTopicArn")), Map.of("Ref", "AWS::NoValue"))));
            if (List.of("numRestarts", "numberOfFailedCheckpoints", "deadLetters", "searchDocumentsRejected").contains(metric)) {
                assertThat(text).as("%s watches the counter's increase", alarm).contains("Expression=RATE(m) * PERIOD(m)");
            }
        });
        assertThat(map(template, "Resources", "LagAlarm", "Properties").get("Threshold")).isEqualTo(Map.of("Ref", "LagAlarmThresholdMs"));
        assertThat(map(template, "Parameters", "CreateAlarms").get("Default")).isEqualTo("true");
        assertThat(map(template, "Parameters", "CreateDashboard").get("Default")).isEqualTo("true");
    }

    @Test
    void theDashboardShowsWhatAnOperatorWatches() throws Exception {
        Map<String, Object> dashboard = map(template, "Resources", "Dashboard");
        assertThat(dashboard.get("Condition")).isEqualTo("Dashboard");
        String body = map(dashboard, "Properties", "DashboardBody").get("Fn::Sub").toString();
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
        List<String> metrics = new ArrayList<>();
        json.get("widgets").forEach(w -> w.get("properties").get("metrics").forEach(m -> metrics.add(m.get(1).asText())));
        assertThat(metrics).contains("millisBehindLatest", "recordsRead", "writeToReadLatencyP99Ms", "lastCheckpointDuration",
                "numberOfFailedCheckpoints", "numRestarts", "downtime", "deadLetters", "searchDocumentsRejected",
                "aggregateWritesRetried", "cpuUtilization", "heapMemoryUtilization");
    }

    @Test
    void inAVpcTheEndpointsTheJobNeedsAreOffered() {
        Map<String, String> expected = Map.of("DynamoDbEndpoint", "dynamodb", "S3Endpoint", "s3",
                "DynamoDbStreamsEndpoint", "streams.dynamodb", "KinesisEndpoint", "kinesis-streams",
                "CloudWatchEndpoint", "monitoring", "LogsEndpoint", "logs", "StsEndpoint", "sts",
                "SecretsManagerEndpoint", "secretsmanager");
        expected.forEach((name, service) -> {
            Map<String, Object> r = map(template, "Resources", name);
            assertThat(r.get("Condition")).isEqualTo("VpcEndpoints");
            assertThat(map(r, "Properties", "ServiceName").get("Fn::Sub")).isEqualTo("com.amazonaws.${AWS::Region}." + service);
            assertThat(map(r, "Properties").get("VpcEndpointType"))
                    .isEqualTo(service.equals("dynamodb") || service.equals("s3") ? "Gateway" : "Interface");
        });
        assertThat(map(template, "Parameters", "CreateVpcEndpoints").get("Default")).isEqualTo("false");
    }

    @Test
    void aTableWithAPartitionKeyOnlyAndNoItemIndexAreSetWithNone() {
        Map<String, String> config = propertyGroupsAsConfig(Map.of("PartitionKey", "pk", "SortKey", "none", "ItemIndex", "none"));
        assertThat(config).containsEntry("table.partition.key", "pk").containsEntry("table.sort.key", "none")
                .containsEntry("sink.search.item.index", "none");
        JobConfig parsed = JobConfig.fromManagedFlink(config, null);
        assertThat(parsed.keySchema.partitionKey()).isEqualTo("pk");
        assertThat(parsed.keySchema.sortKey()).isNull();
        assertThat(parsed.itemIndex).isNull();
    }

    @Test
    void cfnLintFindsNothing() throws Exception {
        Process which = new ProcessBuilder("bash", "-c", "command -v cfn-lint").start();
        org.junit.jupiter.api.Assumptions.assumeTrue(which.waitFor() == 0,
                "cfn-lint is not installed (it is not served by the registries here; README, Deploy to AWS)");
        Process lint = new ProcessBuilder("cfn-lint", "deploy/cloudformation/streamsync.yaml").redirectErrorStream(true).start();
        String out = new String(lint.getInputStream().readAllBytes());
        assertThat(lint.waitFor()).as("cfn-lint: %s", out).isZero();
    }

    /** Every statement of the role's policy, conditional ones included (checked like the others). */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> statements() {
        List<Map<String, Object>> statements = new ArrayList<>();
        Map<String, Object> role = map(template, "Resources", "ServiceRole", "Properties");
        for (Map<String, Object> policy : (List<Map<String, Object>>) role.get("Policies")) {
            for (Map<String, Object> st : (List<Map<String, Object>>) map(policy, "PolicyDocument").get("Statement")) {
                if (st.containsKey("Fn::If")) {
                    List<Object> branches = (List<Object>) st.get("Fn::If");
                    assertThat(branches.get(2)).isEqualTo(Map.of("Ref", "AWS::NoValue"));
                    Map<String, Object> granted = new LinkedHashMap<>((Map<String, Object>) branches.get(1));
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
        List<String> conditional = statements.stream().filter(st -> st.containsKey("_condition"))
                .map(st -> st.get("_condition") + ":" + st.get("Sid")).collect(Collectors.toList());
        assertThat(conditional).as("Kinesis reads only from Kinesis, Scan only when bootstrapping, network only in a VPC")
                .containsExactly("FromKinesis:ReadSourceKinesisStream", "Bootstrap:ScanSourceTableForBootstrap",
                        "InVpc:DescribeNetwork", "InVpc:ApplicationNetworkInterfaces");
        assertThat(map(template, "Resources")).as("the VPC grants are in the role the application needs, not a separate policy")
                .doesNotContainKey("VpcAccessPolicy");
        // EC2 Describe calls have no resource-level permissions: the only place "*" is allowed
        Set<String> starResourceAllowed = Set.of("ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
                "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces");
        for (Map<String, Object> st : statements) {
            assertThat(st.get("Effect")).isEqualTo("Allow");
            List<String> actions = asList(st.get("Action"));
            assertThat(actions).as("actions of %s", st.get("Sid")).allSatisfy(a -> assertThat(a).doesNotContain("*"));
            List<String> resources = asList(st.get("Resource")).stream().map(r -> r.toString()).collect(Collectors.toList());
            if (resources.contains("*")) {
                assertThat(starResourceAllowed).as("statement %s uses Resource *", st.get("Sid")).containsAll(actions);
            }
        }
        List<String> allActions = statements.stream().flatMap(st -> asList(st.get("Action")).stream()).collect(Collectors.toList());
        assertThat(allActions).as("polling only: no enhanced fan-out").noneMatch(a -> a.contains("Consumer") || a.contains("SubscribeToShard"));
        assertThat(allActions).contains("dynamodb:GetRecords", "dynamodb:PutItem", "es:ESHttpPost")
                .doesNotContain("dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "es:ESHttpDelete",
                        "s3:PutObject*");
    }

    @SuppressWarnings("unchecked")
    private static List<String> asList(Object o) {
        if (o instanceof List) {
            return ((List<Object>) o).stream().map(x -> x instanceof String ? (String) x : x.toString()).collect(Collectors.toList());
        }
        return List.of(o.toString());
    }

    @Test
    void theDeployScriptsParseAndPrintTheirUsage() throws Exception {
        try (Stream<Path> scripts = Files.list(Path.of("deploy/scripts"))) {
            for (Path s : scripts.filter(p -> p.toString().endsWith(".sh")).collect(Collectors.toList())) {
                Process syntax = new ProcessBuilder("bash", "-n", s.toString()).redirectErrorStream(true).start();
                assertThat(syntax.waitFor()).as("bash -n %s: %s", s, new String(syntax.getInputStream().readAllBytes()))
                        .isZero();
                if (!s.getFileName().toString().equals("common.sh")) {
                    Process usage = new ProcessBuilder("bash", s.toString()).redirectErrorStream(true).start();
                    String out = new String(usage.getInputStream().readAllBytes());
                    assertThat(usage.waitFor()).as("%s without arguments", s).isNotZero();
                    assertThat(out).as("%s without arguments", s).contains("usage:");
                }
            }
        }
    }
}

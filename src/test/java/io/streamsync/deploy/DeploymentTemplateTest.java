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
        assertThat(emptyByDefault).containsExactlyInAnyOrder("aws.endpoint", "aws.credentials.access.key.id",
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
    void runtimeIsFlink120AndTheCodeIsTheJarTheBuildMakes() {
        assertThat(application().get("RuntimeEnvironment")).isEqualTo("FLINK-1_20");
        String jar = System.getProperty("streamsync.jar.name");
        assertThat(jar).as("jar name from the build").isNotBlank();
        assertThat(map(template, "Parameters", "CodeKey").get("Default")).isEqualTo(jar);
        Map<String, Object> app = map(application(), "ApplicationConfiguration");
        assertThat(map(app, "ApplicationSnapshotConfiguration").get("SnapshotsEnabled")).isEqualTo(true);
        assertThat(map(app, "FlinkApplicationConfiguration", "CheckpointConfiguration").get("ConfigurationType"))
                .isEqualTo("CUSTOM");
        assertThat(map(application(), "RunConfiguration", "ApplicationRestoreConfiguration").get("ApplicationRestoreType"))
                .isEqualTo("RESTORE_FROM_LATEST_SNAPSHOT");
    }

    @Test
    @SuppressWarnings("unchecked")
    void iamGrantsNoWildcardActionAndNoWildcardResourceWhereANarrowerOneExists() {
        List<Map<String, Object>> statements = new ArrayList<>();
        Map<String, Object> role = map(template, "Resources", "ServiceRole", "Properties");
        List<String> conditional = new ArrayList<>();
        for (Map<String, Object> policy : (List<Map<String, Object>>) role.get("Policies")) {
            for (Map<String, Object> st : (List<Map<String, Object>>) map(policy, "PolicyDocument").get("Statement")) {
                if (st.containsKey("Fn::If")) { // granted only under a condition: checked like the others
                    List<Object> branches = (List<Object>) st.get("Fn::If");
                    conditional.add(branches.get(0) + ":" + ((Map<String, Object>) branches.get(1)).get("Sid"));
                    statements.add((Map<String, Object>) branches.get(1));
                    assertThat(branches.get(2)).isEqualTo(Map.of("Ref", "AWS::NoValue"));
                } else {
                    statements.add(st);
                }
            }
        }
        assertThat(conditional).as("Kinesis reads only from Kinesis, Scan only when bootstrapping")
                .containsExactly("FromKinesis:ReadSourceKinesisStream", "Bootstrap:ScanSourceTableForBootstrap");
        statements.addAll((List<Map<String, Object>>) map(template, "Resources", "VpcAccessPolicy", "Properties",
                "PolicyDocument").get("Statement"));
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

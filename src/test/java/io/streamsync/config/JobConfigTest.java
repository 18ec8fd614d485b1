package io.streamsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class JobConfigTest {
    @Test
    void noneUnsetsTheKeysWhereEmptyMeansSomethingBecauseMsfRefusesEmptyValues() {
        JobConfig c =
                JobConfig.from(
                        Map.of(
                                "table.sort.key",
                                "none",
                                "sink.search.item.index",
                                "NONE",
                                "source.stream.arn",
                                "none",
                                "checkpoint.dir",
                                "none"));
        assertThat(c.keySchema.sortKey()).isNull();
        assertThat(c.itemIndex).isNull();
        assertThat(c.sourceStreamArn).isNull();
        assertThat(c.checkpointDir).isNull();
        // where "none" is a value of its own, or a real name, it stays what it says
        JobConfig named =
                JobConfig.from(
                        Map.of(
                                "bootstrap.mode",
                                "none",
                                "sink.search.auth",
                                "none",
                                "source.table.name",
                                "none"));
        assertThat(named.sourceTableName).isEqualTo("none");
        assertThat(named.searchAuth).isEqualTo(JobConfig.SearchAuth.NONE);
        assertThat(ConfigKey.TABLE_SORT_KEY.unsettable()).isTrue();
        assertThat(ConfigKey.SOURCE_TABLE_NAME.unsettable()).isFalse();
    }

    @Test
    void defaultsDescribeTheTodoExample() {
        JobConfig c = JobConfig.from(Map.of());
        assertThat(c.sourceTableName).isEqualTo("todoListTask");
        assertThat(c.keySchema.partitionKey()).isEqualTo("listId");
        assertThat(c.keySchema.sortKey()).isEqualTo("taskId");
        assertThat(c.aggregateTable).isEqualTo("todoTaskCount");
        assertThat(c.windowSize.toMillis()).isEqualTo(10_000);
        assertThat(c.initialPosition).isEqualTo(JobConfig.InitialPosition.TRIM_HORIZON);
        assertThat(c.awsEndpoint).isNull();
        assertThat(c.sourceStreamArn).isNull();
    }

    @Test
    void reportsEveryBadKeyAtOnceNamingKeyAndValue() {
        Map<String, String> p = new HashMap<>();
        p.put("aggregate.window.ms", "ten seconds");
        p.put("source.initial.position", "BEGINNING");
        p.put("sink.search.hosts", "127.0.0.1:9200");
        p.put("sink.dynamodb.max.batch.size", "101");
        assertThatThrownBy(() -> JobConfig.from(p))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'aggregate.window.ms': bad value 'ten seconds'")
                .hasMessageContaining(
                        "'source.initial.position': bad value 'BEGINNING', expected one of [TRIM_HORIZON, LATEST, AT_TIMESTAMP]")
                .hasMessageContaining("'sink.search.hosts'")
                .hasMessageContaining(
                        "'sink.dynamodb.max.batch.size': bad value '101', expected an integer from 1 to 100");
    }

    @Test
    void bootstrapScanNeedsTrimHorizonAndChecksItsSettings() {
        assertThat(JobConfig.from(Map.of()).bootstrapMode).isEqualTo(JobConfig.BootstrapMode.NONE);
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Map.of(
                                                "bootstrap.mode",
                                                "scan",
                                                "source.initial.position",
                                                "LATEST",
                                                "bootstrap.scan.read.units.per.second",
                                                "-1",
                                                "bootstrap.scan.id",
                                                "no spaces",
                                                "bootstrap.scan.segments",
                                                "0x10")))
                .hasMessageContaining(
                        "'source.initial.position' (value 'LATEST') must be TRIM_HORIZON when bootstrap.mode is scan")
                .hasMessageContaining(
                        "'bootstrap.scan.read.units.per.second': bad value '-1', expected a number, at least 0")
                .hasMessageContaining(
                        "'bootstrap.scan.id' (value 'no spaces') must be 1-64 letters")
                .hasMessageContaining("'bootstrap.scan.segments': bad value '0x10'");
        JobConfig c =
                JobConfig.from(
                        Map.of(
                                "bootstrap.mode",
                                "scan",
                                "bootstrap.scan.read.units.per.second",
                                "12.5",
                                "source.table.name",
                                "",
                                "source.stream.arn",
                                "arn:aws:dynamodb:eu-west-1:123456789012:table/todoListTask/stream/2024-01-01T00:00:00.000"));
        assertThat(c.bootstrapMode).isEqualTo(JobConfig.BootstrapMode.SCAN);
        assertThat(c.bootstrapScanReadUnitsPerSecond).isEqualTo(12.5);
        assertThat(c.sourceTable()).as("taken from the stream ARN").isEqualTo("todoListTask");
    }

    @Test
    void anUnknownKeyIsAnErrorWithASuggestion() {
        assertThatThrownBy(() -> JobConfig.from(Map.of("agregate.window.ms", "1000")))
                .hasMessageContaining(
                        "unknown config key 'agregate.window.ms' (did you mean 'aggregate.window.ms'?)");
    }

    @Test
    void basicCredentialsNeedBothKeysAndTheSecretIsNeverShown() {
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Map.of(
                                                "aws.credentials.provider",
                                                "BASIC",
                                                "aws.credentials.secret.access.key",
                                                "hunter2")))
                .hasMessageContaining("'aws.credentials.access.key.id'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
        JobConfig c =
                JobConfig.from(
                        Map.of(
                                "aws.credentials.provider",
                                "BASIC",
                                "aws.credentials.access.key.id",
                                "id",
                                "aws.credentials.secret.access.key",
                                "hunter2"));
        assertThat(c.describe().toString()).doesNotContain("hunter2");
    }

    @Test
    void aStreamArnMustLookLikeOne() {
        assertThatThrownBy(() -> JobConfig.from(Map.of("source.stream.arn", "todoListTask")))
                .hasMessageContaining("'source.stream.arn'")
                .hasMessageContaining("DynamoDB stream ARN");
        String arn =
                "arn:aws:dynamodb:us-east-1:123456789012:table/todoListTask/stream/2024-01-01T00:00:00.000";
        assertThat(JobConfig.from(Map.of("source.stream.arn", arn)).sourceStreamArn).isEqualTo(arn);
    }

    @Test
    void inconsistentValuesAreRejected() {
        assertThatThrownBy(() -> JobConfig.from(Map.of("table.sort.key", "listId")))
                .hasMessageContaining("'table.sort.key'")
                .hasMessageContaining("must differ from table.partition.key");
        assertThatThrownBy(
                        () -> JobConfig.from(Map.of("aggregate.empty.list.retention.ms", "1000")))
                .hasMessageContaining("must be at least aggregate.tombstone.retention.ms");
        assertThatThrownBy(() -> JobConfig.from(Map.of("sink.search.item.index", "Tasks")))
                .hasMessageContaining("'sink.search.item.index'")
                .hasMessageContaining("lower case");
    }

    @Test
    void msfPropertyGroupsGiveTheSameKeysAsTheFile() {
        Properties source = new Properties();
        source.setProperty("table.name", "orders");
        Properties aggregate = new Properties();
        aggregate.setProperty("window.ms", "5000");
        JobConfig c =
                JobConfig.from(
                        ConfigLoader.fromPropertyGroups(
                                Map.of("source", source, "aggregate", aggregate)));
        assertThat(c.sourceTableName).isEqualTo("orders");
        assertThat(c.windowSize.toMillis()).isEqualTo(5000);
    }

    @Test
    void argumentsOtherThanNoneOrAConfigFileAreAUsageError() {
        for (String[] args :
                new String[][] {
                    {"--config"},
                    {"conf/local.properties"},
                    {"--conf", "conf/local.properties"},
                    {"--config", "conf/local.properties", "--extra"},
                    {"--config", " "}
                }) {
            assertThatThrownBy(() -> ConfigLoader.fromArguments(args))
                    .as(String.join(" ", args))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("usage: streamsync [--config FILE]");
        }
        assertThat(
                        ConfigLoader.fromArguments(
                                        new String[] {"--config", "conf/local.properties"})
                                .sourceTableName)
                .isEqualTo("todoListTask");
    }

    @Test
    void onManagedFlinkTheRegionIsTheRuntimesAndLocalOnlyDefaultsMustBeReplaced() {
        assertThatThrownBy(() -> JobConfig.fromManagedFlink(Map.of(), null))
                .hasMessageContaining(
                        "config key 'aws.region' is not set and the runtime's region cannot be determined")
                .hasMessageContaining(
                        "config key 'source.table.name' must be set on Managed Service for Apache Flink")
                .hasMessageContaining("config key 'sink.dynamodb.table' must be set")
                .hasMessageContaining("config key 'sink.search.hosts' must be set");
        Map<String, String> p =
                new HashMap<>(
                        Map.of(
                                "source.table.name",
                                "orders",
                                "sink.dynamodb.table",
                                "orderCounts",
                                "sink.search.enabled",
                                "false",
                                "deadletter.path",
                                "s3://dead-letters/orders"));
        JobConfig c = JobConfig.fromManagedFlink(p, "eu-west-1");
        assertThat(c.awsRegion).isEqualTo("eu-west-1");
        p.put("aws.region", "ap-south-1");
        assertThat(JobConfig.fromManagedFlink(p, "eu-west-1").awsRegion)
                .as("a configured region wins")
                .isEqualTo("ap-south-1");
        assertThat(JobConfig.from(Map.of()).awsRegion)
                .as("local runs keep the local defaults")
                .isEqualTo("us-east-1");
    }

    @Test
    void keysThisReleaseNoLongerReadsAreNamedWithWhatReplacesThem() {
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Map.of(
                                                "sink.search.bulk.interval.ms",
                                                "500",
                                                "sink.dynamodb.max.buffer.time.ms",
                                                "500")))
                .hasMessageContaining(
                        "config key 'sink.search.bulk.interval.ms' is no longer used: outputs are published"
                                + " when a checkpoint completes")
                .hasMessageContaining(
                        "config key 'sink.dynamodb.max.buffer.time.ms' is no longer used");
    }

    @Test
    void theShippedConfigFilesAreValid() throws Exception {
        for (String f : new String[] {"conf/local.properties"}) {
            JobConfig.from(ConfigLoader.fromFile(Path.of(f)));
        }
    }

    @Test
    void sourceKeysOfTheChangeStreamSourceAreCheckedAndTheRetiredOnesRefused() {
        JobConfig kinesisAt =
                JobConfig.from(
                        Map.of(
                                "source.type",
                                "kinesis",
                                "source.kinesis.stream",
                                "changes",
                                "source.initial.position",
                                "AT_TIMESTAMP",
                                "source.initial.timestamp",
                                "2026-12-01T10:00:00Z",
                                "source.on.trimmed.data",
                                "continue",
                                "source.getrecords.max.records",
                                "500"));
        assertThat(kinesisAt.initialTimestamp)
                .isEqualTo(java.time.Instant.parse("2026-12-01T10:00:00Z"));
        assertThat(kinesisAt.continueOnTrimmedData).isTrue();
        assertThat(kinesisAt.maxRecordsPerCall).isEqualTo(500);
        assertThat(
                        JobConfig.from(
                                        Map.of(
                                                "source.type",
                                                "kinesis",
                                                "source.kinesis.stream",
                                                "changes",
                                                "source.initial.position",
                                                "AT_TIMESTAMP",
                                                "source.initial.timestamp",
                                                "1764583200000"))
                                .initialTimestamp)
                .isEqualTo(java.time.Instant.ofEpochMilli(1764583200000L));
        assertThat(JobConfig.from(Map.of()).continueOnTrimmedData)
                .as("fail is the default")
                .isFalse();
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Map.of(
                                                "source.initial.position",
                                                "AT_TIMESTAMP",
                                                "source.initial.timestamp",
                                                "yesterday",
                                                "source.on.trimmed.data",
                                                "skip",
                                                "source.kinesis.reader",
                                                "efo")))
                .hasMessageContaining("AT_TIMESTAMP is for source.type kinesis only")
                .hasMessageContaining(
                        "'source.initial.timestamp' (value 'yesterday') must be an ISO-8601 instant")
                .hasMessageContaining("'source.on.trimmed.data': bad value 'skip'")
                .hasMessageContaining("config key 'source.kinesis.reader' is no longer used")
                .hasMessageContaining("enhanced fan-out is not supported");
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Map.of("source.initial.timestamp", "2026-12-01T10:00:00Z")))
                .hasMessageContaining("is only used when source.initial.position is AT_TIMESTAMP");
    }

    /**
     * Issue 31 §5: cleartext to a remote host is a start-up error naming the key, unless explicitly
     * allowed.
     */
    @Test
    void httpToARemoteHostIsRefusedNamingTheKeyUnlessExplicitlyAllowed() {
        for (String[] kv :
                new String[][] {
                    {"sink.search.hosts", "https://127.0.0.1:9200,http://search.internal:9200"},
                    {"aws.endpoint", "http://10.0.0.12:8000"},
                    {"source.kinesis.endpoint", "http://kinesis.internal:4567"},
                    {
                        "aws.streams.endpoint",
                        "http://vpce-1.streams.dynamodb.eu-west-1.vpce.amazonaws.com"
                    }
                }) {
            assertThatThrownBy(() -> JobConfig.from(Map.of(kv[0], kv[1])))
                    .as(kv[0])
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("config key '" + kv[0] + "'")
                    .hasMessageContaining("http:// to the remote host")
                    .hasMessageContaining("security.allow.remote.http");
            JobConfig allowed =
                    JobConfig.from(Map.of(kv[0], kv[1], "security.allow.remote.http", "true"));
            assertThat(allowed.allowRemoteHttp).isTrue();
        }
        // loopback, in every spelling, and https anywhere
        JobConfig local =
                JobConfig.from(
                        Map.of(
                                "sink.search.hosts",
                                "http://127.0.0.1:9200,http://localhost:9201,http://[::1]:9202",
                                "aws.endpoint",
                                "http://127.0.0.2:8000",
                                "source.kinesis.endpoint",
                                "https://kinesis.internal:4567"));
        assertThat(local.searchHosts).hasSize(3);
        assertThat(JobConfig.from(Map.of()).allowRemoteHttp).as("refused by default").isFalse();
        // a name is not resolved: one that merely starts like a loopback address is remote
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Map.of("aws.endpoint", "http://127.0.0.1.nip.io:8000")))
                .hasMessageContaining("http:// to the remote host '127.0.0.1.nip.io'");
        // names under .localhost go through the resolver's search domains (a remote pod on
        // Kubernetes): remote
        for (String host : new String[] {"es.localhost", "localhost.evil.com"}) {
            assertThatThrownBy(
                            () ->
                                    JobConfig.from(
                                            Map.of("aws.endpoint", "http://" + host + ":8000")))
                    .as(host)
                    .hasMessageContaining("http:// to the remote host '" + host + "'");
        }
        // 127.999.1.1 is no address (and no host name a URI takes): refused as a bad value, never
        // taken for loopback
        for (String host : new String[] {"127.999.1.1", "127.0.0.256"}) {
            assertThatThrownBy(
                            () ->
                                    JobConfig.from(
                                            Map.of("aws.endpoint", "http://" + host + ":8000")))
                    .as(host)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("http://" + host);
        }
        assertThat(
                        JobConfig.from(Map.of("aws.endpoint", "http://127.255.0.1:8000"))
                                .awsEndpoint
                                .getHost())
                .isEqualTo("127.255.0.1");
    }

    /**
     * Issue 26: DynamoDB Streams interface endpoints have no private DNS, so Streams gets an
     * endpoint of its own.
     */
    @Test
    void theStreamsEndpointIsItsOwnKeyAndDefaultsToTheDynamoDbEndpoint() {
        JobConfig both = JobConfig.from(Map.of("aws.endpoint", "http://127.0.0.1:8000"));
        assertThat(both.awsStreamsEndpoint).isEqualTo(java.net.URI.create("http://127.0.0.1:8000"));
        String vpce = "https://vpce-0123-abcd.streams.dynamodb.eu-west-1.vpce.amazonaws.com";
        JobConfig own =
                JobConfig.from(
                        Map.of(
                                "aws.endpoint",
                                "https://vpce-0456.dynamodb.eu-west-1.vpce.amazonaws.com",
                                "aws.streams.endpoint",
                                vpce));
        assertThat(own.awsStreamsEndpoint).isEqualTo(java.net.URI.create(vpce));
        assertThat(own.awsEndpoint.getHost())
                .isEqualTo("vpce-0456.dynamodb.eu-west-1.vpce.amazonaws.com");
        assertThat(
                        io.streamsync.source.stream.StreamEndpoint.dynamoDbStreams(
                                        own,
                                        "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/x")
                                .uri())
                .isEqualTo(java.net.URI.create(vpce));
        assertThat(JobConfig.from(Map.of()).awsStreamsEndpoint)
                .as("on AWS: the public endpoint")
                .isNull();
    }

    /**
     * Issue 31 §4: the start-up log shows a value only for a key known not to be secret; the access
     * key id names the credential and is not shown either.
     */
    @Test
    void describeShowsOnlyKnownKeysAndNeitherTheSecretNorTheAccessKeyId() {
        JobConfig c =
                JobConfig.from(
                        Map.of(
                                "aws.credentials.provider",
                                "BASIC",
                                "aws.credentials.access.key.id",
                                "AKIAEXAMPLEKEYID",
                                "aws.credentials.secret.access.key",
                                "wJalrXUtnFEMIEXAMPLEKEY",
                                "job.name",
                                "shown"));
        Map<String, String> d = c.describe();
        assertThat(d.toString())
                .doesNotContain("AKIAEXAMPLEKEYID")
                .doesNotContain("wJalrXUtnFEMIEXAMPLEKEY");
        assertThat(d)
                .containsEntry("aws.credentials.access.key.id", "****")
                .containsEntry("aws.credentials.secret.access.key", "****")
                .containsEntry("job.name", "shown");
        assertThat(d.keySet()).isEqualTo(ConfigKey.byKey().keySet());
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Map.of(
                                                "aws.credentials.provider",
                                                "BASIC",
                                                "aws.credentials.access.key.id",
                                                "AKIAEXAMPLEKEYID",
                                                "aws.credentials.secret.access.key",
                                                "x",
                                                "job.parallelism",
                                                "-1",
                                                "aws.region",
                                                "")))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("AKIAEXAMPLEKEYID"));
        assertThat(c.secretAccessKey.toString()).isEqualTo("****");
    }

    /**
     * The allow-list is only as good as the marking: a key whose name speaks of a credential must
     * be marked secret, or be one of the reviewed keys below that name where a secret is, not the
     * secret itself.
     */
    @Test
    void everyKeyThatNamesACredentialIsMarkedSecretOrReviewed() {
        java.util.Set<String> reviewed =
                java.util.Set.of(
                        "aws.credentials.provider",
                        "sink.search.password.env",
                        "sink.search.password.secret",
                        "sink.search.username");
        for (ConfigKey k : ConfigKey.values()) {
            boolean looksSecret =
                    k.key()
                            .matches(
                                    ".*(secret|password|passwd|token|credential|access\\.key|private|api\\.key).*");
            if (looksSecret && !reviewed.contains(k.key())) {
                assertThat(k.secret())
                        .as(
                                "%s looks like a credential: mark it secret in ConfigKey, or review it here",
                                k.key())
                        .isTrue();
            }
        }
    }

    /**
     * Issue 31 §4: the secret is transient: a serialized configuration does not hold it, yet gives
     * it back in this JVM.
     */
    @Test
    void aSerializedConfigurationHoldsNoSecretAndFindsItAgainWhereItWasRead(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        JobConfig c =
                JobConfig.from(
                        Map.of(
                                "aws.credentials.provider",
                                "BASIC",
                                "aws.credentials.access.key.id",
                                "id",
                                "aws.credentials.secret.access.key",
                                "s3cr3t-in-code-4242"));
        byte[] bytes = org.apache.flink.util.InstantiationUtil.serializeObject(c);
        assertThat(new String(bytes, StandardCharsets.ISO_8859_1))
                .doesNotContain("s3cr3t-in-code-4242");
        JobConfig back =
                org.apache.flink.util.InstantiationUtil.deserializeObject(
                        bytes, getClass().getClassLoader());
        assertThat(back.secretAccessKey.value()).isEqualTo("s3cr3t-in-code-4242");

        // read from a --config file: found again by reading the same file (as a task manager on
        // another machine would)
        Path file = dir.resolve("job.properties");
        Files.writeString(
                file,
                "aws.credentials.provider=BASIC\naws.credentials.access.key.id=id\n"
                        + "aws.credentials.secret.access.key=s3cr3t-in-file-4242\n");
        JobConfig fromFile = ConfigLoader.fromArguments(new String[] {"--config", file.toString()});
        byte[] fileBytes = org.apache.flink.util.InstantiationUtil.serializeObject(fromFile);
        assertThat(new String(fileBytes, StandardCharsets.ISO_8859_1))
                .doesNotContain("s3cr3t-in-file-4242");
        fromFile.secretAccessKey.forgetHere(); // as in a task manager's JVM
        assertThat(
                        ((JobConfig)
                                        org.apache.flink.util.InstantiationUtil.deserializeObject(
                                                fileBytes, getClass().getClassLoader()))
                                .secretAccessKey.value())
                .isEqualTo("s3cr3t-in-file-4242");
        // built in code, deserialized in another JVM: nowhere to read it again, said with the key
        // and what to do
        c.secretAccessKey.forgetHere();
        JobConfig elsewhere =
                org.apache.flink.util.InstantiationUtil.deserializeObject(
                        bytes, getClass().getClassLoader());
        assertThatThrownBy(() -> elsewhere.secretAccessKey.value())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "'aws.credentials.secret.access.key' is a secret, and secrets do not travel with the job");
    }

    /**
     * Docs to code: every configuration key that README.md or a page under src/site/markdown names
     * is a key of {@link ConfigKey}, or one the job refuses as retired (with what replaced it), or
     * a wildcard over ConfigKey's keys. (Code to docs is ConfigurationReferenceTest: the reference
     * page's table is generated from ConfigKey.) A mention is a dotted name whose first part is the
     * first part of some ConfigKey key ({@code sink.}, {@code source.}, ...); file names are not
     * mentions.
     */
    @Test
    void everyKeyTheDocsNameIsOneTheJobTakesOrRefusesAsRetired() throws Exception {
        java.util.Set<String> groups = new java.util.TreeSet<>();
        ConfigKey.byKey().keySet().forEach(k -> groups.add(k.substring(0, k.indexOf('.'))));
        java.util.regex.Pattern mention =
                java.util.regex.Pattern.compile(
                        "(?<![A-Za-z0-9_.$/-])(?:"
                                + String.join("|", groups)
                                + ")\\.[a-z0-9][a-z0-9.*-]*[a-z0-9*]");
        // mentions that are not keys, each with the reason
        Map<String, String> notKeys =
                Map.of(
                        "table.name",
                        "configuration.md: a key inside the property group source, as MSF's"
                                + " groups write source.table.name");
        java.util.List<Path> pages = new java.util.ArrayList<>();
        pages.add(Path.of("README.md"));
        try (java.util.stream.Stream<Path> site = Files.list(Path.of("src/site/markdown"))) {
            site.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        java.util.List<String> wrong = new java.util.ArrayList<>();
        int mentions = 0;
        for (Path page : pages) {
            java.util.regex.Matcher m =
                    mention.matcher(Files.readString(page, StandardCharsets.UTF_8));
            while (m.find()) {
                String key = m.group();
                if (key.matches(".*\\.(md|json|properties|ya?ml|sh|java|txt|html)")
                        || notKeys.containsKey(key)
                        || isPackage(key)) {
                    continue;
                }
                mentions++;
                if (!isKeyRetiredKeyOrWildcard(key)) {
                    wrong.add(page + ": " + key);
                }
            }
        }
        assertThat(wrong)
                .as(
                        "keys the docs name that ConfigKey does not have (nor does the job refuse them"
                                + " as retired)")
                .isEmpty();
        assertThat(mentions).as("key mentions found in %s", pages).isGreaterThan(100);
    }

    /** A package of the code named by its path under io.streamsync (e.g. source.shards): no key. */
    private static boolean isPackage(String mention) {
        return Files.isDirectory(Path.of("src/main/java/io/streamsync", mention.replace('.', '/')));
    }

    private static boolean isKeyRetiredKeyOrWildcard(String key) {
        if (ConfigKey.byKey().containsKey(key)) {
            return true;
        }
        if (key.endsWith(".*")) {
            String prefix = key.substring(0, key.length() - 1);
            return ConfigKey.byKey().keySet().stream().anyMatch(k -> k.startsWith(prefix));
        }
        try {
            JobConfig.from(Map.of(key, "1"));
            return false;
        } catch (ConfigException e) {
            return e.getMessage().contains("'" + key + "' is no longer used");
        }
    }
}

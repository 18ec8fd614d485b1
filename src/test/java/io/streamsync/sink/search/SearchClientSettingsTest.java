package io.streamsync.sink.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.streamsync.config.ConfigException;
import io.streamsync.config.JobConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search client's HTTP settings against a real local HTTPS server with a certificate made for
 * the test (keytool): a custom CA is trusted, the JVM's trust store is not fooled by it, basic auth
 * and SigV4 put their headers on the wire, for both engines' clients.
 */
class SearchClientSettingsTest {
    @TempDir static Path dir;

    private static HttpsServer server;
    private static Path caPem;
    private static final List<Map<String, String>> SEEN = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        Path keystore = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(
                keytool,
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit");
        caPem = dir.resolve("ca.pem");
        run(
                keytool,
                "-exportcert",
                "-rfc",
                "-alias",
                "server",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit",
                "-file",
                caPem.toString());

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        server.createContext(
                "/",
                ex -> {
                    Map<String, String> h = new HashMap<>();
                    ex.getRequestHeaders()
                            .forEach(
                                    (k, v) ->
                                            h.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
                    h.put(":path", ex.getRequestURI().toString());
                    SEEN.add(h);
                    byte[] b = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(200, b.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(b);
                    }
                });
        server.start();
    }

    @AfterAll
    static void stopServer() {
        server.stop(0);
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", command[1], out).isZero();
    }

    private static JobConfig config(String engine, String... kv) {
        Map<String, String> p = new HashMap<>();
        p.put("sink.search.engine", engine);
        p.put("sink.search.hosts", "https://localhost:" + server.getAddress().getPort());
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return JobConfig.from(p);
    }

    private static Map<String, String> call(JobConfig c) throws Exception {
        SEEN.clear();
        try (SearchTransport t = SearchClientSettings.from(c).newTransport()) {
            SearchResponse r = t.call("GET", "/todo-task-count/_mapping", null);
            assertThat(r.status).isEqualTo(200);
            assertThat(r.body).isEqualTo("{\"ok\":true}");
        }
        assertThat(SEEN).hasSize(1);
        return SEEN.get(0);
    }

    @Test
    void aCustomCaIsTrustedByBothEnginesClients() throws Exception {
        for (String engine : new String[] {"elasticsearch", "opensearch"}) {
            Map<String, String> seen =
                    call(config(engine, "sink.search.tls.ca.file", caPem.toString()));
            assertThat(seen.get(":path")).isEqualTo("/todo-task-count/_mapping");
            assertThat(seen).doesNotContainKey("authorization");
        }
    }

    @Test
    void withoutTheCaTheServerIsNotTrusted() throws Exception {
        try (SearchTransport t = SearchClientSettings.from(config("opensearch")).newTransport()) {
            assertThatThrownBy(() -> t.call("GET", "/", null)).hasStackTraceContaining("PKIX");
        }
    }

    @Test
    void basicAuthSendsThePasswordFromTheEnvironmentOnEveryRequest() throws Exception {
        String password =
                System.getenv("PATH"); // any variable that is set: its value is the password
        Map<String, String> seen =
                call(
                        config(
                                "opensearch",
                                "sink.search.tls.ca.file",
                                caPem.toString(),
                                "sink.search.auth",
                                "basic",
                                "sink.search.username",
                                "streamsync",
                                "sink.search.password.env",
                                "PATH"));
        assertThat(seen.get("authorization"))
                .isEqualTo(
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString(
                                                ("streamsync:" + password)
                                                        .getBytes(StandardCharsets.UTF_8)));
        assertThat(
                        SearchClientSettings.from(
                                        config(
                                                "opensearch",
                                                "sink.search.auth",
                                                "basic",
                                                "sink.search.username",
                                                "u",
                                                "sink.search.password.env",
                                                "PATH"))
                                .toString())
                .doesNotContain(password);
    }

    @Test
    void sigV4SignsEveryRequestWithTheConfiguredCredentials() throws Exception {
        Map<String, String> seen =
                call(
                        config(
                                "opensearch",
                                "sink.search.tls.ca.file",
                                caPem.toString(),
                                "sink.search.auth",
                                "sigv4",
                                "sink.search.sigv4.region",
                                "eu-west-1",
                                "aws.credentials.provider",
                                "BASIC",
                                "aws.credentials.access.key.id",
                                "AKIDEXAMPLE",
                                "aws.credentials.secret.access.key",
                                "secret"));
        assertThat(seen.get("authorization"))
                .startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
                .contains(
                        "/eu-west-1/es/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=");
        assertThat(seen.get("x-amz-content-sha256"))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void unusableSettingsNameTheirKey() {
        assertThatThrownBy(
                        () ->
                                SearchClientSettings.from(
                                                config(
                                                        "opensearch",
                                                        "sink.search.tls.ca.file",
                                                        dir.resolve("missing.pem").toString()))
                                        .newTransport())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sink.search.tls.ca.file");
        assertThatThrownBy(
                        () ->
                                SearchClientSettings.from(
                                                config(
                                                        "opensearch",
                                                        "sink.search.auth",
                                                        "basic",
                                                        "sink.search.username",
                                                        "u",
                                                        "sink.search.password.env",
                                                        "STREAMSYNC_NO_SUCH_VARIABLE"))
                                        .newTransport())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "environment variable 'STREAMSYNC_NO_SUCH_VARIABLE' (config key 'sink.search.password.env')");
        assertThatThrownBy(() -> JobConfig.from(Map.of("sink.search.auth", "sigv4")))
                .hasMessageContaining("must be https:// URLs when sink.search.auth is sigv4");
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Map.of(
                                                "sink.search.auth",
                                                "basic",
                                                "sink.search.username",
                                                "u")))
                .hasMessageContaining(
                        "(exactly one of them) is required when sink.search.auth is basic");
    }
}

package io.streamsync.sink.search;

import io.streamsync.aws.AwsSettings;
import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigFiles;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import io.streamsync.sink.search.auth.SearchPassword;
import io.streamsync.sink.search.auth.SigV4RequestSigner;
import io.streamsync.sink.search.auth.TrustedCertificates;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.impl.nio.client.HttpAsyncClientBuilder;
import org.apache.http.message.BasicHeader;

/**
 * How to reach and authenticate to the search cluster, and the one place that builds a client for
 * it: the engine's own low-level REST client (Elasticsearch or OpenSearch) with the same HTTP
 * settings (timeouts, TLS trust, basic auth or SigV4 signing), wrapped as a {@link
 * SearchTransport}. Serializable: each sink writer builds its own client; a password is resolved
 * where the client is built and never kept here.
 */
public final class SearchClientSettings implements Serializable {
    private static final long serialVersionUID = 3L;

    private final List<URI> hosts;
    private final JobConfig.SearchEngine engine;
    private final JobConfig.SearchAuth auth;
    private final String username;
    private final String passwordEnv;
    private final String passwordSecret;
    private final String sigV4Region;
    private final String sigV4Service;
    private final String tlsCaFile;

    /** For SigV4 signing and the password secret; without its secret (see {@link AwsSettings}). */
    private final AwsSettings aws;

    private SearchClientSettings(JobConfig c) {
        this.hosts = List.copyOf(c.searchHosts);
        this.engine = c.searchEngine;
        this.auth = c.searchAuth;
        this.username = c.searchUsername;
        this.passwordEnv = c.searchPasswordEnv;
        this.passwordSecret = c.searchPasswordSecret;
        this.sigV4Region = c.searchSigV4Region;
        this.sigV4Service = c.searchSigV4Service;
        this.tlsCaFile = c.searchTlsCaFile;
        this.aws = AwsSettings.of(c);
    }

    /** The search cluster's settings of the configuration, and nothing else of it. */
    public static SearchClientSettings from(JobConfig c) {
        return new SearchClientSettings(c);
    }

    /**
     * A new client; the caller closes it. Fails with a ConfigException naming the key when a
     * setting is unusable.
     */
    public SearchTransport newTransport() {
        HttpHost[] hosts =
                this.hosts.stream().map(SearchClientSettings::host).toArray(HttpHost[]::new);
        UnaryOperator<HttpAsyncClientBuilder> http = httpSettings();
        Header[] headers = defaultHeaders();
        if (engine == JobConfig.SearchEngine.OPENSEARCH) {
            return new OpenSearchTransport(
                    org.opensearch.client.RestClient.builder(hosts)
                            .setRequestConfigCallback(
                                    r -> r.setConnectTimeout(5_000).setSocketTimeout(60_000))
                            .setDefaultHeaders(headers)
                            .setHttpClientConfigCallback(http::apply)
                            .build());
        }
        return new ElasticsearchTransport(
                org.elasticsearch.client.RestClient.builder(hosts)
                        .setRequestConfigCallback(
                                r -> r.setConnectTimeout(5_000).setSocketTimeout(60_000))
                        .setDefaultHeaders(headers)
                        .setHttpClientConfigCallback(http::apply)
                        .build());
    }

    private static HttpHost host(URI u) {
        int port = u.getPort() > 0 ? u.getPort() : ("https".equals(u.getScheme()) ? 443 : 9200);
        return new HttpHost(u.getHost(), port, u.getScheme());
    }

    /**
     * Basic auth is sent with every request (preemptive): no 401 round trip, and bulk bodies go
     * once.
     */
    private Header[] defaultHeaders() {
        if (auth != JobConfig.SearchAuth.BASIC) {
            return new Header[0];
        }
        String password = SearchPassword.resolve(passwordEnv, passwordSecret, aws);
        String token =
                Base64.getEncoder()
                        .encodeToString(
                                (username + ":" + password).getBytes(StandardCharsets.UTF_8));
        return new Header[] {new BasicHeader("Authorization", "Basic " + token)};
    }

    private UnaryOperator<HttpAsyncClientBuilder> httpSettings() {
        SSLContext ssl =
                tlsCaFile == null
                        ? null
                        : TrustedCertificates.sslContext(
                                ConfigFiles.read(ConfigKey.SINK_SEARCH_TLS_CA_FILE, tlsCaFile),
                                tlsCaFile);
        SigV4RequestSigner signer =
                auth == JobConfig.SearchAuth.SIGV4
                        ? new SigV4RequestSigner(
                                aws.credentials(), sigV4Region, sigV4Service, Clock.systemUTC())
                        : null;
        if (ssl != null && hosts.stream().noneMatch(u -> "https".equals(u.getScheme()))) {
            throw new ConfigException(
                    "config key '"
                            + ConfigKey.SINK_SEARCH_TLS_CA_FILE.key()
                            + "' is set but no host of '"
                            + ConfigKey.SINK_SEARCH_HOSTS.key()
                            + "' uses https");
        }
        return b -> {
            if (ssl != null) {
                b.setSSLContext(ssl);
            }
            if (signer != null) {
                b.addInterceptorLast(
                        signer); // after the client's own interceptors: signs the final request
            }
            return b;
        };
    }

    @Override
    public String toString() {
        return engine.name().toLowerCase(java.util.Locale.ROOT)
                + " "
                + hosts
                + " auth="
                + auth.name().toLowerCase(java.util.Locale.ROOT);
    }
}

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
    private static final long serialVersionUID = 2L;

    private final JobConfig config;

    private SearchClientSettings(JobConfig config) {
        this.config = config;
    }

    public static SearchClientSettings from(JobConfig c) {
        return new SearchClientSettings(c);
    }

    /**
     * A new client; the caller closes it. Fails with a ConfigException naming the key when a
     * setting is unusable.
     */
    public SearchTransport newTransport() {
        HttpHost[] hosts =
                config.searchHosts.stream()
                        .map(SearchClientSettings::host)
                        .toArray(HttpHost[]::new);
        UnaryOperator<HttpAsyncClientBuilder> http = httpSettings();
        Header[] headers = defaultHeaders();
        if (config.searchEngine == JobConfig.SearchEngine.OPENSEARCH) {
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
        if (config.searchAuth != JobConfig.SearchAuth.BASIC) {
            return new Header[0];
        }
        String password = SearchPassword.resolve(config);
        String token =
                Base64.getEncoder()
                        .encodeToString(
                                (config.searchUsername + ":" + password)
                                        .getBytes(StandardCharsets.UTF_8));
        return new Header[] {new BasicHeader("Authorization", "Basic " + token)};
    }

    private UnaryOperator<HttpAsyncClientBuilder> httpSettings() {
        SSLContext ssl =
                config.searchTlsCaFile == null
                        ? null
                        : TrustedCertificates.sslContext(
                                ConfigFiles.read(
                                        ConfigKey.SINK_SEARCH_TLS_CA_FILE, config.searchTlsCaFile),
                                config.searchTlsCaFile);
        SigV4RequestSigner signer =
                config.searchAuth == JobConfig.SearchAuth.SIGV4
                        ? new SigV4RequestSigner(
                                AwsSettings.credentials(config),
                                config.searchSigV4Region,
                                config.searchSigV4Service,
                                Clock.systemUTC())
                        : null;
        if (ssl != null
                && config.searchHosts.stream().noneMatch(u -> "https".equals(u.getScheme()))) {
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
        return config.searchEngine.name().toLowerCase(java.util.Locale.ROOT)
                + " "
                + config.searchHosts
                + " auth="
                + config.searchAuth.name().toLowerCase(java.util.Locale.ROOT);
    }
}

package io.streamsync.sink.elasticsearch;

import io.streamsync.config.JobConfig;
import java.io.Serializable;
import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;

/** How to reach the search cluster; builds the low-level REST client (works for Elasticsearch and OpenSearch). */
public final class SearchClientSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String> hosts;

    public SearchClientSettings(List<URI> hosts) {
        this.hosts = hosts.stream().map(URI::toString).collect(Collectors.toList());
    }

    public static SearchClientSettings from(JobConfig c) {
        return new SearchClientSettings(c.searchHosts);
    }

    public RestClient newClient() {
        HttpHost[] h = hosts.stream().map(URI::create)
                .map(u -> new HttpHost(u.getHost(), u.getPort() > 0 ? u.getPort() : ("https".equals(u.getScheme()) ? 443 : 9200),
                        u.getScheme()))
                .toArray(HttpHost[]::new);
        return RestClient.builder(h)
                .setRequestConfigCallback(r -> r.setConnectTimeout(5_000).setSocketTimeout(60_000))
                .build();
    }

    @Override
    public String toString() {
        return hosts.toString();
    }
}

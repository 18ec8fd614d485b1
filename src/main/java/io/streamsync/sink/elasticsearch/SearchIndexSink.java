package io.streamsync.sink.elasticsearch;

import io.streamsync.config.JobConfig;
import java.net.URI;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.elasticsearch.sink.Elasticsearch7SinkBuilder;
import org.apache.flink.connector.elasticsearch.sink.ElasticsearchSink;
import org.apache.flink.connector.elasticsearch.sink.FlushBackoffType;
import org.apache.http.HttpHost;

/**
 * The Elasticsearch 7 bulk writer. At-least-once (every pending bulk is flushed before a checkpoint
 * completes); with deterministic ids, a replay rewrites the same documents. Bulk items rejected for load
 * (429) are retried with exponential backoff; other failures fail the job over to its restart strategy.
 */
public final class SearchIndexSink {
    private SearchIndexSink() {}

    public static ElasticsearchSink<SearchAction> create(JobConfig c) {
        HttpHost[] hosts = c.searchHosts.stream()
                .map(u -> new HttpHost(u.getHost(), port(u), u.getScheme()))
                .toArray(HttpHost[]::new);
        return new Elasticsearch7SinkBuilder<SearchAction>()
                .setHosts(hosts)
                .setEmitter(new SearchActionEmitter())
                .setBulkFlushMaxActions(c.bulkMaxActions)
                .setBulkFlushInterval(c.bulkInterval.toMillis())
                .setBulkFlushBackoffStrategy(FlushBackoffType.EXPONENTIAL, 8, 100)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    private static int port(URI u) {
        if (u.getPort() > 0) {
            return u.getPort();
        }
        return "https".equals(u.getScheme()) ? 443 : 9200;
    }
}

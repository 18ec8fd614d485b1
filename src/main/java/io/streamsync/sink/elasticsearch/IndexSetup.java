package io.streamsync.sink.elasticsearch;

import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;

/**
 * Makes sure the indices exist before the job writes, with mappings that fit DynamoDB data: list ids and
 * keys as {@code keyword}, counts and versions as {@code long}, times as {@code date}; in the item index every
 * number is indexed as {@code double} (DynamoDB numbers have up to 38 digits, more than a {@code long}; the
 * exact value stays in {@code _source}) and malformed values are left unindexed instead of rejecting the
 * document. Deleted documents keep their version for {@value #GC_DELETES} ({@code index.gc_deletes}), so a
 * replayed older write cannot bring a deleted item back within that time. Existing indices are left as
 * they are.
 */
public final class IndexSetup {
    static final String GC_DELETES = "1h";

    private IndexSetup() {}

    public static void ensureIndices(JobConfig c) {
        try (RestClient client = SearchClientSettings.from(c).newClient()) {
            ensure(client, c.aggregateIndex, aggregateMapping(c.keySchema.partitionKey()));
            if (c.itemIndex != null) {
                ensure(client, c.itemIndex, itemMapping(c.keySchema.partitionKey(), c.keySchema.sortKey()));
            }
        } catch (IOException e) {
            throw new ConfigException("cannot reach the search cluster at " + c.searchHosts + " (config key '"
                    + ConfigKey.SINK_SEARCH_HOSTS.key() + "'): " + e.getMessage(), e);
        }
    }

    private static void ensure(RestClient client, String index, String body) throws IOException {
        Response head = client.performRequest(new Request("HEAD", "/" + index));
        if (head.getStatusLine().getStatusCode() == 200) {
            return;
        }
        Request create = new Request("PUT", "/" + index);
        create.setJsonEntity(body);
        try {
            client.performRequest(create);
        } catch (ResponseException e) {
            String answer = EntityUtils.toString(e.getResponse().getEntity(), StandardCharsets.UTF_8);
            if (!answer.contains("resource_already_exists_exception")) { // created concurrently: fine
                throw new ConfigException("cannot create index '" + index + "': " + answer, e);
            }
        }
    }

    static String aggregateMapping(String listField) {
        return "{\"mappings\":{\"dynamic\":\"strict\",\"properties\":{"
                + "\"" + listField + "\":{\"type\":\"keyword\"},"
                + "\"taskCount\":{\"type\":\"long\"},\"version\":{\"type\":\"long\"},"
                + "\"windowStart\":{\"type\":\"date\"},\"windowEnd\":{\"type\":\"date\"},\"updatedAt\":{\"type\":\"date\"},"
                + "\"inserted\":{\"type\":\"long\"},\"modified\":{\"type\":\"long\"},"
                + "\"removed\":{\"type\":\"long\"},\"expired\":{\"type\":\"long\"}}}}";
    }

    static String itemMapping(String partitionKey, String sortKey) {
        String keys = "\"" + partitionKey + "\":{\"type\":\"keyword\"}"
                + (sortKey == null ? "" : ",\"" + sortKey + "\":{\"type\":\"keyword\"}");
        return "{\"settings\":{\"index.mapping.ignore_malformed\":true,\"index.gc_deletes\":\"" + GC_DELETES + "\"},"
                + "\"mappings\":{\"dynamic_templates\":["
                + "{\"integers_as_double\":{\"match_mapping_type\":\"long\",\"mapping\":{\"type\":\"double\"}}},"
                + "{\"decimals_as_double\":{\"match_mapping_type\":\"double\",\"mapping\":{\"type\":\"double\"}}}],"
                + "\"properties\":{" + keys + "}}}";
    }
}

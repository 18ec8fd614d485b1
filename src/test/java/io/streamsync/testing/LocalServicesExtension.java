package io.streamsync.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * moto (DynamoDB + Streams) and an Elasticsearch node for one test class ({@code @RegisterExtension
 * static}): started before its first test, stopped (by PID) after its last, with a DynamoDB client
 * and a search client.
 */
public final class LocalServicesExtension implements BeforeAllCallback, AfterAllCallback {
    private final boolean openSearch;
    private LocalServices services;
    private DynamoDbClient ddb;
    private SearchHttp search;

    /** With an Elasticsearch 7.10.2 node. */
    public LocalServicesExtension() {
        this(false);
    }

    private LocalServicesExtension(boolean openSearch) {
        this.openSearch = openSearch;
    }

    /** With an OpenSearch 2.13 node instead. */
    public static LocalServicesExtension withOpenSearch() {
        return new LocalServicesExtension(true);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        services = openSearch ? LocalServices.startWithOpenSearch() : LocalServices.start();
        ddb = services.dynamoDb.client();
        search = new SearchHttp(services.search.uri());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (ddb != null) {
            ddb.close();
        }
        if (services != null) {
            services.close();
        }
    }

    public LocalServices services() {
        return services;
    }

    public DynamoDbClient ddb() {
        return ddb;
    }

    public SearchHttp search() {
        return search;
    }
}

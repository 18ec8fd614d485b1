import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Child-JVM entry point that runs one OpenSearch 2.13 node: {@code HTTP_PORT TRANSPORT_PORT DATA_DIR}. Plain
 * HTTP on 127.0.0.1, single-node discovery, no security plugin, disk thresholds off. Compiled by the tests
 * against target/services/opensearch.classpath (it is not part of the job's or the tests' classpath).
 */
public final class OpenSearchNodeMain {
    private OpenSearchNodeMain() {}

    public static void main(String[] args) throws Exception {
        int httpPort = Integer.parseInt(args[0]);
        int transportPort = Integer.parseInt(args[1]);
        String dataDir = args[2];
        OpenSearchRunner runner = new OpenSearchRunner();
        runner.onBuild((number, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", httpPort);
            settings.put("transport.port", transportPort);
            settings.put("discovery.type", "single-node");
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
            settings.put("action.auto_create_index", true);
        }).build(OpenSearchRunner.newConfigs().clusterName("streamsync-opensearch").numOfNode(1)
                .basePath(dataDir).useLogger().disableESLogger());
        runner.ensureYellow();
        System.out.println("opensearch ready on http://127.0.0.1:" + httpPort);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                // shutting down anyway
            }
        }));
        Thread.currentThread().join();
    }
}

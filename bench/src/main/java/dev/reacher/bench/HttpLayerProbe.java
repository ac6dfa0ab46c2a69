package dev.reacher.bench;

import com.sun.net.httpserver.HttpServer;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The HTTP layer alone, for choosing one: answers {@code GET /version} with a fixed JSON body on
 * loopback through Javalin (as the server is configured: virtual threads), through Jetty's own
 * {@link Handler} API (no servlets; blocking handlers on virtual threads) or through the JDK's
 * {@link HttpServer} (a virtual thread per exchange). Measure it from another process with
 * {@code LoadTool --method GET} and the process's CPU time, as {@code bench/http-load/layer-probe.sh} does.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar:cli/target/reacher.jar dev.reacher.bench.HttpLayerProbe --layer jetty --port 18090
 * </pre>
 */
public final class HttpLayerProbe {
    private static final byte[] BODY = "{\"version\":\"0.11.7\",\"implementation\":\"reacher-java probe\"}"
            .getBytes(StandardCharsets.UTF_8);

    private HttpLayerProbe() {}

    /** See the class comment. */
    public static void main(String[] args) throws Exception {
        Args a = Args.parse(args, Map.of("--layer", "jetty", "--port", "18090"), Set.of(),
                "HttpLayerProbe --layer javalin|jetty|jdk [--port P]: GET /version on 127.0.0.1:P until killed");
        int port = a.integer("--port");
        switch (a.string("--layer")) {
            case "javalin" -> javalin(port);
            case "jetty" -> jetty(port);
            case "jdk" -> jdk(port);
            default -> {
                System.err.println("--layer must be javalin, jetty or jdk");
                System.exit(2);
            }
        }
        System.out.println("listening on 127.0.0.1:" + port);
        new CountDownLatch(1).await();
    }

    private static void javalin(int port) {
        Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.routes.get("/version", ctx -> {
                ctx.status(200).contentType("application/json");
                ctx.outputStream().write(BODY);
            });
        }).start("127.0.0.1", port);
    }

    private static void jetty(int port) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() { // blocking: Jetty runs it on a virtual thread
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                if (!"/version".equals(Request.getPathInContext(request))) {
                    return false; // Jetty answers 404
                }
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, BODY.length);
                response.write(true, ByteBuffer.wrap(BODY), callback);
                return true;
            }
        });
        server.start();
    }

    private static void jdk(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/version", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, BODY.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(BODY);
            }
        });
        server.start();
    }
}

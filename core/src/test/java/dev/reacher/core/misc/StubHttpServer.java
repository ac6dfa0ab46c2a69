package dev.reacher.core.misc;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/** A JDK HTTP server on 127.0.0.1 that records each request and answers with a scripted reply. */
final class StubHttpServer implements AutoCloseable {

    record Seen(String method, String path, String rawPath, String rawQuery, Headers headers) {}

    record Reply(int status, String body) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Seen> requests = new CopyOnWriteArrayList<>();

    StubHttpServer(Function<Seen, Reply> responder) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, responder));
        server.start();
    }

    static StubHttpServer replying(int status, String body) throws IOException {
        return new StubHttpServer(seen -> new Reply(status, body));
    }

    private void handle(HttpExchange exchange, Function<Seen, Reply> responder) throws IOException {
        try (exchange) {
            URI uri = exchange.getRequestURI();
            Seen seen = new Seen(exchange.getRequestMethod(), uri.getPath(), uri.getRawPath(), uri.getRawQuery(),
                    exchange.getRequestHeaders());
            requests.add(seen);
            Reply reply = responder.apply(seen);
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    List<Seen> requests() {
        return requests;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

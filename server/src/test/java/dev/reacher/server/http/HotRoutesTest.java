package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.server.LogCapture;
import dev.reacher.server.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link HotRoutes} answers exactly as Javalin does: each request is sent as a plain request (taken
 * by {@code HotRoutes}) and again with {@code Accept-Encoding: identity} (which it leaves to
 * Javalin), and the raw responses must match byte for byte, apart from the {@code Date} header and
 * the verification's own clock readings.
 */
class HotRoutesTest {
    private static final String SECRET = "s3cret";
    private static TestServer t;
    private static LogCapture logs;

    @BeforeAll
    static void start() {
        logs = new LogCapture();
        t = TestServer.start("", Map.of("RCH__HEADER_SECRET", SECRET));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            t.close();
        } finally {
            logs.close();
        }
    }

    record Exchange(String method, String path, String contentType, String body) {
        @Override
        public String toString() {
            return method + " " + path + " " + contentType + " " + body;
        }
    }

    static List<Exchange> exchanges() {
        String json = "application/json";
        return List.of(
                new Exchange("GET", "/version", null, null),
                new Exchange("GET", "/healthz", null, null),
                new Exchange("POST", "/v0/check_email", json, "{\"to_email\":\"not-an-email\"}"),
                new Exchange("POST", "/v0/check_email", json, "{\"to_email\":\"alice@example.test\"}"),
                new Exchange("POST", "/v0/check_email", json, "{\"to_email\":\"bob@example.test\"}"),
                new Exchange("POST", "/v0/check_email", json, "{\"to_email\":\"someone@nowhere.test\"}"),
                new Exchange("POST", "/v1/check_email", json, "{\"to_email\":\"bob@example.test\"}"),
                new Exchange("POST", "/v0/check_email", "application/json; charset=utf-8", "{\"to_email\":\"alice@example.test\"}"),
                new Exchange("POST", "/v0/check_email", null, "{\"to_email\":\"alice@example.test\"}"),
                new Exchange("POST", "/v0/check_email", json, "{}"),
                new Exchange("POST", "/v0/check_email", json, ""),
                new Exchange("POST", "/v0/check_email", json, "{\"to_email\":"),
                new Exchange("POST", "/v0/check_email", json, "{\"to_email\":\"a@b.test\",\"smtp_port\":\"x\"}"),
                new Exchange("POST", "/v1/check_email", json, "[1,2]"));
    }

    @ParameterizedTest
    @MethodSource("exchanges")
    void answersAsJavalinDoes(Exchange e) throws IOException {
        raw(e, true); // first, so that both compared answers see the same caches (catch-all, DNS)
        long before = HotRoutes.ANSWERED.sum();
        String hot = comparable(raw(e, false));
        assertThat(HotRoutes.ANSWERED.sum()).as("taken by HotRoutes").isEqualTo(before + 1);
        String javalin = comparable(raw(e, true));
        assertThat(HotRoutes.ANSWERED.sum()).as("left to Javalin").isEqualTo(before + 1);
        assertThat(hot).isEqualTo(javalin);
        // Both ways in write the same request log line.
        String line = e.method() + " " + e.path() + " " + hot.substring(9, 12) + " ";
        assertThat(logs.lines().stream().filter(l -> l.contains(line)).count()).as(line).isGreaterThanOrEqualTo(3);
    }

    /**
     * A body that arrives after the headers, in two pieces: the handler has to wait for it (the path
     * where {@code HotRoutes} asks Jetty for more content) and answers as for a body sent at once.
     */
    @Test
    void aBodyArrivingInPiecesAfterTheHeadersIsReadWhole() throws Exception {
        Exchange e = new Exchange("POST", "/v0/check_email", "application/json", "{\"to_email\":\"alice@example.test\"}");
        String atOnce = comparable(raw(e, false));
        long before = HotRoutes.ANSWERED.sum();
        String inPieces = comparable(raw(e, false, Delivery.IN_PIECES));
        assertThat(HotRoutes.ANSWERED.sum()).as("taken by HotRoutes").isEqualTo(before + 1);
        assertThat(inPieces).isEqualTo(atOnce).contains("\"is_reachable\":\"safe\"");
    }

    /** The client announces more than it sends, then stops sending: a 400 naming the body, both ways in. */
    @Test
    void aBodyShorterThanItsContentLengthIsRefusedAsJavalinDoes() throws Exception {
        Exchange e = new Exchange("POST", "/v0/check_email", "application/json", "{\"to_email\":\"alice@example.test\"}");
        long before = HotRoutes.ANSWERED.sum();
        String hot = comparable(raw(e, false, Delivery.TRUNCATED));
        assertThat(HotRoutes.ANSWERED.sum()).as("taken by HotRoutes").isEqualTo(before + 1);
        assertThat(hot).startsWith("HTTP/1.1 400 ");
        assertThat(hot).isEqualTo(comparable(raw(e, true, Delivery.TRUNCATED)));
    }

    private enum Delivery { AT_ONCE, IN_PIECES, TRUNCATED }

    private static String raw(Exchange e, boolean viaJavalin) throws IOException {
        return raw(e, viaJavalin, Delivery.AT_ONCE);
    }

    /** One request on its own connection; the whole response as sent. */
    private static String raw(Exchange e, boolean viaJavalin, Delivery delivery) throws IOException {
        byte[] body = e.body() == null ? null : e.body().getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(e.method() + " " + e.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .append("Connection: close\r\nx-reacher-secret: ").append(SECRET).append("\r\n");
        if (viaJavalin) {
            head.append("Accept-Encoding: identity\r\n");
        }
        if (e.contentType() != null) {
            head.append("Content-Type: ").append(e.contentType()).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        try (Socket socket = new Socket("127.0.0.1", t.server.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            switch (delivery) {
                case AT_ONCE -> {
                    if (body != null) {
                        out.write(body);
                    }
                    out.flush();
                }
                case IN_PIECES -> {
                    int half = body.length / 2;
                    for (byte[] piece : new byte[][] {java.util.Arrays.copyOf(body, half),
                            java.util.Arrays.copyOfRange(body, half, body.length)}) {
                        out.flush();
                        pause(); // no event to wait for: the server must have taken what came so far
                        out.write(piece);
                    }
                    out.flush();
                }
                case TRUNCATED -> {
                    out.write(body, 0, body.length - 5);
                    out.flush();
                    socket.shutdownOutput();
                }
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * The response without its Date header and with the verification's clock readings (start and end
     * time, duration, and so the length) replaced; the rest byte for byte.
     */
    private static String comparable(String response) {
        int split = response.indexOf("\r\n\r\n");
        assertThat(split).as(response).isPositive();
        String head = response.substring(0, split);
        String body = response.substring(split + 4);
        assertThat(head).contains("\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length);
        String masked = body.replaceAll("\"(start_time|end_time)\":\"[^\"]*\"", "\"$1\":\"T\"")
                .replaceAll("\"duration\":\\{\"secs\":\\d+,\"nanos\":\\d+}", "\"duration\":D");
        String headMasked = head.replaceAll("\r\nDate: [^\r]*", "");
        if (!masked.equals(body)) {
            headMasked = headMasked.replaceAll("\r\nContent-Length: \\d+", "\r\nContent-Length: N");
        }
        return headMasked + "\r\n\r\n" + masked;
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }
}

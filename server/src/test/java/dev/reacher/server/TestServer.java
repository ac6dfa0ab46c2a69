package dev.reacher.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.config.ConfigLoader;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A real {@link ReacherServer} on a free loopback port, resolving through a scripted DNS server and
 * verifying against a scripted SMTP server, so that every verdict in a test comes from a real
 * SMTP conversation. Domains: {@code example.test} (MX {@code mx.example.test} → 127.0.0.1);
 * anything else is NXDOMAIN. Recipients:
 * <ul>
 *   <li>{@code alice@example.test}, {@code info@example.test}: 250 (safe; info is a role account, risky)</li>
 *   <li>{@code slow@example.test}: never answered (timeout, unknown)</li>
 *   <li>{@code listed@example.test}: 554 blacklist reply (unknown, IpBlacklisted)</li>
 *   <li>anyone else: 550 user unknown (invalid)</li>
 * </ul>
 */
public final class TestServer implements AutoCloseable {
    public final DnsFixture dns;
    public final ScriptedSmtpServer smtp;
    public final ReacherServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(DnsFixture dns, ScriptedSmtpServer smtp, ReacherServer server) {
        this.dns = dns;
        this.smtp = smtp;
        this.server = server;
    }

    /** Starts with the base configuration plus {@code extraToml} (appended) and {@code env}. */
    public static TestServer start(String extraToml, Map<String, String> env) {
        return start(extraToml, env, s -> { });
    }

    public static TestServer start(String extraToml, Map<String, String> env, Consumer<ScriptedSmtpServer> script) {
        try {
            ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
            smtp.onRcpt("alice@example.test", Reply.lines("250 2.1.5 OK"))
                    .onRcpt("info@example.test", Reply.lines("250 2.1.5 OK"))
                    .onRcpt("slow@example.test", Reply.silent())
                    .onRcpt("listed@example.test", Reply.lines("554 5.7.1 Client host blocked using zen.spamhaus.org"));
            script.accept(smtp);
            DnsFixture dns = DnsFixture.start()
                    .mx("example.test", 10, "mx.example.test")
                    .a("mx.example.test", "127.0.0.1");
            // Each server gets its own embedded database unless the test chooses storage itself.
            Map<String, String> withStorage = new java.util.HashMap<>(env);
            withStorage.putIfAbsent("RCH__STORAGE__SQLITE__PATH",
                    java.nio.file.Files.createTempDirectory("reacher-test").resolve("reacher.db").toString());
            BackendConfig config = ConfigLoader.fromToml(baseToml(dns, smtp) + "\n" + extraToml, withStorage);
            return new TestServer(dns, smtp, ReacherServer.start(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Settings every test server shares; sections a test appends must not repeat these keys. */
    public static String baseToml(DnsFixture dns, ScriptedSmtpServer smtp) {
        return """
                http_host = "127.0.0.1"
                http_port = 0
                hello_name = "probe.test"
                from_email = "probe@client.test"
                smtp_timeout = 2
                smtp_port = %d
                shutdown_timeout = 5
                [dns]
                servers = "%s"
                timeout_ms = 500
                """.formatted(smtp.port(), dns.address());
    }

    public String base() {
        return "http://127.0.0.1:" + server.port();
    }

    /** A response, read as text. */
    public record Response(int status, HttpResponse<String> raw) {
        public String body() {
            return raw.body();
        }

        public JsonNode json() {
            try {
                return ReacherJson.mapper().readTree(raw.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + raw.body(), e);
            }
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String contentType() {
            return header("content-type");
        }
    }

    public Response get(String path, String... headers) {
        return send(request(path, headers).GET().build());
    }

    /** POST with {@code Content-Type: application/json} unless the headers set another one. */
    public Response post(String path, String body, String... headers) {
        HttpRequest.Builder b = request(path, headers).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (!hasHeader(headers, "content-type")) {
            b.header("Content-Type", "application/json");
        }
        return send(b.build());
    }

    public Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(r.statusCode(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    public HttpClient client() {
        return http;
    }

    private static boolean hasHeader(String[] headers, String name) {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            if (headers[i].equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        server.close();
        smtp.close();
        dns.close();
    }
}

package dev.reacher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link LoadTool} against a tiny JDK HTTP stub that answers like the verification endpoint. */
class LoadToolTest {
    private HttpServer stub;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Map<String, String> headersSeen = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        stub.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        stub.createContext("/v0/check_email", exchange -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            boolean counted = true;
            try {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String secret = exchange.getRequestHeaders().getFirst("x-reacher-secret");
                if (secret != null) {
                    headersSeen.put("x-reacher-secret", secret);
                }
                Thread.sleep(5); // so that concurrent requests overlap
                int status = 200;
                String answer;
                if (!"POST".equals(exchange.getRequestMethod()) || !body.startsWith("{\"to_email\":")) {
                    status = 400;
                    answer = "{\"error\":\"bad request\"}";
                } else if (body.contains("boom@")) {
                    status = 500;
                    answer = "{\"error\":\"internal\"}";
                } else if (body.contains("alice@")) {
                    answer = "{\"input\":\"alice@x.test\",\"is_reachable\":\"safe\"}";
                } else if (body.contains("catchall@")) {
                    answer = "{\"input\":\"catchall@x.test\",\"is_reachable\":\"risky\"}";
                } else {
                    answer = "{\"input\":\"x\",\"is_reachable\":\"invalid\"}";
                }
                byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
                // Uncounted before answering: a worker's next request may arrive as soon as it has the answer.
                inFlight.decrementAndGet();
                counted = false;
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (counted) {
                    inFlight.decrementAndGet();
                }
            }
        });
        stub.createContext("/version", exchange -> {
            // 200 only for a bodiless GET, so a POST (or a body) shows up as 405 / 400 in the statuses
            int status = !"GET".equals(exchange.getRequestMethod()) ? 405
                    : exchange.getRequestBody().readAllBytes().length > 0 ? 400 : 200;
            byte[] bytes = "{\"version\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        stub.start();
    }

    @AfterEach
    void stop() {
        stub.stop(0);
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + stub.getAddress().getPort() + "/v0/check_email");
    }

    @Test
    void countsEveryAnswerByIsReachableAndStatus() throws Exception {
        List<String> emails = List.of("alice@x.test", "nobody@x.test", "catchall@x.test", "boom@x.test");
        LoadTool.Report report = LoadTool.run(new LoadTool.Config(url(), 200, 8, emails,
                Map.of("x-reacher-secret", "s3cret"), Duration.ofSeconds(10), Duration.ofSeconds(60)));

        assertThat(report.reachable()).containsExactlyInAnyOrderEntriesOf(
                Map.of("safe", 50, "invalid", 50, "risky", 50));
        assertThat(report.statuses()).containsExactlyInAnyOrderEntriesOf(Map.of(200, 150, 500, 50));
        assertThat(report.failures()).isEmpty();
        assertThat(report.notSent()).isZero();
        assertThat(report.latency().count()).isEqualTo(200);
        assertThat(report.latency().p50Nanos()).isPositive()
                .isLessThanOrEqualTo(report.latency().p90Nanos());
        assertThat(report.latency().p99Nanos()).isLessThanOrEqualTo(report.latency().maxNanos());
        assertThat(headersSeen).containsEntry("x-reacher-secret", "s3cret");
        // Closed loop: never more requests in flight than workers, and the workers did overlap.
        assertThat(maxInFlight.get()).isBetween(2, 8);
        assertThat(report.render()).contains("safe", "invalid", "risky", "p50", "p99");
    }

    @Test
    void getModeSendsBodilessGetsAndCountsStatusesOnly() throws Exception {
        URI version = URI.create("http://127.0.0.1:" + stub.getAddress().getPort() + "/version");
        LoadTool.Report report = LoadTool.run(new LoadTool.Config(version, 50, 4, List.of("unused@x.test"),
                Map.of(), Duration.ofSeconds(10), Duration.ofSeconds(60), true));

        assertThat(report.statuses()).containsExactly(Map.entry(200, 50));
        assertThat(report.reachable()).isEmpty();
        assertThat(report.failures()).isEmpty();
        assertThat(report.latency().count()).isEqualTo(50);
    }

    @Test
    void aServerThatIsNotThereIsCountedAsFailuresNotAHang() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        LoadTool.Report report = LoadTool.run(new LoadTool.Config(
                URI.create("http://127.0.0.1:" + closedPort + "/v0/check_email"), 20, 4, List.of("alice@x.test"),
                Map.of(), Duration.ofSeconds(5), Duration.ofSeconds(30)));

        assertThat(report.failures()).containsOnlyKeys("ConnectException");
        assertThat(report.failures().get("ConnectException")).isEqualTo(20);
        assertThat(report.latency().count()).isZero();
        assertThat(report.reachable()).isEmpty();
    }

    @Test
    void anAnswerThatIsNotVerificationJsonIsMarked() {
        assertThat(LoadTool.reachableOf("{\"is_reachable\":\"unknown\"}")).isEqualTo("unknown");
        assertThat(LoadTool.reachableOf("{\"other\":1}")).isEqualTo("(no is_reachable)");
        assertThat(LoadTool.reachableOf("<html>")).isEqualTo("(not json)");
    }

    @Test
    void refusesToLoadAnythingButLoopback() {
        assertThat(LoadTool.isLoopback(URI.create("http://127.0.0.1:8080/v0/check_email"))).isTrue();
        assertThat(LoadTool.isLoopback(URI.create("http://localhost:8080/"))).isTrue();
        assertThat(LoadTool.isLoopback(URI.create("http://10.0.0.5:8080/"))).isFalse();
        assertThat(LoadTool.isLoopback(URI.create("http://example.com/"))).isFalse();
    }

    @Test
    void percentilesAreNearestRank() {
        long[] samples = new long[100];
        for (int i = 0; i < 100; i++) {
            samples[i] = 100 - i; // 100..1, unsorted on purpose
        }
        LatencyStats s = LatencyStats.of(samples, Duration.ofSeconds(2));
        assertThat(s.p50Nanos()).isEqualTo(50);
        assertThat(s.p90Nanos()).isEqualTo(90);
        assertThat(s.p99Nanos()).isEqualTo(99);
        assertThat(s.maxNanos()).isEqualTo(100);
        assertThat(s.throughput()).isEqualTo(50.0);
    }
}

package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.LogCapture;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import dev.reacher.testkit.Microsocks;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proxy pool through the HTTP API with a real {@code microsocks} (username/password, outgoing
 * connections bound to 127.0.0.11 so the SMTP server can tell they came through it), a second pool
 * member configured with a wrong password, per-proxy budgets, {@code /v1/proxies} and
 * {@code /metrics}, and a check that no secret ever reaches a response or the log.
 */
class ProxyPoolEndpointTest {
    private static final String PROXY_PASSWORD = "pw-Zq83-very-secret";
    private static final String WRONG_PASSWORD = "wrong-Pw-Secret-2";
    private static final String HEADER_SECRET = "hs-Kx72-secret";
    private static final String PROXY_EGRESS = "127.0.0.11";
    private static final String[] AUTH = {"x-reacher-secret", HEADER_SECRET};

    private static Microsocks microsocks;
    private static TestServer t;
    private static LogCapture logs;
    private static final List<Response> responses = new ArrayList<>();
    private static final List<Boolean> pickedOnVirtualThread = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        logs = new LogCapture();
        microsocks = Microsocks.builder().credentials("alice", PROXY_PASSWORD).bindAddress(PROXY_EGRESS).start();
        String port = Integer.toString(microsocks.port());
        t = TestServer.start("""
                [proxy_pool]
                enabled = true
                strategy = "round_robin"
                [proxy_pool.ejection]
                consecutive_failures = 100
                """, Map.ofEntries(
                Map.entry("RCH__HEADER_SECRET", HEADER_SECRET),
                Map.entry("RCH__DNS__PROXY_DNS", "local"),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY1__HOST", "127.0.0.1"),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY1__PORT", port),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY1__USERNAME", "alice"),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY1__PASSWORD", PROXY_PASSWORD),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY1__MAX_REQUESTS_PER_MINUTE", "2"),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY2__HOST", "127.0.0.1"),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY2__PORT", port),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY2__USERNAME", "alice"),
                Map.entry("RCH__OVERRIDES__PROXIES__PROXY2__PASSWORD", WRONG_PASSWORD)));
        // Pool events are delivered on the verifying thread: this shows where verifications run.
        t.server.pool().addListener(new dev.reacher.core.proxy.PoolListener() {
            @Override
            public void picked(String proxyId) {
                pickedOnVirtualThread.add(Thread.currentThread().isVirtual());
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            t.close();
            microsocks.close();
            String everything = logs.all();
            assertThat(everything).as("log output").doesNotContain(PROXY_PASSWORD).doesNotContain(WRONG_PASSWORD)
                    .doesNotContain(HEADER_SECRET);
            assertThat(everything).contains("POST /v1/check_email 200"); // the capture did see the traffic
            assertThat(responses).hasSizeGreaterThan(8);
            assertThat(pickedOnVirtualThread).isNotEmpty().containsOnly(true);
            for (Response r : responses) {
                String all = r.body() + r.raw().headers().map();
                assertThat(all).doesNotContain(PROXY_PASSWORD).doesNotContain(WRONG_PASSWORD).doesNotContain(HEADER_SECRET);
            }
        } finally {
            logs.close();
        }
    }

    private static Response record(Response r) {
        responses.add(r);
        return r;
    }

    @Test
    void poolMembersBudgetsStatusAndMetrics() {
        // Two verifications through proxy1; proxy2's wrong password is a proxy fault that fails over.
        for (int i = 0; i < 2; i++) {
            Response r = record(t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}", AUTH));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode out = r.json();
            assertThat(out.get("is_reachable").asText()).isEqualTo("safe");
            assertThat(out.at("/debug/smtp/verif_method/verif_method/proxy").asText()).isEqualTo("proxy1");
            JsonNode attempts = out.at("/debug/smtp/attempts");
            assertThat(attempts.get(attempts.size() - 1).get("proxy").asText()).isEqualTo("proxy1");
            assertThat(attempts.get(attempts.size() - 1).get("outcome").asText()).isEqualTo("verdict");
        }
        assertThat(t.smtp.peers()).isNotEmpty().allMatch(p -> p.equals(address(PROXY_EGRESS)));

        // proxy1's budget (2/min) is spent and proxy2 cannot authenticate: v1 gets 429 + Retry-After.
        Response limited = record(t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}", AUTH));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.json().get("error").asText()).startsWith("all proxies are at their rate limit or in-flight cap");
        assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 60L);

        // v0 ignores budgets (upstream never throttles v0): it still verifies through proxy1.
        Response v0 = record(t.post("/v0/check_email", "{\"to_email\":\"alice@example.test\"}", AUTH));
        assertThat(v0.status()).isEqualTo(200);
        assertThat(v0.json().at("/debug/smtp/verif_method/verif_method/proxy").asText()).isEqualTo("proxy1");

        Response status = record(t.get("/v1/proxies", AUTH));
        assertThat(status.status()).isEqualTo(200);
        JsonNode pool = status.json();
        assertThat(pool.get("enabled").asBoolean()).isTrue();
        assertThat(pool.get("strategy").asText()).isEqualTo("round_robin");
        assertThat(pool.get("proxies")).hasSize(2);
        JsonNode p1 = pool.get("proxies").get(0);
        assertThat(p1.get("id").asText()).isEqualTo("proxy1");
        assertThat(p1.get("address").asText()).isEqualTo("127.0.0.1:" + microsocks.port());
        assertThat(p1.get("state").asText()).isEqualTo("healthy");
        assertThat(p1.get("verdicts").asLong()).isEqualTo(3);
        assertThat(p1.get("picks").asLong()).isEqualTo(3);
        assertThat(p1.get("in_flight").asInt()).isZero();
        JsonNode p2 = pool.get("proxies").get(1);
        assertThat(p2.get("id").asText()).isEqualTo("proxy2");
        assertThat(p2.get("proxy_faults").asLong()).isPositive();
        assertThat(p2.get("verdicts").asLong()).isZero();
        assertThat(p2.get("last_error").asText()).containsIgnoringCase("auth");
        assertThat(java.time.Instant.parse(p2.get("last_error_at").asText())).isBefore(java.time.Instant.now().plusSeconds(1));
        assertThat(p1.get("last_error").isNull()).isTrue();
        assertThat(p1.get("last_error_at").isNull()).isTrue();

        Response metrics = record(t.get("/metrics"));
        String text = metrics.body();
        assertThat(metric(text, "reacher_proxy_picks_total{proxy=\"proxy1\"}")).isEqualTo(3.0);
        assertThat(metric(text, "reacher_proxy_attempts_seconds_count{outcome=\"verdict\",proxy=\"proxy1\"}")).isEqualTo(3.0);
        assertThat(metric(text, "reacher_proxy_faults_total{outcome=\"proxy_fault\",proxy=\"proxy2\"}")).isPositive();
        assertThat(metric(text, "reacher_proxy_faults_total{outcome=\"proxy_fault\",proxy=\"proxy1\"}")).isZero();
        assertThat(metric(text, "reacher_proxy_in_flight{proxy=\"proxy1\"}")).isZero();
        assertThat(metric(text, "reacher_proxy_ejected{proxy=\"proxy1\"}")).isZero();
        assertThat(metric(text, "reacher_throttled_total{reason=\"proxy_budget\"}")).isEqualTo(1.0);
        assertThat(text).contains("reacher_proxy_ejections_total{proxy=\"proxy2\"}");
    }

    /** A request proxy is used as is for every provider: no rotation, no pool accounting. */
    @Test
    void requestProxyBypassesThePool() {
        long picksBefore = picks("proxy1") + picks("proxy2");
        Response r = record(t.post("/v0/check_email", "{\"to_email\":\"alice@example.test\",\"hello_name\":\"req.test\","
                + "\"proxy\":{\"host\":\"127.0.0.1\",\"port\":" + microsocks.port() + ",\"username\":\"alice\","
                + "\"password\":\"" + PROXY_PASSWORD + "\"}}", AUTH));
        assertThat(r.status()).isEqualTo(200);
        JsonNode out = r.json();
        assertThat(out.get("is_reachable").asText()).isEqualTo("safe");
        // Named by its address (upstream says `default`), though it has proxy1's very settings.
        String label = "request:127.0.0.1:" + microsocks.port();
        assertThat(out.at("/debug/smtp/verif_method/verif_method/proxy").asText()).isEqualTo(label);
        assertThat(out.at("/debug/smtp/attempts/0/proxy").asText()).isEqualTo(label);
        assertThat(out.at("/debug/smtp/verif_method/verif_method/hello_name").asText()).isEqualTo("req.test");
        assertThat(picks("proxy1") + picks("proxy2")).isEqualTo(picksBefore);

        // A failing request proxy: the error names the proxy problem, never the password.
        Response bad = record(t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\",\"proxy\":{\"host\":"
                + "\"127.0.0.1\",\"port\":" + microsocks.port() + ",\"username\":\"alice\",\"password\":\"" + WRONG_PASSWORD
                + "\"}}", AUTH));
        assertThat(bad.status()).isEqualTo(200);
        assertThat(bad.json().get("is_reachable").asText()).isEqualTo("unknown");
        assertThat(bad.json().at("/smtp/error/type").asText()).isEqualTo("Socks5");
    }

    /** More answers for the secret check in {@link #stop()}, which covers every recorded response and log line. */
    @Test
    void operationalAndErrorAnswers() {
        assertThat(record(t.get("/v1/proxies", AUTH)).status()).isEqualTo(200);
        assertThat(record(t.get("/v1/proxies", "x-reacher-secret", "wrong")).status()).isEqualTo(400);
        assertThat(record(t.get("/openapi.json")).status()).isEqualTo(200);
        assertThat(record(t.get("/readyz")).status()).isEqualTo(200);
        assertThat(record(t.post("/v1/check_email", "{\"to_email\":1}", AUTH)).status()).isEqualTo(400);
        assertThat(record(t.post("/v1/check_email", "{\"to_email\":\"a@b.c\",\"proxy\":{\"host\":\"127.0.0.1\","
                + "\"port\":0,\"password\":\"" + PROXY_PASSWORD + "\"}}", AUTH)).status()).isEqualTo(400);
    }

    private static long picks(String id) {
        for (JsonNode p : t.get("/v1/proxies", AUTH).json().get("proxies")) {
            if (p.get("id").asText().equals(id)) {
                return p.get("picks").asLong();
            }
        }
        throw new AssertionError("no proxy " + id);
    }

    private static double metric(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as(series + " in\n" + scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}

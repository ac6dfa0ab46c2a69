package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.LogCapture;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import dev.reacher.testkit.Microsocks;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code [proxy_pool.health_check]} in a running server with a real microsocks: a member with a
 * wrong password leaves rotation through probes alone, before any verification is sent through it;
 * probes show in {@code reacher_proxy_health_checks_total}, never as picks, and no password reaches
 * the log.
 */
class ProxyHealthCheckEndpointTest {
    private static final String PASSWORD = "pw-Hc41-secret";
    private static final String WRONG_PASSWORD = "wrong-Hc41-secret";

    @Test
    void aMemberThatCannotAuthenticateIsEjectedByProbesBeforeAnyVerification() throws Exception {
        try (LogCapture logs = new LogCapture();
                Microsocks microsocks = Microsocks.builder().credentials("alice", PASSWORD).start()) {
            String port = Integer.toString(microsocks.port());
            TestServer t = TestServer.start("""
                    [proxy_pool]
                    enabled = true
                    [proxy_pool.health_check]
                    enabled = true
                    interval_secs = 1
                    timeout_ms = 2000
                    """, Map.ofEntries(
                    Map.entry("RCH__DNS__PROXY_DNS", "local"),
                    Map.entry("RCH__OVERRIDES__PROXIES__PROXY1__URL", "socks5://alice:" + PASSWORD + "@127.0.0.1:" + port),
                    Map.entry("RCH__OVERRIDES__PROXIES__PROXY2__URL",
                            "socks5://alice:" + WRONG_PASSWORD + "@127.0.0.1:" + port)));
            try (t) {
                await().atMost(Duration.ofSeconds(30)).until(() -> state(t, "proxy2").equals("ejected"));
                assertThat(state(t, "proxy1")).isEqualTo("healthy");
                JsonNode proxy2 = proxy(t, "proxy2");
                assertThat(proxy2.get("picks").asLong()).isZero();
                assertThat(proxy2.get("proxy_faults").asLong()).isZero();
                assertThat(proxy2.get("last_error").asText()).startsWith("health check: Authentication rejected");

                // The first verification goes straight through proxy1: no attempt fails on proxy2.
                Response r = t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}");
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                JsonNode attempts = r.json().at("/debug/smtp/attempts");
                assertThat(attempts.size()).isEqualTo(1);
                assertThat(attempts.get(0).get("proxy").asText()).isEqualTo("proxy1");

                String metrics = t.get("/metrics").body();
                assertThat(metrics).containsPattern(
                        "reacher_proxy_health_checks_total\\{proxy=\"proxy2\",result=\"auth\"} [1-9]");
                assertThat(metrics).containsPattern(
                        "reacher_proxy_health_checks_total\\{proxy=\"proxy1\",result=\"passed\"} [1-9]");
                assertThat(metrics).contains("reacher_proxy_picks_total{proxy=\"proxy2\"} 0.0");
                assertThat(metrics).contains("reacher_proxy_ejections_total{proxy=\"proxy2\"} 1.0");
            }
            String log = logs.all();
            assertThat(log).contains("proxy proxy2 ejected until").contains("health check failed at auth")
                    .contains("proxy health checks every 1 s");
            assertThat(log).doesNotContain(PASSWORD).doesNotContain(WRONG_PASSWORD);
        }
    }

    private static JsonNode proxy(TestServer t, String id) {
        for (JsonNode p : t.get("/v1/proxies").json().get("proxies")) {
            if (p.get("id").asText().equals(id)) {
                return p;
            }
        }
        throw new AssertionError("no proxy " + id);
    }

    private static String state(TestServer t, String id) {
        return proxy(t, id).get("state").asText();
    }
}

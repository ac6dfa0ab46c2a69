package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.TestServer;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /readyz} says "not ready", with the reason, while no pool member can serve and no direct route is allowed. */
class ReadyzProxyPoolTest {
    private static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // nothing listens there once closed: connecting is refused
        }
        t = TestServer.start("""
                [proxy_pool]
                enabled = true
                max_attempts = 1
                [proxy_pool.ejection]
                consecutive_failures = 1
                base_ejection_ms = 600000
                max_ejection_ms = 600000
                """, Map.of(
                "RCH__DNS__PROXY_DNS", "local",
                "RCH__OVERRIDES__PROXIES__DEAD__HOST", "127.0.0.1",
                "RCH__OVERRIDES__PROXIES__DEAD__PORT", Integer.toString(closedPort)));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    @Test
    void notReadyWhileEveryMemberIsEjected() {
        TestServer.Response before = t.get("/readyz");
        assertThat(before.status()).isEqualTo(200);
        assertThat(before.json().at("/checks/proxy_pool").asText()).isEqualTo("ok");

        TestServer.Response check = t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}");
        assertThat(check.status()).as(check.body()).isEqualTo(200);
        assertThat(check.json().at("/debug/smtp/attempts/0/outcome").asText()).isEqualTo("proxy_fault");

        TestServer.Response after = t.get("/readyz");
        assertThat(after.status()).isEqualTo(503);
        JsonNode body = after.json();
        assertThat(body.get("status").asText()).isEqualTo("unavailable");
        assertThat(body.at("/checks/proxy_pool").asText())
                .startsWith("every proxy of the pool is ejected and the pool allows no direct route: dead until ");
    }
}

package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code [throttle]} on {@code /v1/check_email}: 429, upstream's message, Retry-After. */
class ThrottleEndpointTest {
    private static final String OK = "{\"to_email\":\"alice@example.test\"}";

    @Test
    void v1IsThrottledWithUpstreamsMessageAndRetryAfter() throws Exception {
        try (TestServer t = TestServer.start("[throttle]\nmax_requests_per_minute = 2", Map.of())) {
            assertThat(t.post("/v1/check_email", OK).status()).isEqualTo(200);
            assertThat(t.post("/v1/check_email", OK).status()).isEqualTo(200);
            Response r = t.post("/v1/check_email", OK);
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.contentType()).startsWith("application/json");
            assertThat(r.json().get("error").asText())
                    .matches("Rate limit per minute exceeded, please wait [0-9]+(\\.[0-9]+)?(s|ms)");
            assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 60L);
            // The refused request never reached the SMTP server.
            assertThat(t.smtp.recipients()).filteredOn("alice@example.test"::equals).hasSize(2);
            // v0 is never throttled (upstream).
            assertThat(t.post("/v0/check_email", OK).status()).isEqualTo(200);
            assertThat(t.get("/metrics").body()).contains("reacher_throttled_total{reason=\"per_minute\"} 1.0");
        }
    }

    @Test
    void firstWindowInOrderWins() throws Exception {
        try (TestServer t = TestServer.start("[throttle]\nmax_requests_per_second = 1\nmax_requests_per_day = 1",
                Map.of())) {
            assertThat(t.post("/v1/check_email", OK).status()).isEqualTo(200);
            String error = t.post("/v1/check_email", OK).json().get("error").asText();
            assertThat(error).startsWith("Rate limit per ");
            // Per second is checked first while its window is exhausted; after it refills, per day shows.
            Thread.sleep(1100);
            assertThat(t.post("/v1/check_email", OK).json().get("error").asText()).startsWith("Rate limit per day exceeded");
        }
    }

    @Test
    void rejectedRequestsDoNotConsumeTheBudget() throws Exception {
        try (TestServer t = TestServer.start("", Map.of("RCH__THROTTLE__MAX_REQUESTS_PER_HOUR", "1"))) {
            assertThat(t.post("/v1/check_email", "{\"to_email\":\"\"}").status()).isEqualTo(400);
            assertThat(t.post("/v1/check_email", "{bad json").status()).isEqualTo(400);
            assertThat(t.post("/v1/check_email", OK).status()).isEqualTo(200);
            Response r = t.post("/v1/check_email", OK);
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.json().get("error").asText()).startsWith("Rate limit per hour exceeded, please wait ");
        }
    }
}

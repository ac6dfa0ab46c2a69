package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code [throttle]} covers everything one server verifies: its in-process worker takes tokens for
 * bulk tasks (which then wait for the window instead of spinning), so {@code /v1/check_email} shares
 * the budget; a stopping server does not wait for the window to refill.
 */
class ThrottledBulkTest {

    @Test
    void bulkTasksWaitForTheThrottleWindowAndShareItWithCheckEmail() throws Exception {
        TestServer t = TestServer.start("[throttle]\nmax_requests_per_minute = 5", Map.of());
        try {
            StringBuilder body = new StringBuilder("{\"input\":[");
            for (int i = 0; i < 12; i++) {
                body.append(i == 0 ? "" : ",").append("\"alice@example.test\"");
            }
            Response created = t.post("/v1/bulk", body.append("]}").toString());
            long id = created.json().get("job_id").asLong();
            await().atMost(30, TimeUnit.SECONDS)
                    .until(() -> t.get("/v1/bulk/" + id).json().get("total_processed").asInt() == 5);
            Thread.sleep(1500); // the window is a minute: nothing more may run in the meantime
            assertThat(t.get("/v1/bulk/" + id).json().get("total_processed").asInt()).isEqualTo(5);
            assertThat(t.smtp.recipients().stream().filter("alice@example.test"::equals).count()).isEqualTo(5);

            Response throttled = t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}");
            assertThat(throttled.status()).isEqualTo(429);
            assertThat(throttled.json().get("error").asText()).startsWith("Rate limit per minute exceeded, please wait ");
        } finally {
            long start = System.nanoTime();
            t.close(); // the 7 waiting tasks go back to the queue; no waiting for the minute to pass
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }
}

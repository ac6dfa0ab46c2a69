package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A bulk job over real HTTP as the receiving mail server sees it: with {@code [smtp_politeness]},
 * 1,000 addresses at one domain never have more than {@code max_concurrency} sessions open at the
 * server, none of them ends {@code unknown} for having waited, and the domain is probed for
 * catch-all once.
 */
class PoliteBulkTest {

    @Test
    void aThousandAddressesAtOneDomainStayWithinMaxConcurrencyAndAreProbedOnce() throws Exception {
        String toml = """
                [smtp_politeness]
                max_concurrency = 3
                """;
        // 40 verifications wait for 3 slots: each may wait for ~13 sessions before its own. The wait is
        // bounded by the verification's overall timeout, so it gets a generous smtp_timeout here (the
        // base configuration's 2 s is meant for timeouts tests; a loaded machine would exceed it).
        try (TestServer t = TestServer.start(toml, Map.of("RCH__WORKER__RABBITMQ__CONCURRENCY", "40",
                "RCH__SMTP_TIMEOUT", "60"))) {
            StringBuilder body = new StringBuilder("{\"input\":[");
            for (int i = 0; i < 1000; i++) {
                body.append(i == 0 ? "" : ",").append(i % 2 == 0 ? "\"alice@example.test\"" : "\"nobody" + i + "@example.test\"");
            }
            Response r = t.post("/v1/bulk", body.append("]}").toString());
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            long id = r.json().get("job_id").asLong();
            await().atMost(180, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                    .until(() -> t.get("/v1/bulk/" + id).json().get("job_status").asText().equals("Completed"));
            JsonNode progress = t.get("/v1/bulk/" + id).json();
            List<String> unknown = new ArrayList<>();
            for (JsonNode row : t.get("/v1/bulk/" + id + "/results?limit=1000").json().get("results")) {
                if ("unknown".equals(row.path("is_reachable").asText())) {
                    unknown.add(row.path("smtp").toString());
                }
            }
            assertThat(progress.get("summary").toString()).as("unknown: %s", unknown)
                    .isEqualTo("{\"total_safe\":500,\"total_risky\":0,\"total_invalid\":500,\"total_unknown\":0}");
            assertThat(t.smtp.peakConcurrentSessions()).isBetween(1, 3);
            assertThat(t.smtp.connectionCount()).isEqualTo(1000);
            // Only sessions that began before the first probe answer came back probe: at most one per slot.
            assertThat(t.smtp.probeRecipients()).isBetween(1L, 3L);
        }
    }
}

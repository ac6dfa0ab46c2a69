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
 * catch-all once; with shared sessions (the default), the server sees fewer sessions than
 * addresses and every address still gets its own result, once.
 */
class PoliteBulkTest {

    @Test
    void aThousandAddressesAtOneDomainStayWithinMaxConcurrencyAndAreProbedOnce() throws Exception {
        String toml = """
                [smtp_politeness]
                max_concurrency = 3
                max_rcpt_per_session = 1
                """;
        // 40 verifications wait for 3 slots: each may wait for ~13 sessions before its own. The wait is
        // bounded by the verification's overall timeout, so it gets a generous smtp_timeout here (the
        // base configuration's 2 s is meant for timeouts tests; a loaded machine would exceed it).
        try (TestServer t = TestServer.start(toml, Map.of("RCH__WORKER__RABBITMQ__CONCURRENCY", "40",
                "RCH__SMTP_TIMEOUT", "60"))) {
            long id = runJob(t, 1000, 180);
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

    @Test
    void bulkAddressesShareSessionsAndEachGetsItsOwnResultOnce() throws Exception {
        int n = 200;
        try (TestServer t = TestServer.start("", Map.of("RCH__WORKER__RABBITMQ__CONCURRENCY", "40",
                "RCH__SMTP_TIMEOUT", "60"))) {
            long id = runJob(t, n, 120);
            assertThat(t.get("/v1/bulk/" + id).json().get("summary").toString())
                    .isEqualTo("{\"total_safe\":100,\"total_risky\":0,\"total_invalid\":100,\"total_unknown\":0}");
            JsonNode rows = t.get("/v1/bulk/" + id + "/results?limit=1000").json().get("results");
            assertThat(rows).hasSize(n);
            int shared = 0;
            for (JsonNode row : rows) {
                boolean alice = row.path("input").asText().startsWith("alice");
                assertThat(row.path("is_reachable").asText()).as(row.toString()).isEqualTo(alice ? "safe" : "invalid");
                JsonNode position = row.at("/debug/smtp/attempts/0/shared_session/position");
                if (!position.isMissingNode()) {
                    shared++;
                    assertThat(position.asInt()).isBetween(1, row.at("/debug/smtp/attempts/0/shared_session/size").asInt());
                }
            }
            assertThat(shared).as("results that say they shared a session").isGreaterThan(n / 2);
            // Sessions per address below 1 at the server, each within max_rcpt_per_session (10) and max_concurrency (5).
            assertThat(t.smtp.connectionCount()).isLessThan(n / 2);
            assertThat(t.smtp.peakConcurrentSessions()).isBetween(1, 5);
            assertThat(t.smtp.sessions()).allSatisfy(s -> assertThat(s.commands().stream()
                    .filter(c -> c.startsWith("RCPT")).count()).as("10 addresses and at most one probe")
                    .isLessThanOrEqualTo(11));
            assertThat(t.smtp.recipients().stream().filter(a -> a.startsWith("nobody")).toList())
                    .as("every unknown address asked once").doesNotHaveDuplicates().hasSize(n / 2);
        }
    }

    /**
     * Posts a job of {@code n} addresses at example.test, every other one alice (safe) and the rest
     * unknown, and waits until it completed; returns its id.
     */
    private static long runJob(TestServer t, int n, int timeoutSecs) throws Exception {
        StringBuilder body = new StringBuilder("{\"input\":[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append(i % 2 == 0 ? "\"alice@example.test\"" : "\"nobody" + i + "@example.test\"");
        }
        Response r = t.post("/v1/bulk", body.append("]}").toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        long id = r.json().get("job_id").asLong();
        await().atMost(timeoutSecs, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                .until(() -> t.get("/v1/bulk/" + id).json().get("job_status").asText().equals("Completed"));
        return id;
    }
}

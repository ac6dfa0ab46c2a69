package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bulk control on the single-machine default (SQLite database and queue, in-process worker):
 * {@code DELETE /v1/bulk/{id}} drops what is not yet verified and keeps what is; progress carries
 * rate, estimate and why a job is still running; {@code GET /v1/bulk} pages the recent jobs. Every
 * answer is validated against the {@code /openapi.json} the server serves.
 */
class BulkControlTest {
    private static final String SECRET = "control-secret";
    private static final String DOC = "https://reacher.test/openapi.json";
    private static final int ADDRESSES = 40;
    private static TestServer t;
    private static SchemaRegistry served;

    @BeforeAll
    static void start() throws Exception {
        Path db = Files.createTempDirectory("bulk-control").resolve("reacher.db");
        t = TestServer.start("", Map.of("RCH__HEADER_SECRET", SECRET, "RCH__STORAGE__SQLITE__PATH", db.toString(),
                "RCH__WORKER__RABBITMQ__CONCURRENCY", "2"));
        served = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30(),
                b -> b.schemas(Map.of(DOC, t.get("/openapi.json").body())));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    private static List<String> validate(String path, String method, String status, String body) {
        String pointer = "#/paths/" + path.replace("/", "~1") + "/" + method + "/responses/" + status
                + "/content/application~1json/schema";
        return served.getSchema(SchemaLocation.of(DOC + pointer)).validate(body, InputFormat.JSON).stream()
                .map(Object::toString).toList();
    }

    private static Response get(String path) {
        return t.get(path, "x-reacher-secret", SECRET);
    }

    private static Response delete(String path, String... headers) {
        return t.send(t.request(path, headers).DELETE().build());
    }

    /** {@code n} addresses that exist, each answered after {@code delay}. */
    private static long submitSlow(String prefix, int n, Duration delay) {
        StringBuilder body = new StringBuilder("{\"input\":[");
        for (int i = 0; i < n; i++) {
            String email = prefix + i + "@example.test";
            t.smtp.onRcpt(email, Reply.delayed(delay, Reply.lines("250 2.1.5 OK")));
            body.append(i == 0 ? "" : ",").append('"').append(email).append('"');
        }
        Response r = t.post("/v1/bulk", body.append("]}").toString(), "x-reacher-secret", SECRET);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("job_id").asLong();
    }

    private static long recipients(String prefix) {
        return t.smtp.recipients().stream().filter(r -> r.contains("<" + prefix)).count();
    }

    @Test
    void cancelDropsPendingAddressesKeepsStoredResultsAndSaysCancelled() throws Exception {
        long id = submitSlow("cancel", ADDRESSES, Duration.ofMillis(400));
        await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
                .until(() -> get("/v1/bulk/" + id).json().get("total_processed").asInt() >= 3);

        // running: a rate, an estimate in the future, and why it is not done
        Response running = get("/v1/bulk/" + id);
        assertThat(validate("/v1/bulk/{job_id}", "get", "200", running.body())).as(running.body()).isEmpty();
        JsonNode p = running.json();
        assertThat(p.get("job_status").asText()).isEqualTo("Running");
        assertThat(p.get("rate_per_minute").asDouble()).isPositive();
        assertThat(Instant.parse(p.get("estimated_finish_at").asText())).isAfter(Instant.now().minusSeconds(1));
        assertThat(p.get("waiting").asText()).containsAnyOf("being verified", "not yet handed to the workers");

        assertThat(delete("/v1/bulk/" + id).status()).isEqualTo(400); // the secret is asked for, as on every bulk route
        Response cancelled = delete("/v1/bulk/" + id, "x-reacher-secret", SECRET);
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(validate("/v1/bulk/{job_id}", "delete", "200", cancelled.body())).as(cancelled.body()).isEmpty();
        assertThat(cancelled.json().get("job_status").asText()).isEqualTo("Cancelled");
        assertThat(cancelled.json().get("finished_at").isNull()).isFalse();
        assertThat(cancelled.json().get("waiting").isNull()).isTrue();

        // what was in flight finishes; nothing else of the job reaches the mail server
        int[] last = {-1};
        await().atMost(20, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(1500)).until(() -> {
            int now = get("/v1/bulk/" + id).json().get("total_processed").asInt();
            boolean settled = now == last[0];
            last[0] = now;
            return settled; // unchanged over 1.5 s, several times the 400 ms an address takes: nothing left in flight
        });
        long seen = recipients("cancel");
        JsonNode after = get("/v1/bulk/" + id).json();
        assertThat(after.get("job_status").asText()).isEqualTo("Cancelled");
        int processed = after.get("total_processed").asInt();
        assertThat(processed).isLessThan(ADDRESSES / 2);
        assertThat(seen).isLessThan(ADDRESSES / 2);

        // the stored results stay and can be fetched
        Response results = get("/v1/bulk/" + id + "/results?limit=100");
        assertThat(results.status()).as(results.body()).isEqualTo(200);
        assertThat(results.json().get("results")).hasSize(processed);

        // a second cancel answers the same; an unknown job is a 404
        assertThat(delete("/v1/bulk/" + id, "x-reacher-secret", SECRET).json().get("total_processed").asInt())
                .isEqualTo(processed);
        assertThat(delete("/v1/bulk/424242", "x-reacher-secret", SECRET).status()).isEqualTo(404);
    }

    @Test
    void aCompletedJobStaysCompletedWhenCancelled() {
        long id = submitSlow("done", 2, Duration.ZERO);
        await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
                .until(() -> get("/v1/bulk/" + id).json().get("job_status").asText().equals("Completed"));
        JsonNode p = delete("/v1/bulk/" + id, "x-reacher-secret", SECRET).json();
        assertThat(p.get("job_status").asText()).isEqualTo("Completed");
        assertThat(p.get("total_processed").asInt()).isEqualTo(2);
        assertThat(p.get("estimated_finish_at").isNull()).isTrue();
    }

    @Test
    void listOfJobsIsNewestFirstPagedAndProtected() {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(submitSlow("list" + i + "-", 1, Duration.ZERO));
        }
        Response page = get("/v1/bulk?limit=2");
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        assertThat(validate("/v1/bulk", "get", "200", page.body())).as(page.body()).isEmpty();
        JsonNode jobs = page.json().get("jobs");
        assertThat(jobs).hasSize(2);
        assertThat(jobs.get(0).get("job_id").asLong()).isEqualTo(ids.get(2));
        assertThat(jobs.get(1).get("job_id").asLong()).isEqualTo(ids.get(1));
        JsonNode next = get("/v1/bulk?limit=2&offset=1").json().get("jobs");
        assertThat(next.get(0).get("job_id").asLong()).isEqualTo(ids.get(1));
        assertThat(next.get(1).get("job_id").asLong()).isEqualTo(ids.get(0));

        assertThat(t.get("/v1/bulk").status()).isEqualTo(400); // no secret
        Response bad = get("/v1/bulk?limit=0");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("limit must be 1-1000");
    }
}

package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import dev.reacher.server.results.ResultCsv;
import dev.reacher.server.testing.WebhookReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bulk endpoints over real HTTP on the single-machine default: the server as {@code ./reacher
 * serve} runs it (embedded SQLite database and queue, in-process worker), verifying against the
 * scripted SMTP server, with webhooks to a local receiver.
 */
class BulkEndpointTest {
    private static final String SECRET = "bulk-secret";
    private static Path db;
    private static WebhookReceiver hooks;
    private static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        db = Files.createTempDirectory("bulk-http").resolve("reacher.db");
        hooks = new WebhookReceiver();
        t = TestServer.start("", Map.of("RCH__HEADER_SECRET", SECRET, "RCH__STORAGE__SQLITE__PATH", db.toString(),
                "RCH__WORKER__RABBITMQ__CONCURRENCY", "8", "RCH__STORAGE__POSTGRES__EXTRA", "{\"tenant\":\"acme\"}"));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
        hooks.close();
    }

    private static Response post(String body) {
        return t.post("/v1/bulk", body, "x-reacher-secret", SECRET);
    }

    private static Response get(String path) {
        return t.get(path, "x-reacher-secret", SECRET);
    }

    private static long submit(List<String> emails, String webhookJson) {
        StringBuilder body = new StringBuilder("{\"input\":[");
        for (int i = 0; i < emails.size(); i++) {
            body.append(i == 0 ? "" : ",").append('"').append(emails.get(i)).append('"');
        }
        body.append("]").append(webhookJson == null ? "" : ",\"webhook\":" + webhookJson).append("}");
        Response r = post(body.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).matches("\\{\"job_id\":\\d+}");
        return r.json().get("job_id").asLong();
    }

    private static JsonNode awaitCompleted(long id) {
        await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(100))
                .until(() -> get("/v1/bulk/" + id).json().get("job_status").asText().equals("Completed"));
        return get("/v1/bulk/" + id).json();
    }

    /** 10 safe, 5 risky (role account), 15 invalid, in a known order. */
    private static List<String> mixed() {
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            emails.add(switch (i % 6) {
                case 0, 3 -> "alice@example.test";
                case 1 -> "info@example.test";
                default -> "nobody" + i + "@example.test";
            });
        }
        return emails;
    }

    @Test
    void aJobRunsToCompletionWithProgressPagesCsvAndWebhooks() throws Exception {
        List<String> emails = mixed();
        String webhook = """
                {"on_each_email": {"url": "%s", "headers": {"Authorization": "Bearer each"}, "extra": {"batch": 7}},
                 "on_job_finished": {"url": "%s", "headers": {}}}""".formatted(hooks.url("/each"), hooks.url("/done"));
        long id = submit(emails, webhook);

        JsonNode progress = awaitCompleted(id);
        assertThat(progress.get("job_id").asLong()).isEqualTo(id);
        assertThat(progress.get("total_records").asInt()).isEqualTo(30);
        assertThat(progress.get("total_processed").asInt()).isEqualTo(30);
        assertThat(progress.get("summary").toString())
                .isEqualTo("{\"total_safe\":10,\"total_risky\":5,\"total_invalid\":15,\"total_unknown\":0}");
        assertThat(progress.get("created_at").asText()).endsWith("Z");
        assertThat(progress.get("finished_at").asText()).endsWith("Z");

        // JSON: default page of 50 holds all 30, in input order; pages with limit/offset.
        JsonNode all = get("/v1/bulk/" + id + "/results").json().get("results");
        assertThat(all).hasSize(30);
        for (int i = 0; i < 30; i++) {
            assertThat(all.get(i).get("input").asText()).isEqualTo(emails.get(i));
        }
        Response page = get("/v1/bulk/" + id + "/results?format=json&limit=4&offset=6");
        assertThat(page.contentType()).startsWith("application/json");
        assertThat(page.json().get("results")).hasSize(4);
        assertThat(page.json().get("results").get(0).get("input").asText()).isEqualTo(emails.get(6));
        assertThat(page.json().get("results").get(1).get("is_reachable").asText()).isEqualTo("risky");
        assertThat(get("/v1/bulk/" + id + "/results?offset=29").json().get("results")).hasSize(1);
        assertThat(get("/v1/bulk/" + id + "/results?offset=30").json().get("results")).isEmpty();

        // CSV: upstream's columns, every row, input order.
        Response csv = get("/v1/bulk/" + id + "/results?format=csv");
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.contentType()).startsWith("text/csv");
        List<String> lines = csv.body().lines().toList();
        assertThat(lines.get(0)).isEqualTo(String.join(",", ResultCsv.COLUMNS));
        assertThat(lines).hasSize(31);
        assertThat(lines.get(1)).isEqualTo(
                "alice@example.test,safe,false,false,,true,true,false,false,true,false,true,example.test,alice,");
        assertThat(lines.get(2)).startsWith("info@example.test,risky,false,true,");
        assertThat(lines.get(3)).isEqualTo(
                "nobody2@example.test,invalid,false,false,,true,true,false,false,false,false,true,example.test,nobody2,");
        assertThat(get("/v1/bulk/" + id + "/results?format=csv&limit=2&offset=1").body().lines()).hasSize(3);

        // One on_each_email call per address, with headers and extra; one on_job_finished.
        await().atMost(20, TimeUnit.SECONDS).until(() -> hooks.calls("/each").size() == 30 && hooks.calls("/done").size() == 1);
        assertThat(hooks.calls("/each")).allSatisfy(c -> {
            assertThat(c.headers().get("Authorization")).containsExactly("Bearer each");
            assertThat(c.body().get("extra").toString()).isEqualTo("{\"batch\":7}");
            assertThat(c.body().get("result").get("input").asText()).endsWith("@example.test");
        });
        JsonNode done = hooks.calls("/done").get(0).body();
        assertThat(done.get("job").get("job_id").asLong()).isEqualTo(id);
        assertThat(done.get("job").get("job_status").asText()).isEqualTo("Completed");
    }

    @Test
    void resultsOfARunningJobAre400AndAMissingJobIs404() {
        long id = submit(List.of("slow@example.test", "alice@example.test"), null); // slow: the SMTP server never answers
        Response running = get("/v1/bulk/" + id + "/results");
        assertThat(running.status()).isEqualTo(400);
        assertThat(running.body()).isEqualTo("{\"error\":\"Job " + id + " is still running, please try again later\"}");
        assertThat(get("/v1/bulk/" + id).json().get("job_status").asText()).isEqualTo("Running");

        for (String path : List.of("/v1/bulk/999999", "/v1/bulk/999999/results")) {
            Response missing = get(path);
            assertThat(missing.status()).as(path).isEqualTo(404);
            assertThat(missing.body()).isEqualTo(
                    "{\"error\":\"no rows returned by a query that expected to return at least one row\"}");
        }
        JsonNode done = awaitCompleted(id); // slow times out after smtp_timeout (2 s): unknown, retried once
        assertThat(done.get("summary").get("total_unknown").asInt()).isEqualTo(1);
        assertThat(done.get("summary").get("total_safe").asInt()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{}|missing field `input`",
        "{\"input\": \"a@b.c\"}|field `input`: invalid type: string, expected a list of strings",
        "{\"input\": [\"a@b.c\", 7]}|field `input[1]`: invalid type: number `7`, expected a string",
        "{\"input\": [\"a@b.c\"], \"webhook\": {\"on_each_email\": {\"url\": \"http://h\"}}}|missing field `webhook.on_each_email.headers`",
        "{\"input\": [\"a@b.c\"], \"webhook\": {\"on_each_email\": {\"headers\": {}}}}|missing field `webhook.on_each_email.url`",
        "{\"input\": [\"a@b.c\"], \"webhook\": {\"on_each_email\": {\"url\": \"ftp://h\", \"headers\": {}}}}|field `webhook.on_each_email.url`: expected an http:// or https:// URL",
        "[1]|invalid type: sequence, expected a JSON object with an `input` field",
        "{\"input\": [|Unexpected end-of-input",
    })
    void malformedBodiesAre400sNamingTheField(String body, String message) {
        Response r = post(body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).startsWith("Request body deserialize error: ").contains(message);
    }

    @Test
    void emptyInputWrongContentTypeAndBadQueriesAreClearErrors() {
        Response empty = post("{\"input\": []}");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.body()).isEqualTo("{\"error\":\"Empty input\"}");

        Response text = t.post("/v1/bulk", "{\"input\":[\"a@b.c\"]}", "x-reacher-secret", SECRET, "Content-Type", "text/plain");
        assertThat(text.status()).isEqualTo(415);

        long id = submit(List.of("alice@example.test"), null);
        awaitCompleted(id);
        for (String q : List.of("format=xml", "limit=-1", "offset=abc", "format=CSV")) {
            Response r = get("/v1/bulk/" + id + "/results?" + q);
            assertThat(r.status()).as(q).isEqualTo(400);
            assertThat(r.json().get("error").asText()).as(q).startsWith("Invalid query string: ")
                    .contains(q.substring(0, q.indexOf('=')));
        }
    }

    @Test
    void metricsShowTheQueueAndTheWorker() {
        double before = metric("reacher_bulk_results_total{is_reachable=\"invalid\"}");
        long id = submit(List.of("zz1@example.test", "zz2@example.test", "alice@example.test"), null);
        awaitCompleted(id);
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> metric("reacher_bulk_results_total{is_reachable=\"invalid\"}") >= before + 2);
        assertThat(metric("reacher_bulk_queue_depth")).isGreaterThanOrEqualTo(0);
        assertThat(metric("reacher_bulk_worker_in_flight")).isGreaterThanOrEqualTo(0);
        assertThat(metric("reacher_bulk_retries_total")).isGreaterThanOrEqualTo(0);
    }

    private static double metric(String series) {
        String scrape = t.get("/metrics").body();
        return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).strip()))
                .orElseThrow(() -> new AssertionError(series + " not in /metrics"));
    }

    @Test
    void bulkEndpointsRequireTheSecretWhenOneIsConfigured() {
        assertThat(t.post("/v1/bulk", "{\"input\":[\"a@b.c\"]}").body()).isEqualTo("Missing request header \"x-reacher-secret\"");
        assertThat(t.get("/v1/bulk/1").status()).isEqualTo(400); // upstream leaves these public: they hold the addresses
        assertThat(t.get("/v1/bulk/1/results", "x-reacher-secret", "wrong").body())
                .isEqualTo("Invalid request header \"x-reacher-secret\"");
    }

    @Test
    void checkEmailResultsAreStoredWithExtraAndReadinessCoversStorage() throws Exception {
        Response r = t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}", "x-reacher-secret", SECRET);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("is_reachable").asText()).isEqualTo("safe");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery(
                        "SELECT result, extra, payload FROM v1_task_result WHERE job_id IS NULL ORDER BY id DESC LIMIT 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("result")).isEqualTo(r.body());
            assertThat(rs.getString("extra")).isEqualTo("{\"tenant\":\"acme\"}");
            assertThat(rs.getString("payload")).contains("\"to_email\":\"alice@example.test\"").contains("single_shot");
        }
        Response ready = t.get("/readyz");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("checks").toString()).contains("\"storage\":\"ok\"").contains("\"queue\":\"ok\"");
    }

    @Test
    void aLargeJobIsAcceptedAsOneRequest() throws Exception {
        // 20,000 addresses in one body (~600 KB), streamed through the parser; a server of its own so
        // that its queue does not delay the other tests' jobs.
        StringBuilder body = new StringBuilder("{\"input\":[");
        for (int i = 0; i < 20_000; i++) {
            body.append(i == 0 ? "" : ",").append("\"big").append(i).append("@nowhere.invalid\"");
        }
        body.append("]}");
        try (TestServer big = TestServer.start("", Map.of())) {
            Response r = big.post("/v1/bulk", body.toString());
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            long id = r.json().get("job_id").asLong();
            assertThat(big.get("/v1/bulk/" + id).json().get("total_records").asInt()).isEqualTo(20_000);
        }
    }
}

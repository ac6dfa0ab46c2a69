package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.reacher.server.ReacherWorker;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.config.ConfigLoader;
import dev.reacher.server.testing.Services;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scale-out configured the way docs/scaling.md tells operators to, with environment variables only,
 * against the real PostgreSQL and RabbitMQ on 127.0.0.1: an API node that only publishes
 * ({@code RCH__WORKER__CONSUME=false}) and a separate {@link ReacherWorker} (what {@code reacher
 * worker} runs) with the same settings.
 */
class WorkerModeEndpointTest {
    private static String schema;
    private static TestServer api;
    private static dev.reacher.server.LogCapture logs;

    private static Map<String, String> scaleOutEnv(String queue) {
        return Map.of(
                "RCH__WORKER__ENABLE", "true",
                "RCH__WORKER__RABBITMQ__URL", Services.RABBITMQ_URL,
                "RCH__WORKER__RABBITMQ__QUEUE", queue,
                "RCH__WORKER__RABBITMQ__CONCURRENCY", "16",
                "RCH__WORKER__CONSUME", "false",
                "RCH__WORKER__RPC_TIMEOUT_SECS", "3",
                "RCH__STORAGE__POSTGRES__DB_URL", Services.POSTGRES_URL,
                "RCH__STORAGE__POSTGRES__SCHEMA", schema,
                "RCH__STORAGE__POSTGRES__EXTRA", "{\"node\":\"api\"}",
                "RCH__WORKER__HTTP_PORT", "0"); // the worker's probes and metrics (the API node ignores it)
    }

    @BeforeAll
    static void start() {
        Services.requirePostgres();
        Services.requireRabbitmq();
        schema = Services.freshSchema("http_scale");
        logs = new dev.reacher.server.LogCapture();
        api = TestServer.start("", scaleOutEnv(Services.freshQueue("check_email.http")));
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
        logs.close();
        // Everything the API node and the worker logged: the broker's password and the database URL never appear.
        assertThat(logs.all()).contains("bulk: storage PostgreSQL").doesNotContain("guest:guest")
                .doesNotContain(Services.POSTGRES_URL);
        Services.dropSchema(schema);
    }

    /** A worker with the API node's configuration (same fixtures, broker, database). */
    private static ReacherWorker worker() {
        return ReacherWorker.start(api.server.config());
    }

    @Test
    void singleShotAndBulkGoThroughTheQueueToAWorkerProcess() throws Exception {
        // Nobody consumes yet: the single-shot RPC gives up after rpc_timeout_secs with 504.
        Response lonely = api.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}");
        assertThat(lonely.status()).isEqualTo(504);
        assertThat(lonely.json().get("error").asText()).isEqualTo("Failed to get a reply from the worker within 3 s.");

        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            emails.add(i % 2 == 0 ? "alice@example.test" : "ghost" + i + "@example.test");
        }
        StringBuilder body = new StringBuilder("{\"input\":[");
        for (int i = 0; i < emails.size(); i++) {
            body.append(i == 0 ? "" : ",").append('"').append(emails.get(i)).append('"');
        }
        Response created = api.post("/v1/bulk", body.append("]}").toString());
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        long id = created.json().get("job_id").asLong();
        assertThat(api.get("/v1/bulk/" + id).json().get("total_processed").asInt()).isZero();

        try (ReacherWorker worker = worker()) {
            await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                    .until(() -> api.get("/v1/bulk/" + id).json().get("job_status").asText().equals("Completed"));
            var summary = api.get("/v1/bulk/" + id).json().get("summary");
            assertThat(summary.get("total_safe").asInt()).isEqualTo(100);
            assertThat(summary.get("total_invalid").asInt()).isEqualTo(100);
            var results = api.get("/v1/bulk/" + id + "/results?limit=1000").json().get("results");
            assertThat(results).hasSize(200);
            for (int i = 0; i < 200; i++) {
                assertThat(results.get(i).get("input").asText()).isEqualTo(emails.get(i));
            }

            Response rpc = api.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}");
            assertThat(rpc.status()).as(rpc.body()).isEqualTo(200);
            assertThat(rpc.json().get("is_reachable").asText()).isEqualTo("safe");
            assertThat(rpc.body()).startsWith("{\"input\":\"alice@example.test\",\"is_reachable\":\"safe\"");
            // Stored once by the worker, with the extra of the worker's configuration, no job.
            assertThat(Services.queryLong(schema, "SELECT COUNT(*) FROM v1_task_result WHERE job_id IS NULL "
                    + "AND result->>'is_reachable' = 'safe' AND extra->>'node' = 'api'")).isEqualTo(1);
            assertThat(worker.processed()).isGreaterThanOrEqualTo(201);

            // The worker has no API, but probes and metrics on worker.http_port.
            var http = java.net.http.HttpClient.newHttpClient();
            var base = java.net.URI.create("http://127.0.0.1:" + worker.httpPort());
            var healthz = http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/healthz")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(healthz.statusCode()).isEqualTo(200);
            var readyz = http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/readyz")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(readyz.statusCode()).isEqualTo(200);
            assertThat(readyz.body()).contains("\"storage\":\"ok\"").contains("\"queue\":\"ok\"");
            String scrape = http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(scrape).contains("reacher_bulk_results_total{is_reachable=\"safe\"} 101.0")
                    .contains("reacher_bulk_results_total{is_reachable=\"invalid\"} 100.0")
                    .contains("reacher_bulk_queue_depth");
        }
        Response ready = api.get("/readyz");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("checks").toString()).contains("\"storage\":\"ok\"").contains("\"queue\":\"ok\"");
    }

    @Test
    void aWorkerRefusesToStartWithoutWorkerMode() {
        BackendConfig single = ConfigLoader.fromToml("", Map.of("RCH__STORAGE__SQLITE__ENABLE", "false"));
        assertThatThrownBy(() -> ReacherWorker.start(single))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RCH__WORKER__ENABLE").hasMessageContaining("RCH__STORAGE__POSTGRES__DB_URL");
    }

    @Test
    void anUnreachableDatabaseStopsStartupWithAClearMessage() {
        BackendConfig bad = ConfigLoader.fromToml("", Map.of("RCH__WORKER__ENABLE", "true",
                "RCH__WORKER__RABBITMQ__URL", Services.RABBITMQ_URL,
                "RCH__STORAGE__POSTGRES__DB_URL", "postgres://postgres@127.0.0.1:1/none"));
        assertThatThrownBy(() -> ReacherWorker.start(bad))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot open bulk storage and queue (PostgreSQL, RabbitMQ): ");
    }
}

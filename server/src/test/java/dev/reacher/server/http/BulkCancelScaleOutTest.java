package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.ReacherWorker;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import dev.reacher.server.testing.Services;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code DELETE /v1/bulk/{id}} in scale-out mode, against the real RabbitMQ and PostgreSQL on
 * 127.0.0.1: the API node only publishes, a separate {@link ReacherWorker} verifies. The cancel is
 * made on the API node and must reach the worker through the database: the addresses still in the
 * broker are dropped without a verification, the stored results stay, and the queue drains.
 */
class BulkCancelScaleOutTest {
    private static final int ADDRESSES = 60;
    private static String schema;
    private static String queue;
    private static TestServer api;

    @BeforeAll
    static void start() {
        Services.requirePostgres();
        Services.requireRabbitmq();
        schema = Services.freshSchema("bulk_cancel");
        queue = Services.freshQueue("check_email.cancel");
        api = TestServer.start("", Map.of(
                "RCH__WORKER__ENABLE", "true",
                "RCH__WORKER__RABBITMQ__URL", Services.RABBITMQ_URL,
                "RCH__WORKER__RABBITMQ__QUEUE", queue,
                "RCH__WORKER__RABBITMQ__CONCURRENCY", "2",
                "RCH__WORKER__CONSUME", "false",
                "RCH__STORAGE__POSTGRES__DB_URL", Services.POSTGRES_URL,
                "RCH__STORAGE__POSTGRES__SCHEMA", schema));
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
        Services.deleteQueues(queue);
        Services.dropSchema(schema);
    }

    private static Response delete(String path) {
        return api.send(api.request(path).DELETE().build());
    }

    private static JsonNode progress(long id) {
        return api.get("/v1/bulk/" + id).json();
    }

    private static long messages(String name) throws Exception {
        com.rabbitmq.client.ConnectionFactory f = new com.rabbitmq.client.ConnectionFactory();
        f.setUri(Services.RABBITMQ_URL);
        try (var conn = f.newConnection(); var ch = conn.createChannel()) {
            return ch.messageCount(name);
        }
    }

    @Test
    void cancelOnTheApiNodeStopsTheWorkerDropsQueuedAddressesAndKeepsStoredResults() throws Exception {
        StringBuilder body = new StringBuilder("{\"input\":[");
        for (int i = 0; i < ADDRESSES; i++) {
            String email = "cancel" + i + "@example.test";
            api.smtp.onRcpt(email, Reply.delayed(Duration.ofMillis(300), Reply.lines("250 2.1.5 OK")));
            body.append(i == 0 ? "" : ",").append('"').append(email).append('"');
        }
        Response created = api.post("/v1/bulk", body.append("]}").toString());
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        long id = created.json().get("job_id").asLong();

        try (ReacherWorker worker = ReacherWorker.start(api.server.config())) {
            await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
                    .until(() -> progress(id).get("total_processed").asInt() >= 3);

            Response cancelled = delete("/v1/bulk/" + id);
            assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
            assertThat(cancelled.json().get("job_status").asText()).isEqualTo("Cancelled");
            assertThat(cancelled.json().get("finished_at").isNull()).isFalse();

            // The worker learns of the cancel through the database and drops the rest: the queue drains
            // long before 60 addresses × 300 ms / 2 could have been verified.
            await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200)).until(() -> messages(queue) == 0);
            int[] last = {-1};
            await().atMost(20, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(1200)).until(() -> {
                int now = progress(id).get("total_processed").asInt();
                boolean settled = now == last[0];
                last[0] = now;
                return settled; // unchanged over 1.2 s, four times what an address takes: nothing in flight
            });
            JsonNode after = progress(id);
            assertThat(after.get("job_status").asText()).isEqualTo("Cancelled");
            int processed = after.get("total_processed").asInt();
            assertThat(processed).isBetween(3, ADDRESSES / 2);
            long seen = api.smtp.recipients().stream().filter(r -> r.contains("<cancel")).count();
            assertThat(seen).isLessThan(ADDRESSES / 2);

            Response results = api.get("/v1/bulk/" + id + "/results?limit=100");
            assertThat(results.status()).as(results.body()).isEqualTo(200);
            assertThat(results.json().get("results")).hasSize(processed);
            assertThat(Services.queryLong(schema, "SELECT COUNT(*) FROM v1_task_result WHERE job_id = " + id))
                    .isEqualTo(processed);
            // Nothing of the cancelled job went to the dead-letter queue: dropped is not failed.
            assertThat(messages(queue + ".dead")).isZero();
        }
        assertThat(delete("/v1/bulk/" + id).json().get("job_status").asText()).isEqualTo("Cancelled");
        assertThat(delete("/v1/bulk/4242424").status()).isEqualTo(404);
    }
}

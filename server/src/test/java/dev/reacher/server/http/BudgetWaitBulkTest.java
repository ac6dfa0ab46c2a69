package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import dev.reacher.server.testing.Services;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer.Session;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A bulk job larger than its only proxy's budget ({@code max_requests_per_minute = 12}, one request
 * every 5 s once the first 12 are spent, longer than a verification's 3 s SMTP deadline) waits for
 * the budget instead of storing {@code unknown}: the progress endpoint shows items waiting while
 * the job is paused, the job completes by itself, every address reaches the SMTP server exactly
 * once and no result is {@code unknown}. Embedded mode (SQLite queue) and scale-out mode (RabbitMQ
 * delay queues, PostgreSQL), each through a real microsocks.
 */
class BudgetWaitBulkTest {
    private static final int PER_MINUTE = 12;
    private static final int JOB_SIZE = PER_MINUTE + 3;

    private static Map<String, String> poolEnv(Microsocks proxy) {
        Map<String, String> env = new HashMap<>();
        env.put("RCH__PROXY_POOL__ENABLED", "true");
        env.put("RCH__DNS__PROXY_DNS", "local");
        env.put("RCH__SMTP_TIMEOUT", "3");
        env.put("RCH__OVERRIDES__PROXIES__P1__HOST", proxy.host());
        env.put("RCH__OVERRIDES__PROXIES__P1__PORT", Integer.toString(proxy.port()));
        env.put("RCH__OVERRIDES__PROXIES__P1__MAX_REQUESTS_PER_MINUTE", Integer.toString(PER_MINUTE));
        return env;
    }

    @Test
    void embeddedQueueWaitsForBudgetInsteadOfStoringUnknown() throws Exception {
        try (Microsocks proxy = Microsocks.builder().bindAddress("127.0.0.41").start();
                TestServer t = TestServer.start("", poolEnv(proxy))) {
            runJobOverBudget(t);
        }
    }

    @Test
    void rabbitmqDelayQueuesWaitForBudgetInsteadOfStoringUnknown() throws Exception {
        Services.requirePostgres();
        Services.requireRabbitmq();
        String schema = Services.freshSchema("budget_wait");
        String queue = Services.freshQueue("check_email.budget");
        try (Microsocks proxy = Microsocks.builder().bindAddress("127.0.0.42").start()) {
            Map<String, String> env = poolEnv(proxy);
            env.put("RCH__WORKER__ENABLE", "true");
            env.put("RCH__WORKER__RABBITMQ__URL", Services.RABBITMQ_URL);
            env.put("RCH__WORKER__RABBITMQ__QUEUE", queue);
            env.put("RCH__WORKER__RABBITMQ__CONCURRENCY", "8");
            env.put("RCH__STORAGE__POSTGRES__DB_URL", Services.POSTGRES_URL);
            env.put("RCH__STORAGE__POSTGRES__SCHEMA", schema);
            try (TestServer t = TestServer.start("", env)) {
                runJobOverBudget(t);
            }
        } finally {
            Services.dropSchema(schema);
            Services.deleteQueues(queue);
        }
    }

    private static void runJobOverBudget(TestServer t) {
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < JOB_SIZE; i++) {
            emails.add("user" + i + "@example.test"); // the fixture answers 550 user unknown: invalid
        }
        StringBuilder body = new StringBuilder("{\"input\":[");
        for (int i = 0; i < emails.size(); i++) {
            body.append(i == 0 ? "" : ",").append('"').append(emails.get(i)).append('"');
        }
        Response created = t.post("/v1/bulk", body.append("]}").toString());
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        long id = created.json().get("job_id").asLong();

        // While the budget is spent the job pauses and says so, on its own page and in the list of jobs.
        List<JsonNode> paused = new ArrayList<>();
        List<JsonNode> listedPaused = new ArrayList<>();
        await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode p = t.get("/v1/bulk/" + id).json();
            if (p.get("waiting_for_budget").asInt() > 0 && !p.get("budget_returns_at").isNull()) {
                paused.add(p);
                JsonNode listed = t.get("/v1/bulk").json().get("jobs").get(0);
                assertThat(listed.get("job_id").asLong()).isEqualTo(id);
                if (listed.get("waiting_for_budget").asInt() > 0 && !listed.get("budget_returns_at").isNull()) {
                    listedPaused.add(listed);
                }
            }
            return p.get("job_status").asText().equals("Completed");
        });
        assertThat(paused).as("progress seen while waiting for budget").isNotEmpty();
        assertThat(listedPaused).as("GET /v1/bulk shows the budget wait as GET /v1/bulk/{id} does").isNotEmpty();
        assertThat(listedPaused.get(0).get("waiting_for_budget").asInt()).isBetween(1, JOB_SIZE - PER_MINUTE);
        JsonNode sample = paused.get(0);
        assertThat(sample.get("job_status").asText()).isEqualTo("Running");
        assertThat(sample.get("total_processed").asInt()).isLessThan(JOB_SIZE);
        assertThat(sample.get("waiting_for_budget").asInt()).isBetween(1, JOB_SIZE - PER_MINUTE);
        assertThat(Instant.parse(sample.get("budget_returns_at").asText())).isBefore(Instant.now().plusSeconds(60));

        JsonNode done = t.get("/v1/bulk/" + id).json();
        assertThat(done.get("total_processed").asInt()).isEqualTo(JOB_SIZE);
        assertThat(done.at("/summary/total_invalid").asInt()).isEqualTo(JOB_SIZE);
        assertThat(done.at("/summary/total_unknown").asInt()).isZero();
        assertThat(done.get("waiting_for_budget").asInt()).isZero();
        assertThat(done.get("budget_returns_at").isNull()).isTrue();
        JsonNode doneListed = t.get("/v1/bulk").json().get("jobs").get(0);
        assertThat(doneListed.get("waiting_for_budget").asInt()).isZero();
        assertThat(doneListed.get("budget_returns_at").isNull()).isTrue();

        // Every address reached the SMTP server exactly once (nothing was tried and thrown away).
        Map<String, Integer> rcpts = new TreeMap<>();
        for (Session s : t.smtp.sessions()) {
            s.commands().stream().filter(c -> c.startsWith("RCPT TO:<user"))
                    .forEach(c -> rcpts.merge(c.substring("RCPT TO:<".length(), c.length() - 1), 1, Integer::sum));
        }
        Map<String, Integer> once = new TreeMap<>();
        emails.forEach(e -> once.put(e, 1));
        assertThat(rcpts).isEqualTo(once);
    }
}

package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.testing.ChildJvm;
import dev.reacher.server.testing.MailFixture;
import dev.reacher.server.testing.ServerProcess;
import dev.reacher.testkit.LoopbackPorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's server ({@code ./reacher serve}: embedded database and queue, nothing to set up) is
 * killed with SIGKILL in the middle of a bulk job and started again on the same database file: the
 * job resumes by itself and completes with exactly one result per address, visible over HTTP.
 */
class ServerRestartTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aKilledServerResumesItsJobAfterRestart() throws Exception {
        int n = 400;
        try (MailFixture mail = MailFixture.start()) {
            List<String> emails = mail.addresses("serve", n, Duration.ofMillis(30));
            Path db = Files.createTempDirectory("serve-restart").resolve("reacher.db");
            int port = LoopbackPorts.freePort();
            Map<String, String> env = Map.of("RCH__HTTP_PORT", Integer.toString(port),
                    "RCH__STORAGE__SQLITE__PATH", db.toString(), "RCH__DNS__SERVERS", mail.dns.address(),
                    "RCH__SMTP_PORT", Integer.toString(mail.smtp.port()), "RCH__SMTP_TIMEOUT", "5",
                    "RCH__WORKER__RABBITMQ__CONCURRENCY", "8");
            URI base = URI.create("http://127.0.0.1:" + port);

            long job;
            try (ChildJvm first = ChildJvm.start("serve-first", "listening", env, ServerProcess.class)) {
                first.awaitReady(Duration.ofSeconds(60));
                StringBuilder body = new StringBuilder("{\"input\":[");
                for (int i = 0; i < n; i++) {
                    body.append(i == 0 ? "" : ",").append('"').append(emails.get(i)).append('"');
                }
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(base.resolve("/v1/bulk"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.append("]}").toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
                job = ReacherJson.mapper().readTree(created.body()).get("job_id").asLong();
                awaitProcessed(base, job, n / 4, Duration.ofSeconds(60));
                first.kill(); // SIGKILL mid-job
            }
            try (ChildJvm second = ChildJvm.start("serve-second", "listening", env, ServerProcess.class)) {
                second.awaitReady(Duration.ofSeconds(60));
                JsonNode done = awaitProcessed(base, job, n, Duration.ofSeconds(120));
                assertThat(done.get("job_status").asText()).isEqualTo("Completed");
                assertThat(done.get("summary").get("total_invalid").asInt()).isEqualTo(n / 3);
                assertThat(done.get("summary").get("total_safe").asInt()).isEqualTo(n - n / 3);

                String csv = http.send(HttpRequest.newBuilder(base.resolve("/v1/bulk/" + job + "/results?format=csv")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                List<String> rows = csv.lines().skip(1).toList();
                assertThat(rows).hasSize(n);
                for (int i = 0; i < n; i++) {
                    assertThat(rows.get(i)).startsWith(emails.get(i) + ",");
                }
                assertThat(new HashSet<>(rows.stream().map(r -> r.substring(0, r.indexOf(','))).toList())).hasSize(n);
            }
        }
    }

    private JsonNode awaitProcessed(URI base, long job, int atLeast, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode p = ReacherJson.mapper().readTree(http.send(HttpRequest.newBuilder(base.resolve("/v1/bulk/" + job)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (p.get("total_processed").asInt() >= atLeast) {
                return p;
            }
            assertThat(System.nanoTime()).as("progress " + p).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}

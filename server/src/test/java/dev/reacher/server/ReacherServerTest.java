package dev.reacher.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.server.TestServer.Response;
import dev.reacher.server.config.ConfigLoader;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Lifecycle: graceful stop (in-flight verifications finish, within a bound), readiness, bind errors. */
class ReacherServerTest {

    @Test
    void stopLetsAVerificationInFlightFinish() throws Exception {
        try (TestServer t = TestServer.start("", Map.of(),
                smtp -> smtp.onRcpt("sloth@example.test", Reply.delayed(Duration.ofMillis(1500), Reply.lines("250 2.1.5 OK"))))) {
            CompletableFuture<Response> inFlight = CompletableFuture.supplyAsync(
                    () -> t.post("/v1/check_email", "{\"to_email\":\"sloth@example.test\"}"),
                    r -> Thread.ofVirtual().start(r));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!t.smtp.recipients().contains("sloth@example.test")) {
                assertThat(System.nanoTime()).as("the verification reached RCPT").isLessThan(deadline);
                Thread.sleep(10);
            }
            assertThat(t.server.isReady()).isTrue();
            long start = System.nanoTime();
            t.server.stop();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(t.server.isReady()).isFalse();

            Response r = inFlight.get(5, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("is_reachable").asText()).isEqualTo("safe");
            assertThat(took).isLessThan(Duration.ofSeconds(5));
            // New connections are refused once stopped.
            assertThatThrownBy(() -> t.get("/healthz")).isInstanceOf(UncheckedIOException.class);
            t.server.awaitStop(); // returns at once: already stopped
        }
    }

    @Test
    void stopIsBoundedByShutdownTimeout() throws Exception {
        // smtp_timeout 30 s would keep the verification going; shutdown_timeout 1 s caps the wait.
        try (TestServer t = TestServer.start("", Map.of("RCH__SMTP_TIMEOUT", "30", "RCH__SHUTDOWN_TIMEOUT", "1"))) {
            CompletableFuture<Response> inFlight = CompletableFuture.supplyAsync(() -> {
                try {
                    return t.post("/v0/check_email", "{\"to_email\":\"slow@example.test\"}");
                } catch (UncheckedIOException e) {
                    return null; // the connection is closed when the grace period ends
                }
            }, r -> Thread.ofVirtual().start(r));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!t.smtp.recipients().contains("slow@example.test")) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(10);
            }
            long start = System.nanoTime();
            t.server.stop();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            Response r = inFlight.get(10, TimeUnit.SECONDS);
            assertThat(r == null || r.status() != 200).isTrue();
        }
    }

    @Test
    void aTakenPortFailsStartAndReleasesResources() throws Exception {
        try (TestServer t = TestServer.start("", Map.of())) {
            java.nio.file.Path db = java.nio.file.Files.createTempDirectory("taken-port").resolve("reacher.db");
            var config = ConfigLoader.fromToml("http_port = " + t.server.port(),
                    Map.of("RCH__STORAGE__SQLITE__PATH", db.toString()));
            assertThatThrownBy(() -> ReacherServer.start(config)).isInstanceOf(RuntimeException.class);
            // The database was opened before the bind failed, and closed after: another process can take it.
            try (ReacherServer again = ReacherServer.start(ConfigLoader.fromToml("http_port = 0",
                    Map.of("RCH__STORAGE__SQLITE__PATH", db.toString())))) {
                assertThat(again.bulk()).isPresent();
            }
            assertThat(t.get("/healthz").status()).isEqualTo(200);
        }
    }
}

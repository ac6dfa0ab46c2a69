package dev.reacher.cli;

import static dev.reacher.cli.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reacher serve}: a bad configuration exits 2 with one line on stderr; a real process
 * serves, and SIGTERM lets the verification in flight finish before it exits.
 */
class ServeCommandTest {

    @Test
    void badConfigFileExits2WithOneLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.toml"), "[proxy_pool]\nstrategy = \"fastest\"\n");
        Cli.Run r = run("serve", "--config", file.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("reacher: invalid configuration: proxy_pool.strategy (RCH__PROXY_POOL__STRATEGY): "
                + "expected one of round_robin, random, weighted, least_used, sticky, got \"fastest\" (from file bad.toml)"
                + System.lineSeparator());
        assertThat(r.out()).isEmpty();
    }

    @Test
    void missingConfigFileExits2(@TempDir Path dir) {
        Cli.Run r = run("serve", "--config", dir.resolve("nope.toml").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("reacher: invalid configuration: configuration file ").contains("nope.toml not found")
                .hasLineCount(1);
    }

    @Test
    void helpListsServe() {
        Cli.Run r = run("--help");
        assertThat(r.out()).contains("serve").contains("check");
        Cli.Run serveHelp = run("serve", "--help");
        assertThat(serveHelp.out()).contains("--config").contains("RCH__");
    }

    private static ProcessBuilder serveProcess(Map<String, String> env) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ReacherCommand.class.getName(), "serve");
        pb.environment().keySet().removeIf(k -> k.toUpperCase().startsWith("RCH__") || k.equals("PORT"));
        pb.environment().putAll(env);
        return pb;
    }

    @Test
    void badEnvironmentExits2WithOneLineOnStderr() throws Exception {
        Process p = serveProcess(Map.of("RCH__HTTP_HOST", "localhost")).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(err.lines().toList()).containsExactly("reacher: invalid configuration: http_host (RCH__HTTP_HOST): "
                + "expected an IP address such as 0.0.0.0, 127.0.0.1 or :: (host names such as localhost are not "
                + "accepted, as upstream), got \"localhost\" (from env RCH__HTTP_HOST)");
    }

    @Test
    void sigtermFinishesTheVerificationInFlight(@TempDir Path dir) throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                DnsFixture dns = DnsFixture.start().mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.1")) {
            smtp.onRcpt("sloth@example.test", Reply.delayed(Duration.ofMillis(1500), Reply.lines("250 2.1.5 OK")));
            int port = LoopbackPorts.freePort();
            Path log = dir.resolve("serve.log");
            Process p = serveProcess(Map.of("PORT", Integer.toString(port), "RCH__DNS__SERVERS", dns.address(),
                    "RCH__SMTP_PORT", Integer.toString(smtp.port()), "RCH__SMTP_TIMEOUT", "10",
                    "RCH__HELLO_NAME", "probe.test", "RCH__BACKEND_NAME", "serve-test",
                    "RCH__STORAGE__SQLITE__PATH", dir.resolve("reacher.db").toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                URI base = URI.create("http://127.0.0.1:" + port);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (true) {
                    try {
                        if (http.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(),
                                HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                            break;
                        }
                    } catch (java.io.IOException notYet) {
                        // still starting
                    }
                    assertThat(System.nanoTime()).as(Files.readString(log)).isLessThan(deadline);
                    Thread.sleep(100);
                }
                CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
                        HttpRequest.newBuilder(base.resolve("/v0/check_email")).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"to_email\":\"sloth@example.test\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                while (!smtp.recipients().contains("sloth@example.test")) {
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    Thread.sleep(10);
                }
                p.destroy(); // SIGTERM
                HttpResponse<String> r = inFlight.get(20, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("\"is_reachable\":\"safe\"").contains("\"backend_name\":\"serve-test\"");
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
                List<String> lines = Files.readAllLines(log);
                assertThat(lines).anyMatch(l -> l.contains("listening on http://127.0.0.1:" + port))
                        .anyMatch(l -> l.contains("POST /v0/check_email 200"))
                        .anyMatch(l -> l.contains("stopping: waiting up to 30 s"))
                        .anyMatch(l -> l.endsWith("stopped"));
            } finally {
                p.destroyForcibly();
            }
        }
    }
}

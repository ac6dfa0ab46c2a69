package dev.reacher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live reload of a real {@code reacher serve} process through real microsocks proxies: proxy list
 * edits apply within 2 s, SIGHUP re-reads the configuration file, unchanged members keep their
 * counters, changed credentials apply, and a bad reload changes nothing. And the same triggers in a
 * real {@code reacher worker} process (RabbitMQ and PostgreSQL on loopback).
 */
class ProxyReloadTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private URI base;
    private Path log;

    @Test
    void listEditsAndSighupReloadTheProxiesOfARunningServer() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                DnsFixture dns = DnsFixture.start().mx("example.test", 10, "127.0.0.1");
                Microsocks a = Microsocks.builder().bindAddress("127.0.0.41").start();
                Microsocks b = Microsocks.builder().bindAddress("127.0.0.42").start();
                Microsocks c = Microsocks.builder().bindAddress("127.0.0.43").credentials("carol", "c4rol-pw").start()) {
            smtp.onRcpt("alice@example.test", Reply.lines("250 2.1.5 OK"));
            String aId = "127.0.0.1:" + a.port();
            Path list = dir.resolve("proxies.txt");
            writeAtomically(list, "# the pool\n" + aId + "\n");
            Path config = dir.resolve("backend_config.toml");
            String baseToml = """
                    http_port = %d
                    hello_name = "probe.test"
                    smtp_port = %d
                    smtp_timeout = 5
                    [dns]
                    servers = ["%s"]
                    [storage.sqlite]
                    path = "%s"
                    [proxy_pool]
                    enabled = true
                    file = "%s"
                    """.formatted(LoopbackPorts.freePort(), smtp.port(), dns.address(), dir.resolve("r.db"), list);
            Files.writeString(config, baseToml);
            base = null;
            log = dir.resolve("serve.log");
            Process p = serve(config);
            try {
                awaitLog(l -> l.contains("the configuration reloads on SIGHUP and when " + list + " changes"));
                // 1. one member; a verification goes through it
                assertThat(verify()).isEqualTo("safe");
                assertThat(ids()).containsExactly(aId);
                assertThat(proxy(aId).get("picks").asLong()).isEqualTo(1);

                // 2. a line added: b joins within 2 s; a keeps its counters
                writeAtomically(list, "# the pool\n" + aId + "\nsocks5://127.0.0.1:" + b.port() + "?id=b&weight=2\n");
                awaitIds(List.of(aId, "b"), 2_000);
                assertThat(proxy(aId).get("picks").asLong()).isEqualTo(1);
                assertThat(proxy("b").get("weight").asInt()).isEqualTo(2);

                // 3. a bad line: the reload fails, nothing changes, the failure is logged and counted
                writeAtomically(list, "socks5://127.0.0.1:" + b.port() + "?id=b\n127.0.0.1:80x:bob:l1st-secret\n");
                awaitLog(l -> l.contains("configuration reload (proxy list change) failed, nothing changed: proxy list "
                        + list + ", line 2: the port must be a number 1-65535"));
                assertThat(metric("reacher_config_reloads_total{result=\"failed\"}")).isEqualTo(1.0);
                assertThat(ids()).containsExactly(aId, "b");

                // 4. a removed: no new picks; verifications go through b
                writeAtomically(list, "socks5://127.0.0.1:" + b.port() + "?id=b\n");
                awaitIds(List.of("b"), 2_000);
                int sessions = smtp.sessions().size();
                assertThat(verify()).isEqualTo("safe");
                assertThat(smtp.peers().get(sessions).getHostAddress()).isEqualTo("127.0.0.42");

                // 5. SIGHUP re-reads the configuration file: c joins with a wrong password, b leaves
                Files.writeString(config, baseToml + """
                        [overrides.proxies.c]
                        url = "socks5://carol:wrong-pw@127.0.0.1:%d"
                        """.formatted(c.port()));
                writeAtomically(list, "");
                awaitIds(List.of("c"), 2_000); // the list change reads the configuration file too
                assertThat(verify()).isEqualTo("unknown"); // c refuses the password
                assertThat(proxy("c").get("proxy_faults").asLong()).isEqualTo(1);

                // 6. the password fixed, plus a setting that needs a restart; SIGHUP applies the first
                Files.writeString(config, "backend_name = \"renamed\"\n" + baseToml + """
                        [overrides.proxies.c]
                        url = "socks5://carol:c4rol-pw@127.0.0.1:%d"
                        """.formatted(c.port()));
                double applied = metric("reacher_config_reloads_total{result=\"applied\"}");
                new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor();
                awaitLog(l -> l.contains("configuration reloaded (SIGHUP): 1 proxies; added none, removed none, changed c"));
                assertThat(metric("reacher_config_reloads_total{result=\"applied\"}")).isEqualTo(applied + 1);
                assertThat(Files.readString(log)).contains("configuration reload (SIGHUP): backend_name changed; that"
                        + " takes a restart, so it is ignored until then");
                assertThat(proxy("c").get("proxy_faults").asLong()).isZero(); // a changed member starts afresh
                sessions = smtp.sessions().size();
                assertThat(verify()).isEqualTo("safe");
                assertThat(smtp.peers().get(sessions).getHostAddress()).isEqualTo("127.0.0.43");
                assertThat(Files.readString(log)).doesNotContain("c4rol-pw").doesNotContain("wrong-pw")
                        .doesNotContain("l1st-secret");
            } finally {
                p.destroyForcibly();
                p.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aWorkerProcessReloadsItsProxiesOnSighupAndOnListEdits() throws Exception {
        // reacher worker has no HTTP port: what it applied is read from its log.
        Path list = dir.resolve("proxies.txt");
        writeAtomically(list, "127.0.0.1:1081\n");
        Path config = dir.resolve("worker.toml");
        String suffix = Long.toString(ProcessHandle.current().pid()) + "_" + System.nanoTime() % 100_000;
        String baseToml = """
                [worker]
                enable = true
                [worker.rabbitmq]
                url = "amqp://guest:guest@127.0.0.1:5672"
                queue = "reload_test_%s"
                [storage.postgres]
                db_url = "postgres://postgres@127.0.0.1:5432/test"
                schema = "reload_test_%s"
                [proxy_pool]
                enabled = true
                file = "%s"
                """.formatted(suffix, suffix, list);
        Files.writeString(config, baseToml);
        log = dir.resolve("worker.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ReacherCommand.class.getName(), "worker", "--config", config.toString());
        pb.environment().keySet().removeIf(k -> k.toUpperCase().startsWith("RCH__"));
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitLog(l -> l.contains("the configuration reloads on SIGHUP and when " + list + " changes"), 60);

            Files.writeString(config, baseToml + """
                    [overrides.proxies.c]
                    url = "socks5://carol:c4rol-pw@127.0.0.1:1082"
                    """);
            new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor();
            awaitLog(l -> l.contains("configuration reloaded (SIGHUP): 2 proxies; added c, removed none, changed none"), 10);

            writeAtomically(list, "127.0.0.1:1081\n127.0.0.1:1083\n");
            awaitLog(l -> l.contains("configuration reloaded (proxy list change): 3 proxies; added 127.0.0.1:1083,"
                    + " removed none, changed none"), 10);

            writeAtomically(list, "127.0.0.1:1081:bob\n");
            awaitLog(l -> l.contains("configuration reload (proxy list change) failed, nothing changed: proxy list "
                    + list + ", line 1"), 10);
            assertThat(p.isAlive()).as("a bad reload leaves the worker running").isTrue();
            assertThat(Files.readString(log)).doesNotContain("c4rol-pw");
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            dropQueueAndSchema("reload_test_" + suffix);
        }
    }

    /** Leaves the shared RabbitMQ and PostgreSQL as they were. */
    private static void dropQueueAndSchema(String name) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"); java.sql.Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
        }
        com.rabbitmq.client.ConnectionFactory factory = new com.rabbitmq.client.ConnectionFactory();
        factory.setUri("amqp://guest:guest@127.0.0.1:5672");
        try (com.rabbitmq.client.Connection c = factory.newConnection(); com.rabbitmq.client.Channel ch = c.createChannel()) {
            for (String suffix : List.of("", ".dead")) {
                ch.queueDelete(name + suffix);
            }
        }
    }

    /** Writes through a temporary file and a rename, as editors and config tools do. */
    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Process serve(Path config) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ReacherCommand.class.getName(), "serve", "--config", config.toString());
        pb.environment().keySet().removeIf(k -> k.toUpperCase().startsWith("RCH__") || k.equals("PORT"));
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String toml = Files.readString(config);
        int port = Integer.parseInt(toml.substring(toml.indexOf("http_port = ") + 12, toml.indexOf('\n')).strip());
        base = URI.create("http://127.0.0.1:" + port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a busy CI machine starts slowly
        while (true) {
            try {
                if (get("/healthz").statusCode() == 200) {
                    return p;
                }
            } catch (IOException notYet) {
                // still starting
            }
            assertThat(p.isAlive()).as(Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as(Files.readString(log)).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String verify() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/check_email"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"to_email\":\"alice@example.test\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ReacherJson.mapper().readTree(r.body()).get("is_reachable").asText();
    }

    private List<String> ids() throws Exception {
        List<String> ids = new ArrayList<>();
        ReacherJson.mapper().readTree(get("/v1/proxies").body()).get("proxies").forEach(n -> ids.add(n.get("id").asText()));
        return ids;
    }

    private JsonNode proxy(String id) throws Exception {
        for (JsonNode n : ReacherJson.mapper().readTree(get("/v1/proxies").body()).get("proxies")) {
            if (n.get("id").asText().equals(id)) {
                return n;
            }
        }
        throw new AssertionError("no proxy " + id);
    }

    private double metric(String series) throws Exception {
        Map<String, Double> values = new HashMap<>();
        for (String line : get("/metrics").body().split("\n")) {
            int space = line.lastIndexOf(' ');
            if (!line.startsWith("#") && space > 0) {
                values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return values.getOrDefault(series, Double.NaN);
    }

    /**
     * Waits until the pool's ids are {@code expected}. Changes apply within 2 s (a 200 ms settle,
     * then the reload); the deadline is wider so that a loaded test machine does not fail the test,
     * and the time taken is printed.
     */
    private void awaitIds(List<String> expected, long expectedMs) throws Exception {
        long start = System.nanoTime();
        long withinMs = expectedMs * 5;
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(withinMs);
        while (!ids().equals(expected)) {
            assertThat(System.nanoTime()).as("ids %s, expected %s within %d ms; log:%n%s", ids(), expected, withinMs,
                    Files.readString(log)).isLessThan(deadline);
            Thread.sleep(20);
        }
        System.out.printf("pool ids %s after %d ms%n", expected, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    private void awaitLog(Predicate<String> line) throws Exception {
        awaitLog(line, 10);
    }

    private void awaitLog(Predicate<String> line, int withinSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(withinSeconds);
        while (Files.readAllLines(log).stream().noneMatch(line)) {
            assertThat(System.nanoTime()).as(Files.readString(log)).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}

package dev.reacher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.testkit.Dante;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reacher proxies check} against real SOCKS5 servers (microsocks, Dante), a port serving
 * HTTP, a dead port, a target port with nothing listening and a scripted SMTP server, all on loopback.
 */
class ProxiesCheckCommandTest {
    private static ScriptedSmtpServer smtp;
    private static ScriptedSmtpServer silentSmtp;
    private static Microsocks open;
    private static Microsocks locked;
    private static Dante dante;
    private static HttpServer http;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        smtp = ScriptedSmtpServer.start();
        // Gmail's shape: the EHLO reply echoes the client's address, which is the proxy's exit address.
        smtp.onEhlo(Reply.lines("250-mx.scripted.test at your service, [127.0.0.31]", "250 8BITMIME"));
        silentSmtp = ScriptedSmtpServer.start();
        silentSmtp.greeting(Reply.silent());
        open = Microsocks.builder().bindAddress("127.0.0.31").start();
        locked = Microsocks.builder().credentials("alice", "s3cret-pw").start();
        dante = Dante.builder().start();
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        http.start();
    }

    @AfterAll
    static void stop() throws Exception {
        http.stop(0);
        dante.close();
        locked.close();
        open.close();
        silentSmtp.close();
        smtp.close();
    }

    /** Writes a config with one {@code [overrides.proxies.<id>]} table per entry ("host:port[:user:pass]"). */
    private Path config(Map<String, String> proxies) throws Exception {
        StringBuilder toml = new StringBuilder("hello_name = \"doctor.test\"\n");
        proxies.forEach((id, spec) -> {
            String[] p = spec.split(":");
            toml.append("[overrides.proxies.").append(id).append("]\nhost = \"").append(p[0]).append("\"\nport = ")
                    .append(p[1]).append('\n');
            if (p.length == 4) {
                toml.append("username = \"").append(p[2]).append("\"\npassword = \"").append(p[3]).append("\"\n");
            }
        });
        Path file = dir.resolve("backend_config.toml");
        Files.writeString(file, toml);
        return file;
    }

    private static Cli.Run check(Path config, String target, String... more) {
        List<String> args = new ArrayList<>(List.of("proxies", "check", "--config", config.toString(),
                "--target", target, "--timeout", "2s", "--format", "json"));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private static Map<String, JsonNode> byId(String out) throws Exception {
        Map<String, JsonNode> lines = new LinkedHashMap<>();
        for (String line : out.strip().split("\n")) {
            JsonNode node = ReacherJson.mapper().readTree(line);
            lines.put(node.get("id").asText(), node);
        }
        return lines;
    }

    private static String smtpTarget() {
        return "127.0.0.1:" + smtp.port();
    }

    @Test
    void healthyProxiesPassEveryStepAndShowTheExitAddress() throws Exception {
        Path config = config(Map.of(
                "open", open.host() + ":" + open.port(),
                "locked", locked.host() + ":" + locked.port() + ":alice:s3cret-pw",
                "dante", dante.host() + ":" + dante.port() + ":" + Dante.USERNAME + ":" + Dante.PASSWORD));
        int sessionsBefore = smtp.sessions().size();

        Cli.Run r = check(config, smtpTarget());

        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, JsonNode> results = byId(r.out());
        assertThat(results.keySet()).containsExactly("dante", "locked", "open"); // id order
        for (JsonNode node : results.values()) {
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).containsExactly("id", "ok", "stage", "error", "latency_ms", "greeting", "exit_ip");
            assertThat(node.get("ok").asBoolean()).as(node.toString()).isTrue();
            assertThat(node.get("stage").asText()).isEqualTo("ok");
            assertThat(node.get("error").isNull()).isTrue();
            assertThat(node.get("greeting").asText()).isEqualTo("220 mx.scripted.test ESMTP scripted");
            assertThat(node.get("latency_ms").asLong()).isBetween(0L, 6000L);
        }
        assertThat(results.get("open").get("exit_ip").asText()).isEqualTo("127.0.0.31");
        // every check really reached the target and said EHLO with the configured name
        List<ScriptedSmtpServer.Session> sessions = smtp.sessions().subList(sessionsBefore, smtp.sessions().size());
        assertThat(sessions).hasSize(3).allSatisfy(s -> assertThat(s.commands()).contains("EHLO doctor.test"));
        assertThat(r.out() + r.err()).doesNotContain("s3cret-pw").doesNotContain(Dante.PASSWORD);
        assertThat(r.err()).contains("3 proxies checked against " + smtpTarget() + ": 3 ok, 0 failed");
    }

    @Test
    void eachBrokenProxySaysWhichStepFailedInPlainWords() throws Exception {
        int deadPort = LoopbackPorts.freePort();
        Path config = config(Map.of(
                "a-dead", "127.0.0.1:" + deadPort,
                "b-http", "127.0.0.1:" + http.getAddress().getPort(),
                "c-wrongpw", locked.host() + ":" + locked.port() + ":alice:not-the-s3cret",
                "d-nocreds", locked.host() + ":" + locked.port(),
                "e-ok", open.host() + ":" + open.port()));

        Cli.Run r = check(config, smtpTarget());

        assertThat(r.exit()).isEqualTo(1);
        Map<String, JsonNode> results = byId(r.out());
        assertThat(results.get("a-dead").get("stage").asText()).isEqualTo("connect");
        assertThat(results.get("a-dead").get("error").asText())
                .isEqualTo("cannot connect to the proxy: connection refused (nothing listens on 127.0.0.1:" + deadPort + ")");
        assertThat(results.get("b-http").get("stage").asText()).isEqualTo("greeting");
        assertThat(results.get("b-http").get("error").asText())
                .isEqualTo("not a SOCKS5 server (it answered like an HTTP server)");
        assertThat(results.get("c-wrongpw").get("stage").asText()).isEqualTo("auth");
        assertThat(results.get("c-wrongpw").get("error").asText()).isEqualTo("the proxy rejected the username/password");
        assertThat(results.get("d-nocreds").get("stage").asText()).isEqualTo("auth");
        assertThat(results.get("d-nocreds").get("error").asText())
                .isEqualTo("the proxy requires a username/password, and none is configured for it");
        assertThat(results.get("e-ok").get("ok").asBoolean()).isTrue();
        for (String id : List.of("a-dead", "b-http", "c-wrongpw", "d-nocreds")) {
            assertThat(results.get(id).get("ok").asBoolean()).isFalse();
            assertThat(results.get(id).get("greeting").isNull()).isTrue();
        }
        assertThat(r.out() + r.err()).doesNotContain("not-the-s3cret").doesNotContain("s3cret-pw");
        assertThat(r.err()).contains("5 proxies checked against " + smtpTarget() + ": 1 ok, 4 failed");
    }

    @Test
    void aClosedTargetPortIsATunnelFailureNamingThePort() throws Exception {
        int closedPort = LoopbackPorts.freePort();
        Path config = config(Map.of("open", open.host() + ":" + open.port(),
                "dante", dante.host() + ":" + dante.port() + ":" + Dante.USERNAME + ":" + Dante.PASSWORD));

        Cli.Run r = check(config, "127.0.0.1:" + closedPort);

        assertThat(r.exit()).isEqualTo(1);
        JsonNode micro = byId(r.out()).get("open");
        assertThat(micro.get("stage").asText()).isEqualTo("tunnel");
        assertThat(micro.get("error").asText())
                .isEqualTo("port " + closedPort + " is closed at this proxy (SOCKS reply 5: connection refused)");
        JsonNode d = byId(r.out()).get("dante");
        assertThat(d.get("stage").asText()).isEqualTo("tunnel");
        assertThat(d.get("error").asText()).contains("SOCKS reply");
    }

    @Test
    void aTargetThatNeverGreetsIsAnSmtpFailureWithinTheTimeout() throws Exception {
        Path config = config(Map.of("open", open.host() + ":" + open.port()));

        Cli.Run r = Cli.run("proxies", "check", "--config", config.toString(), "--target",
                "127.0.0.1:" + silentSmtp.port(), "--timeout", "1s", "--format", "json");

        assertThat(r.exit()).isEqualTo(1);
        JsonNode node = byId(r.out()).get("open");
        assertThat(node.get("stage").asText()).isEqualTo("smtp");
        assertThat(node.get("error").asText()).isEqualTo("no SMTP greeting within 1 s through the tunnel");
        assertThat(node.get("latency_ms").asLong()).isGreaterThanOrEqualTo(900L);
    }

    @Test
    void textOutputIsOneLinePerProxy() throws Exception {
        Path config = config(Map.of("good", open.host() + ":" + open.port(),
                "bad", locked.host() + ":" + locked.port() + ":alice:wrong-pass"));

        Cli.Run r = Cli.run("proxies", "check", "--config", config.toString(), "--target", smtpTarget());

        assertThat(r.exit()).isEqualTo(1);
        Iterator<String> lines = r.out().lines().iterator();
        assertThat(lines.next()).startsWith("FAIL  bad  " + locked.host() + ":" + locked.port()
                + "  auth: the proxy rejected the username/password  (");
        assertThat(lines.next()).startsWith("ok    good  " + open.host() + ":" + open.port() + "  ")
                .contains(" ms  exit 127.0.0.31  220 mx.scripted.test ESMTP scripted");
        assertThat(lines.hasNext()).isFalse();
        assertThat(r.out() + r.err()).doesNotContain("wrong-pass");
    }

    @Test
    void membersOfTheProxyListFileAreCheckedToo() throws Exception {
        Path list = dir.resolve("proxies.txt");
        Files.writeString(list, "# vendor export\n" + locked.host() + ":" + locked.port() + ":alice:s3cret-pw\n"
                + "socks5://" + open.host() + ":" + open.port() + "?id=named\n");
        Path config = dir.resolve("with-list.toml");
        Files.writeString(config, "[proxy_pool]\nfile = \"" + list + "\"\n");

        Cli.Run r = check(config, smtpTarget());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(byId(r.out()).keySet()).containsExactly(locked.host() + ":" + locked.port(), "named");
        assertThat(r.out() + r.err()).doesNotContain("s3cret-pw");
    }

    @Test
    void onlyTheNamedIdsAreChecked() throws Exception {
        Path config = config(Map.of("good", open.host() + ":" + open.port(),
                "dead", "127.0.0.1:" + LoopbackPorts.freePort()));

        Cli.Run r = check(config, smtpTarget(), "good");

        assertThat(r.exit()).isZero();
        assertThat(byId(r.out()).keySet()).containsExactly("good");
    }

    @Test
    void badArgumentsExitTwo() throws Exception {
        Path config = config(Map.of("good", open.host() + ":" + open.port()));
        assertThat(check(config, "no-port").exit()).isEqualTo(2);
        assertThat(check(config, "host:99999").exit()).isEqualTo(2);
        Cli.Run unknown = check(config, smtpTarget(), "nosuch");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown proxy id \"nosuch\"; the configured ones are good");
        Cli.Run none = check(config(Map.of()), smtpTarget());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("no proxy is configured");
        Files.writeString(dir.resolve("bad.toml"), "[proxy]\nhost = \"x\"\nport = 0\n");
        assertThat(check(dir.resolve("bad.toml"), smtpTarget()).exit()).isEqualTo(2);
    }
}

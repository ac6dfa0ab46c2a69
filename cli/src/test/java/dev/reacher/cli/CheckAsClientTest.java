package dev.reacher.cli;

import static dev.reacher.cli.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reacher check} as a full client: it reads {@code --config} and the {@code RCH__} variables
 * like {@code serve} and verifies through the configured pool of real SOCKS5 proxies (microsocks):
 * rotation, failover past a dead member, per-proxy identity, the server's default identity; and
 * {@code --fail-on-unknown} for scripts.
 */
class CheckAsClientTest {
    private static final String PASSWORD = "pool-s3cret";

    @TempDir
    static Path dir;
    private static DnsFixture dns;
    private static ScriptedSmtpServer smtp;
    private static Microsocks proxy1;
    private static Microsocks proxy2;
    private static int deadPort;

    @BeforeAll
    static void start() throws Exception {
        smtp = ScriptedSmtpServer.start();
        // MX as an IP literal: the proxies resolve nothing (remote DNS, as upstream)
        dns = DnsFixture.start().mx("client.test", 10, "127.0.0.1");
        proxy1 = Microsocks.builder().bindAddress("127.0.0.31").credentials("pool", PASSWORD).start();
        proxy2 = Microsocks.builder().bindAddress("127.0.0.32").start();
        deadPort = LoopbackPorts.freePort(); // nothing listens: connection refused
    }

    @AfterAll
    static void stop() throws Exception {
        proxy1.close();
        proxy2.close();
        smtp.close();
        dns.close();
    }

    private static Path addresses(String prefix, int n) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String email = prefix + i + "@client.test";
            smtp.onRcpt(email, Reply.lines("250 2.1.5 OK"));
            lines.add(email);
        }
        return Files.write(dir.resolve(prefix + ".txt"), lines);
    }

    /** EHLO names the SMTP server saw, by the peer address (the proxy's outgoing address) of sessions from {@code from}. */
    private static Map<String, Set<String>> ehloByPeer(int from) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        List<ScriptedSmtpServer.Session> sessions = smtp.sessions();
        for (ScriptedSmtpServer.Session s : sessions.subList(from, sessions.size())) {
            for (String command : s.commands()) {
                if (command.startsWith("EHLO ")) {
                    out.computeIfAbsent(s.peer().getHostAddress(), k -> new HashSet<>()).add(command.substring(5));
                }
            }
        }
        return out;
    }

    @Test
    void checkFileGoesThroughTheConfiguredPoolWithFailoverAndEachProxysIdentity() throws Exception {
        Path config = Files.writeString(dir.resolve("pool.toml"), """
                smtp_port = %d
                [dns]
                servers = ["%s"]
                [overrides.proxies.proxy1]
                host = "%s"
                port = %d
                username = "pool"
                password = "%s"
                hello_name = "mx1.client.test"
                [overrides.proxies.proxy2]
                host = "%s"
                port = %d
                [overrides.proxies.proxy3]
                host = "127.0.0.1"
                port = %d
                [proxy_pool]
                enabled = true
                strategy = "round_robin"
                """.formatted(smtp.port(), dns.address(), proxy1.host(), proxy1.port(), PASSWORD, proxy2.host(), proxy2.port(),
                        deadPort));
        Path file = addresses("pool", 12);
        int before = smtp.sessions().size();

        Cli.Run r = run("check", "--config", config.toString(), "--file", file.toString(), "--concurrency", "3",
                "--fail-on-unknown");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out() + r.err()).doesNotContain(PASSWORD);
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(12);
        Set<String> proxiesShown = new HashSet<>();
        for (String line : lines) {
            JsonNode json = ReacherJson.mapper().readTree(line);
            assertThat(json.get("is_reachable").asText()).as(line).isEqualTo("safe"); // proxy3 failed over
            proxiesShown.add(json.at("/debug/smtp/verif_method/verif_method/proxy").asText());
        }
        // rotation over the two live members; each proxy's hello_name, else the server's default (localhost)
        Map<String, Set<String>> ehlo = ehloByPeer(before);
        assertThat(ehlo).containsOnlyKeys("127.0.0.31", "127.0.0.32");
        assertThat(ehlo.get("127.0.0.31")).containsExactly("mx1.client.test");
        assertThat(ehlo.get("127.0.0.32")).containsExactly("localhost");
        assertThat(proxiesShown).isNotEmpty();
    }

    @Test
    void rchVariablesConfigureCheckAsTheyConfigureServe() throws Exception {
        Path file = addresses("env", 4);
        int before = smtp.sessions().size();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("RCH__SMTP_PORT", Integer.toString(smtp.port()));
        env.put("RCH__DNS__SERVERS", dns.address());
        env.put("RCH__HELLO_NAME", "env.client.test");
        env.put("RCH__OVERRIDES__PROXIES__PROXY1__HOST", proxy1.host());
        env.put("RCH__OVERRIDES__PROXIES__PROXY1__PORT", Integer.toString(proxy1.port()));
        env.put("RCH__OVERRIDES__PROXIES__PROXY1__USERNAME", "pool");
        env.put("RCH__OVERRIDES__PROXIES__PROXY1__PASSWORD", PASSWORD);
        env.put("RCH__PROXY_POOL__ENABLED", "true");
        Pty.Result r = Pty.pipes(Pty.reacher(List.of("check", "--file", file.toString())), env, dir);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines()).hasSize(4).allMatch(l -> l.contains("\"is_reachable\":\"safe\""));
        assertThat(ehloByPeer(before)).containsOnlyKeys("127.0.0.31");
        assertThat(ehloByPeer(before).get("127.0.0.31")).containsExactly("env.client.test");
        assertThat(r.out() + r.err()).doesNotContain(PASSWORD);
    }

    @Test
    void withoutIdentityFlagsCheckPresentsTheServersDefaultsAndFlagsWin() throws Exception {
        smtp.onRcpt("who@client.test", Reply.lines("250 2.1.5 OK"));
        List<String> base = List.of("check", "--dns-servers", dns.address(), "--smtp-port", Integer.toString(smtp.port()),
                "who@client.test");
        int before = smtp.sessions().size();
        assertThat(run(base.toArray(String[]::new)).exit()).isZero();
        assertThat(ehloByPeer(before).values()).containsExactly(Set.of("localhost")); // serve's hello_name
        assertThat(smtp.sessions().getLast().commands()).contains("MAIL FROM:<hello@localhost>");

        List<String> flagged = new ArrayList<>(base);
        flagged.addAll(List.of("--hello-name", "flag.client.test", "--from-email", "me@flag.client.test"));
        before = smtp.sessions().size();
        assertThat(run(flagged.toArray(String[]::new)).exit()).isZero();
        assertThat(ehloByPeer(before).values()).containsExactly(Set.of("flag.client.test"));
        assertThat(smtp.sessions().getLast().commands()).contains("MAIL FROM:<me@flag.client.test>");
    }

    @Test
    void failOnUnknownTellsScriptsThatSomeResultIsAnError() throws Exception {
        Path file = addresses("dead", 3);
        List<String> args = new ArrayList<>(List.of("check", "--dns-servers", dns.address(), "--smtp-port",
                Integer.toString(smtp.port()), "--proxy-host", "127.0.0.1", "--proxy-port", Integer.toString(deadPort),
                "--file", file.toString()));
        Cli.Run lenient = run(args.toArray(String[]::new));
        assertThat(lenient.exit()).isZero(); // the default: results are the output, whatever they say
        assertThat(lenient.out().lines()).hasSize(3).allMatch(l -> l.contains("\"is_reachable\":\"unknown\""));

        args.add("--fail-on-unknown");
        Cli.Run strict = run(args.toArray(String[]::new));
        assertThat(strict.exit()).isEqualTo(1);
        assertThat(strict.out().lines()).hasSize(3); // every result is still printed
        assertThat(strict.err()).isEqualTo("reacher: 3 of 3 results are unknown (first: dead0@client.test; its error is"
                + " in the result); exit 1 (--fail-on-unknown)" + System.lineSeparator());
    }

    @Test
    void rchLogLevelDebugPrintsDebugLinesOnStderrAndNothingOnStdoutButResults() throws Exception {
        smtp.onRcpt("debug@client.test", Reply.lines("250 2.1.5 OK"));
        String command = Pty.reacher(List.of("check", "--dns-servers", dns.address(), "--smtp-port",
                Integer.toString(smtp.port()), "--format", "csv", "debug@client.test"));
        Pty.Result quiet = Pty.pipes(command, Map.of(), dir);
        Pty.Result debug = Pty.pipes(command, Map.of("RCH_LOG_LEVEL", "debug"), dir);
        assertThat(quiet.err()).doesNotContain("DEBUG");
        assertThat(debug.err()).contains("DEBUG").contains("DNS MX client.test. via " + dns.address())
                .containsPattern("DEBUG .* SMTP 127\\.0\\.0\\.1\\. port " + smtp.port() + " via direct: answered in \\d+ ms");
        assertThat(debug.out()).isEqualTo(quiet.out()).hasLineCount(2);
    }

    @Test
    void aBadConfigurationStopsCheckWithOneLineNamingTheKey() throws Exception {
        Path config = Files.writeString(dir.resolve("bad.toml"), "smtp_port = \"twenty-five\"\n");
        Cli.Run r = run("check", "--config", config.toString(), "a@client.test");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("reacher: invalid configuration: ").contains("smtp_port").hasLineCount(1);
    }
}

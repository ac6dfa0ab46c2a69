package dev.reacher.cli;

import static dev.reacher.cli.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.results.ResultCsv;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against loopback fixtures, through a real SOCKS5 proxy. */
class CheckCommandTest {
    private static DnsFixture dns;
    private static ScriptedSmtpServer smtp;
    private static Microsocks proxy;

    @BeforeAll
    static void start() throws Exception {
        smtp = ScriptedSmtpServer.start();
        smtp.onRcpt("alice@example.test", Reply.lines("250 2.1.5 OK"));
        // The MX name is an IP literal so that the proxy (remote DNS, as upstream) needs no resolver.
        dns = DnsFixture.start().mx("example.test", 10, "127.0.0.1").a("127.0.0.1", "127.0.0.1")
                .mx("local.test", 10, "mx.local.test").a("mx.local.test", "127.0.0.1")
                .mx("cached.test", 10, "127.0.0.1").mx("uncached.test", 10, "127.0.0.1")
                .mx("ymail.test", 10, "mta5.am0.yahoodns.net").a("mta5.am0.yahoodns.net", "127.0.0.1");
        smtp.onRcpt("alice@ymail.test", Reply.lines("250 2.1.5 OK"));
        proxy = Microsocks.builder().bindAddress("127.0.0.21").credentials("alice", "s3cret").start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        smtp.close();
        dns.close();
    }

    private static List<String> common(String... more) {
        List<String> args = new ArrayList<>(List.of("check", "--dns-servers", dns.address(),
                "--smtp-port", String.valueOf(smtp.port()), "--smtp-timeout", "3", "--hello-name", "probe.test",
                "--from-email", "probe@client.test"));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void verifiesThroughARealSocksProxyWithUpstreamJsonShape() throws Exception {
        int sessionsBefore = smtp.sessions().size();
        Cli.Run r = run(common("--proxy-host", proxy.host(), "--proxy-port", String.valueOf(proxy.port()),
                "--proxy-username", "alice", "--proxy-password", "s3cret", "alice@example.test").toArray(String[]::new));
        assertThat(r.exit()).isZero();
        JsonNode json = ReacherJson.mapper().readTree(r.out());
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("input", "is_reachable", "misc", "mx", "smtp", "syntax", "debug");
        assertThat(json.get("is_reachable").asText()).isEqualTo("safe");
        assertThat(json.at("/debug/backend_name").asText()).isEqualTo("reacher-cli");
        assertThat(json.at("/debug/smtp/verif_method/verif_method/proxy").asText()).isEqualTo("default");
        assertThat(r.out()).startsWith("{\n  \"input\": \"alice@example.test\",\n  \"is_reachable\": \"safe\",")
                .contains("\"records\": [\n      \"127.0.0.1.\"\n    ]").doesNotContain("s3cret");
        // the SMTP server saw the proxy's outgoing address, not ours
        assertThat(smtp.peers().get(sessionsBefore).getHostAddress()).isEqualTo("127.0.0.21");
    }

    @Test
    void wrongProxyPasswordIsAClearUnknown() throws Exception {
        Cli.Run r = run(common("--proxy-host", proxy.host(), "--proxy-port", String.valueOf(proxy.port()),
                "--proxy-username", "alice", "--proxy-password", "wrong", "alice@example.test").toArray(String[]::new));
        assertThat(r.exit()).isZero();
        JsonNode json = ReacherJson.mapper().readTree(r.out());
        assertThat(json.get("is_reachable").asText()).isEqualTo("unknown");
        assertThat(json.at("/smtp/error/type").asText()).isEqualTo("Socks5");
        assertThat(json.at("/smtp/error/message").asText()).contains("Authentication rejected").doesNotContain("wrong");
    }

    @Test
    void localProxyDnsResolvesTheMxHereAndHandsTheProxyAnAddress() throws Exception {
        Cli.Run r = run(common("--proxy-host", proxy.host(), "--proxy-port", String.valueOf(proxy.port()),
                "--proxy-username", "alice", "--proxy-password", "s3cret", "--proxy-dns", "local",
                "zed@local.test").toArray(String[]::new));
        JsonNode json = ReacherJson.mapper().readTree(r.out());
        assertThat(json.get("is_reachable").asText()).isEqualTo("invalid");
        assertThat(json.at("/debug/smtp/verif_method/host").asText()).isEqualTo("mx.local.test.");
    }

    @Test
    void fileModePrintsJsonLinesInInputOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("emails.txt");
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            emails.add(i % 3 == 0 ? "alice@example.test" : "user" + i + "@example.test");
        }
        List<String> lines = new ArrayList<>(emails);
        lines.add(5, "");
        lines.add(9, "# a comment");
        Files.write(file, lines);
        Cli.Run r = run(common("--file", file.toString(), "--concurrency", "8").toArray(String[]::new));
        assertThat(r.exit()).isZero();
        List<String> out = r.out().lines().toList();
        assertThat(out).hasSize(40);
        for (int i = 0; i < 40; i++) {
            JsonNode json = ReacherJson.mapper().readTree(out.get(i));
            assertThat(json.get("input").asText()).isEqualTo(emails.get(i));
            assertThat(json.get("is_reachable").asText()).isEqualTo(i % 3 == 0 ? "safe" : "invalid");
        }
    }

    @Test
    void csvFormatHasTheServersColumnsAndOneRowPerAddressInInputOrder(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("emails.txt"), List.of("# header comment", "alice@example.test", "",
                "bob@example.test", "not-an-address", "x@nowhere.test", "alice@example.test"));
        Cli.Run r = run(common("--file", file.toString(), "--format", "csv", "--concurrency", "3").toArray(String[]::new));
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("""
                input,is_reachable,misc.is_disposable,misc.is_role_account,misc.gravatar_url,mx.accepts_mail,\
                smtp.can_connect,smtp.has_full_inbox,smtp.is_catch_all,smtp.is_deliverable,smtp.is_disabled,\
                syntax.is_valid_syntax,syntax.domain,syntax.username,error
                alice@example.test,safe,false,false,,true,true,false,false,true,false,true,example.test,alice,
                bob@example.test,invalid,false,false,,true,true,false,false,false,false,true,example.test,bob,
                not-an-address,invalid,false,false,,false,false,false,false,false,false,false,,,
                x@nowhere.test,invalid,false,false,,false,false,false,false,false,false,true,nowhere.test,x,
                alice@example.test,safe,false,false,,true,true,false,false,true,false,true,example.test,alice,
                """);
        assertThat(r.out().lines().findFirst().orElseThrow().split(",")).containsExactlyElementsOf(ResultCsv.COLUMNS);
    }

    @Test
    void csvFormatPrintsTheHeaderForAnEmptyFileAndWorksForOneAddress(@TempDir Path dir) throws Exception {
        String header = String.join(",", ResultCsv.COLUMNS) + "\n";
        Path empty = Files.write(dir.resolve("empty.txt"), List.of("# nothing here", ""));
        assertThat(run(common("--file", empty.toString(), "--format", "csv").toArray(String[]::new)).out()).isEqualTo(header);
        Cli.Run one = run(common("--format", "csv", "alice@example.test").toArray(String[]::new));
        assertThat(one.out()).isEqualTo(header
                + "alice@example.test,safe,false,false,,true,true,false,false,true,false,true,example.test,alice,\n");
        Cli.Run stdin = Cli.runWithStdin("alice@example.test\n", common("--file", "-", "--format", "CSV").toArray(String[]::new));
        assertThat(stdin.out()).isEqualTo(one.out());
        assertThat(run(common("--format", "xml", "alice@example.test").toArray(String[]::new)).exit()).isEqualTo(2);
    }

    @Test
    void fileModeAsksDnsOncePerDomainUnlessTheCacheIsOff(@TempDir Path dir) throws Exception {
        List<String> cached = new ArrayList<>();
        List<String> uncached = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            cached.add("user" + i + "@cached.test");
            uncached.add("user" + i + "@uncached.test");
        }
        Path cachedFile = Files.write(dir.resolve("cached.txt"), cached);
        Path uncachedFile = Files.write(dir.resolve("uncached.txt"), uncached);

        assertThat(run(common("--file", cachedFile.toString(), "--concurrency", "8").toArray(String[]::new)).exit()).isZero();
        // One at a time: questions asked at once share one query even with the cache off.
        assertThat(run(common("--file", uncachedFile.toString(), "--concurrency", "1", "--dns-cache-ttl", "0")
                .toArray(String[]::new)).exit()).isZero();

        assertThat(dns.queries("cached.test")).isEqualTo(1); // the default: answers reused for up to 300 s
        assertThat(dns.queries("uncached.test")).isEqualTo(20);
    }

    @Test
    void aFileThatCannotBeReadIsOneLineAndExit2(@TempDir Path dir) {
        BulkCommandArgumentsTest.assertOneLine(run("check", "--file", dir.toString()),
                "reacher: --file: " + dir + " is a directory, not a file of addresses");
        BulkCommandArgumentsTest.assertOneLine(run("check", "--file", "/nonexistent/emails.txt"),
                "reacher: --file: no such file: /nonexistent/emails.txt");
    }

    @Test
    void noAddressAndNoFileSaysWhatToGive() {
        Cli.Run r = run("check");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("nothing to check: give an address (reacher check someone@example.com) or --file FILE")
                .doesNotContain("not both");
        assertThat(run("check", "--file", "-", "a@b.c").err()).startsWith("give either <to_email> or --file, not both");
    }

    @Test
    void yahooMethodAndWebdriverAddressAreFlags() throws Exception {
        // Default for Yahoo: headless, through the WebDriver named by --webdriver-addr (none listens here).
        String nowhere = "http://127.0.0.1:" + dev.reacher.testkit.LoopbackPorts.freePort();
        Cli.Run headless = run(common("--webdriver-addr", nowhere, "alice@ymail.test").toArray(String[]::new));
        JsonNode out = ReacherJson.mapper().readTree(headless.out());
        assertThat(out.get("is_reachable").asText()).isEqualTo("unknown");
        assertThat(out.at("/smtp/error/type").asText()).isEqualTo("HeadlessError");
        assertThat(out.at("/smtp/error/message/NewSession").asText()).contains(nowhere);
        // --yahoo-verif-method smtp: the same address over SMTP.
        Cli.Run viaSmtp = run(common("--yahoo-verif-method", "smtp", "alice@ymail.test").toArray(String[]::new));
        JsonNode smtpOut = ReacherJson.mapper().readTree(viaSmtp.out());
        assertThat(smtpOut.get("is_reachable").asText()).as(viaSmtp.out()).isEqualTo("safe");
        assertThat(smtpOut.at("/debug/smtp/verif_method/type").asText()).isEqualTo("Smtp");
        Cli.Run bad = run("check", "--hotmailb2c-verif-method", "api", "a@b.c");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--hotmailb2c-verif-method must be smtp or headless, got `api`");
    }

    @Test
    void badFlagsAreUsageErrors() {
        assertThat(run("check").exit()).isEqualTo(2);
        assertThat(run("check", "--dns-servers", "not a server", "a@b.c").err()).contains("--dns-servers");
        assertThat(run("check", "--file", "/nonexistent/emails.txt").err()).contains("no such file");
        assertThat(run("check", "--smtp-port", "70000", "a@b.c").exit()).isEqualTo(2);
        Cli.Run badTtl = run("check", "--dns-cache-ttl", "-1", "a@b.c");
        assertThat(badTtl.exit()).isEqualTo(2);
        assertThat(badTtl.err()).contains("--dns-cache-ttl must be a whole number of seconds 0-86400");
    }

    @Test
    void helpListsSubcommands() {
        Cli.Run r = run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("check");
    }
}

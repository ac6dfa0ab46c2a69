package dev.reacher.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole pipeline against a scripted DNS server and a scripted SMTP server on loopback: every
 * {@code is_reachable} outcome, and upstream's exact JSON.
 */
class EmailVerifierTest {
    private static DnsFixture dns;
    private static ScriptedSmtpServer smtp;
    private static ScriptedSmtpServer catchAllSmtp;
    private static EmailVerifier verifier;

    @BeforeAll
    static void start() throws Exception {
        smtp = ScriptedSmtpServer.start();
        smtp.onRcpt("alice@example.test", Reply.lines("250 2.1.5 OK"))
                .onRcpt("info@example.test", Reply.lines("250 2.1.5 OK"))
                .onRcpt("full@example.test", Reply.lines("452 4.2.2 Mailbox full"))
                .onRcpt("gone@example.test", Reply.lines("550 5.2.1 This mailbox is disabled"))
                .onRcpt("grey@example.test", Reply.lines("450 4.7.1 Greylisted, please try again later"))
                .onRcpt("listed@example.test", Reply.lines("554 5.7.1 Client host blocked using zen.spamhaus.org"))
                .onRcpt("slow@example.test", Reply.silent())
                .onRcpt("bob@mailinator.com", Reply.lines("250 2.1.5 OK"))
                .onRcpt("alice@twomx.test", Reply.lines("250 2.1.5 OK"));
        catchAllSmtp = ScriptedSmtpServer.start(java.net.InetAddress.getByName("127.0.0.1"), 0).catchAll();

        dns = DnsFixture.start()
                .mx("example.test", 10, "mx.example.test")
                .a("mx.example.test", "127.0.0.1")
                .mx("mailinator.com", 10, "mx.example.test")
                .mx("twomx.test", 10, "down.twomx.test")
                .mx("twomx.test", 20, "mx.example.test")
                .a("down.twomx.test", "127.0.0.2")
                .nullMx("nomail.test")
                .a("nomx.test", "127.0.0.3")
                .servfail("broken.test")
                .mx("outlook.test", 10, "outlook-test.olc.protection.outlook.com")
                .a("outlook-test.olc.protection.outlook.com", "127.0.0.1");
        verifier = EmailVerifier.create(DnsServers.parse(dns.address()).withTimeout(Duration.ofMillis(500)));
    }

    @AfterAll
    static void stop() throws Exception {
        verifier.close();
        smtp.close();
        catchAllSmtp.close();
        dns.close();
    }

    private static CheckEmailInput input(String email, int port) {
        SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, port, Duration.ofSeconds(2), 1);
        return CheckEmailInput.of(email).withVerifMethod(VerifMethod.sameForAll(null, config));
    }

    private static CheckEmailOutput verify(String email) {
        return verifier.verify(input(email, smtp.port()));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
        alice@example.test,   safe
        zed.unknown@example.test, invalid
        info@example.test,    risky
        info2@example.test,   invalid
        full@example.test,    risky
        gone@example.test,    invalid
        grey@example.test,    unknown
        listed@example.test,  unknown
        slow@example.test,    unknown
        bob@mailinator.com,   risky
        foo@bar,              invalid
        foo@missing.test,     invalid
        foo@nomx.test,        invalid
        foo@nomail.test,      invalid
        foo@broken.test,      unknown
        alice@twomx.test,     safe
        someone@outlook.test, unknown
        """)
    void verdicts(String email, String expected) {
        assertThat(verify(email).isReachable().json()).isEqualTo(expected);
    }

    @Test
    void catchAllDomainIsRisky() {
        CheckEmailOutput out = verifier.verify(input("anyone@example.test", catchAllSmtp.port()));
        assertThat(out.isReachable()).isEqualTo(Reachable.RISKY);
        assertThat(out.smtpDetails().isCatchAll()).isTrue();
    }

    @Test
    void roleAccountThatDoesNotExistIsStillRisky() {
        CheckEmailOutput out = verify("admin@example.test");
        assertThat(out.misc().isRoleAccount()).isTrue();
        assertThat(out.smtpDetails().isDeliverable()).isFalse();
        assertThat(out.isReachable()).isEqualTo(Reachable.RISKY);
    }

    @Test
    void disposableDomainIsValidSyntaxButRisky() {
        CheckEmailOutput out = verify("bob@mailinator.com");
        assertThat(out.syntax().isValidSyntax()).isTrue();
        assertThat(out.misc().isDisposable()).isTrue();
        assertThat(out.misc().isB2c()).isTrue();
    }

    /** Upstream's JSON for an address with invalid syntax, byte for byte. */
    @Test
    void invalidSyntaxJsonMatchesUpstream() {
        String json = ReacherJson.write(verify("foo@bar"));
        assertThat(json).startsWith("{\"input\":\"foo@bar\",\"is_reachable\":\"invalid\",\"misc\":{\"is_disposable\":false,"
                + "\"is_role_account\":false,\"is_b2c\":false,\"gravatar_url\":null,\"haveibeenpwned\":null},"
                + "\"mx\":{\"accepts_mail\":false,\"records\":[]},\"smtp\":{\"can_connect_smtp\":false,\"has_full_inbox\":false,"
                + "\"is_catch_all\":false,\"is_deliverable\":false,\"is_disabled\":false},\"syntax\":{\"address\":null,"
                + "\"domain\":\"\",\"is_valid_syntax\":false,\"username\":\"\",\"normalized_email\":null,\"suggestion\":null}");
        assertThat(json).contains("\"smtp\":{\"verif_method\":{\"type\":\"Skipped\"}}");
    }

    /** Upstream's JSON for a domain without MX: NXDOMAIN is "no MX", invalid. */
    @Test
    void noMxJsonMatchesUpstream() {
        String json = ReacherJson.write(verify("foo@bar.baz"));
        assertThat(json).startsWith("{\"input\":\"foo@bar.baz\",\"is_reachable\":\"invalid\",\"misc\":{\"is_disposable\":false,"
                + "\"is_role_account\":false,\"is_b2c\":false,\"gravatar_url\":null,\"haveibeenpwned\":null},"
                + "\"mx\":{\"accepts_mail\":false,\"records\":[]},\"smtp\":{\"can_connect_smtp\":false,\"has_full_inbox\":false,"
                + "\"is_catch_all\":false,\"is_deliverable\":false,\"is_disabled\":false},\"syntax\":{\"address\":\"foo@bar.baz\","
                + "\"domain\":\"bar.baz\",\"is_valid_syntax\":true,\"username\":\"foo\",\"normalized_email\":\"foo@bar.baz\","
                + "\"suggestion\":null}");
    }

    @Test
    void safeResultJsonHasUpstreamShapeAndDebug() throws Exception {
        JsonNode json = ReacherJson.mapper().readTree(ReacherJson.write(verify("alice@example.test")));
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("input", "is_reachable", "misc", "mx", "smtp", "syntax", "debug");
        assertThat(json.at("/mx/records").toString()).isEqualTo("[\"mx.example.test.\"]");
        assertThat(json.at("/smtp").toString()).isEqualTo("{\"can_connect_smtp\":true,\"has_full_inbox\":false,"
                + "\"is_catch_all\":false,\"is_deliverable\":true,\"is_disabled\":false}");
        JsonNode debug = json.get("debug");
        assertThat(debug.get("backend_name").asText()).isEqualTo("backend-dev");
        assertThat(debug.get("start_time").asText()).endsWith("Z");
        assertThat(debug.at("/duration/secs").isIntegralNumber()).isTrue();
        assertThat(debug.at("/smtp/verif_method").toString()).isEqualTo("{\"type\":\"Smtp\",\"host\":\"mx.example.test.\","
                + "\"verif_method\":{\"from_email\":\"probe@client.test\",\"hello_name\":\"probe.test\",\"proxy\":null,"
                + "\"smtp_port\":" + smtp.port() + ",\"smtp_timeout\":{\"secs\":2,\"nanos\":0},\"retries\":1}}");
        assertThat(debug.at("/smtp/attempts/0/outcome").asText()).isEqualTo("verdict");
    }

    @Test
    void smtpErrorAddsSuggestionAndDescription() throws Exception {
        JsonNode json = ReacherJson.mapper().readTree(ReacherJson.write(verify("listed@example.test")));
        assertThat(json.at("/smtp/error/type").asText()).isEqualTo("AsyncSmtpError");
        assertThat(json.at("/smtp/description").asText()).isEqualTo("IpBlacklisted");
    }

    @Test
    void timeoutIsReportedWithTheConfiguredDuration() throws Exception {
        JsonNode json = ReacherJson.mapper().readTree(ReacherJson.write(verify("slow@example.test")));
        assertThat(json.at("/smtp/error").toString())
                .isEqualTo("{\"type\":\"Timeout\",\"message\":{\"secs\":2,\"nanos\":0}}");
    }

    @Test
    void resolverErrorIsUnknownWithMxError() throws Exception {
        JsonNode json = ReacherJson.mapper().readTree(ReacherJson.write(verify("foo@broken.test")));
        assertThat(json.at("/mx/error/type").asText()).isEqualTo("ResolveError");
        assertThat(json.at("/debug/smtp/verif_method/type").asText()).isEqualTo("Skipped");
    }

    @Test
    void nullMxIsReportedAsNotAcceptingMail() throws Exception {
        JsonNode json = ReacherJson.mapper().readTree(ReacherJson.write(verify("foo@nomail.test")));
        assertThat(json.at("/mx").toString()).isEqualTo("{\"accepts_mail\":false,\"records\":[\".\"]}");
    }

    @Test
    void unreachableBestMxFallsBackAndDebugNamesTheHostUsed() {
        CheckEmailOutput out = verify("alice@twomx.test");
        assertThat(out.debug().smtp().verifMethod()).isEqualTo(new DebugDetails.UsedMethod.Smtp("mx.example.test.",
                input("x@y.z", smtp.port()).verifMethod().method(Provider.EVERYTHING_ELSE) instanceof ProviderMethod.Smtp s
                        ? s.config() : null));
        assertThat(out.debug().smtp().attempts().get(0).unreachableMx()).singleElement().asString()
                .startsWith("down.twomx.test. ").containsIgnoringCase("refused");
        assertThat(ReacherJson.write(out)).contains("\"unreachable_mx\":[\"down.twomx.test. ");
    }

    @Test
    void headlessWithoutWebDriverIsNewSessionErrorAndUnknown() throws Exception {
        JsonNode json = ReacherJson.mapper().readTree(ReacherJson.write(verify("someone@outlook.test")));
        assertThat(json.at("/smtp/error/type").asText()).isEqualTo("HeadlessError");
        // No WebDriver listens at the input's default address: no browser session, no guess.
        assertThat(json.at("/smtp/error/message/NewSession").asText()).contains("unreachable").contains("localhost:9515");
        assertThat(json.at("/is_reachable").asText()).isEqualTo("unknown");
        assertThat(json.at("/debug/smtp/verif_method/type").asText()).isEqualTo("Headless");
    }

    @Test
    void providerMethodsRoundTripThroughJson() throws Exception {
        VerifMethod method = VerifMethod.of(Map.of(), Map.of(Provider.YAHOO, new ProviderMethod.Api(),
                Provider.GMAIL, ProviderMethod.smtp(new SmtpConfig("a@b.c", "h.test", null, 2525, Duration.ofSeconds(3), 2))));
        String json = ReacherJson.write(method);
        assertThat(json).contains("\"gmail\":{\"type\":\"smtp\",\"from_email\":\"a@b.c\",\"hello_name\":\"h.test\","
                + "\"proxy\":null,\"smtp_port\":2525,\"smtp_timeout\":{\"secs\":3,\"nanos\":0},\"retries\":2}");
        assertThat(json).contains("\"yahoo\":{\"type\":\"api\"}").contains("\"hotmailb2c\":{\"type\":\"headless\"}");
        assertThat(ReacherJson.mapper().readValue(json, VerifMethod.class)).isEqualTo(method);
    }

    @Test
    void verifierNeverThrowsOnOddInput() {
        for (String odd : List.of("", "@", "a@b@c.d", "x".repeat(5000) + "@example.test", "\u0000@example.test",
                "alice@EXAMPLE.TEST")) {
            assertThat(verify(odd).input()).isEqualTo(odd);
        }
    }
}

package dev.reacher.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SMTP conversation against a scripted server, one behaviour per test. */
class SmtpVerifierTest {
    private static final String DOMAIN = "example.test";
    private static final String MX = "mx.example.test.";
    private static final Map<String, String> HOSTS = Map.of(
            "mx.example.test", "127.0.0.1",
            "dead.example.test", "127.0.0.2"); // nothing listens there

    private ScriptedSmtpServer smtp;
    private SmtpVerifier verifier;

    @BeforeEach
    void start() throws Exception {
        smtp = ScriptedSmtpServer.start();
        smtp.onRcpt("alice@example.test", Reply.lines("250 2.1.5 OK"));
        verifier = new SmtpVerifier(host -> {
            String ip = HOSTS.get(host);
            if (ip == null) {
                throw new UnknownHostException(host);
            }
            return List.of(InetAddress.getByName(ip));
        }, Rules.bundled(), new Random(7));
    }

    @AfterEach
    void stop() throws Exception {
        smtp.close();
    }

    private SmtpConfig config(Duration timeout, int retries) {
        return new SmtpConfig("probe@client.test", "probe.test", null, smtp.port(), timeout, retries);
    }

    private SmtpOutcome verify(String email) {
        return verify(email, config(Duration.ofSeconds(5), 1));
    }

    private SmtpOutcome verify(String email, SmtpConfig config) {
        return verifier.verify(new SmtpRequest(email, DOMAIN, List.of(MX), config));
    }

    @Test
    void acceptedRecipientIsDeliverable() {
        SmtpOutcome out = verify("alice@example.test");
        assertThat(out.details()).isEqualTo(new SmtpDetails(true, false, false, true, false));
        assertThat(out.host()).isEqualTo(MX);
        assertThat(out.attempts()).singleElement().extracting(SmtpAttempt::outcome).isEqualTo(Outcome.VERDICT);
        List<String> commands = smtp.sessions().get(0).commands();
        assertThat(commands.get(0)).isEqualTo("EHLO probe.test");
        assertThat(commands.get(1)).isEqualTo("MAIL FROM:<probe@client.test>");
        assertThat(commands.get(2)).matches("RCPT TO:<[A-Za-z0-9]{15}@example\\.test>");
        assertThat(commands.subList(3, 5)).containsExactly("RCPT TO:<alice@example.test>", "QUIT");
    }

    @Test
    void unknownUserIsNotDeliverable() {
        SmtpOutcome out = verify("nobody@example.test");
        assertThat(out.details()).isEqualTo(new SmtpDetails(true, false, false, false, false));
    }

    @Test
    void fullInbox() {
        smtp.onRcpt("full@example.test", Reply.lines("552 5.2.2 Mailbox full"));
        assertThat(verify("full@example.test").details()).isEqualTo(new SmtpDetails(true, true, false, false, false));
    }

    @Test
    void disabledMailbox() {
        smtp.onRcpt("gone@example.test", Reply.lines("550 5.2.1 The email account that you tried to reach is disabled."));
        assertThat(verify("gone@example.test").details()).isEqualTo(new SmtpDetails(true, false, false, false, true));
    }

    @Test
    void catchAllDomainIsDetectedAndTheRealAddressIsNotAsked() {
        smtp.catchAll();
        SmtpOutcome out = verify("whoever@example.test");
        assertThat(out.details()).isEqualTo(new SmtpDetails(true, false, true, true, false));
        assertThat(smtp.recipients()).hasSize(1).noneMatch(r -> r.startsWith("whoever"));
    }

    @Test
    void skipCatchAllRuleSendsNoProbe() {
        smtp.onRcpt("alice@gmail.com", Reply.lines("250 OK"));
        SmtpOutcome out = verifier.verify(new SmtpRequest("alice@gmail.com", "gmail.com", List.of(MX),
                config(Duration.ofSeconds(5), 1)));
        assertThat(out.details().isDeliverable()).isTrue();
        assertThat(smtp.recipients()).containsExactly("alice@gmail.com");
    }

    @Test
    void greylistingIsAnErrorRetriedUpToTheAttemptCount() {
        smtp.onRcpt("grey@example.test", Reply.lines("450 4.7.1 Greylisted, try again later"));
        SmtpOutcome out = verify("grey@example.test", config(Duration.ofSeconds(5), 3));
        assertThat(out.error().message()).isEqualTo("transient: 4.7.1 Greylisted, try again later");
        assertThat(out.error().description()).isNull();
        assertThat(out.attempts()).hasSize(3).allMatch(a -> a.outcome() == Outcome.GREYLISTED);
        assertThat(smtp.connectionCount()).isEqualTo(3);
    }

    @Test
    void blacklistReplyIsAnErrorWithDescriptionAndIsNotRetried() {
        smtp.onRcpt("bl@example.test", Reply.lines("554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org"));
        SmtpOutcome out = verify("bl@example.test", config(Duration.ofSeconds(5), 3));
        assertThat(out.error().type()).isEqualTo(SmtpError.Type.ASYNC_SMTP);
        assertThat(out.error().description()).isEqualTo(SmtpError.Description.IP_BLACKLISTED);
        assertThat(out.attempts()).singleElement().extracting(SmtpAttempt::outcome).isEqualTo(Outcome.IP_BLACKLISTED);
    }

    @Test
    void blacklistedGreetingIsReported() {
        smtp.greeting(Reply.thenClose("554 5.7.1 Your IP is listed on a DNSBL"));
        SmtpOutcome out = verify("alice@example.test");
        assertThat(out.error().message()).isEqualTo("permanent: 5.7.1 Your IP is listed on a DNSBL");
        assertThat(out.error().description()).isEqualTo(SmtpError.Description.IP_BLACKLISTED);
    }

    @Test
    void greeting421ClosesWithAnError() {
        smtp.greeting(Reply.thenClose("421 4.3.2 Service not available, closing channel"));
        SmtpOutcome out = verify("alice@example.test");
        assertThat(out.error().message()).isEqualTo("transient: 4.3.2 Service not available, closing channel");
        assertThat(out.attempts().get(0).outcome()).isEqualTo(Outcome.GREYLISTED);
    }

    @Test
    void garbageReplyIsAParsingError() {
        smtp.onRcpt("junk@example.test", Reply.raw("HELLO THERE\r\n".getBytes(StandardCharsets.US_ASCII)));
        SmtpOutcome out = verify("junk@example.test");
        assertThat(out.error().type()).isEqualTo(SmtpError.Type.ASYNC_SMTP);
        assertThat(out.error().message()).startsWith("parsing: ");
    }

    @Test
    void nonUtf8ReplyTextIsDecodedNotFatal() {
        byte[] latin1 = "550 5.1.1 Utilisateur inconnu \u00e9\r\n".getBytes(StandardCharsets.ISO_8859_1);
        smtp.onRcpt("x@example.test", Reply.raw(latin1));
        SmtpOutcome out = verify("x@example.test");
        assertThat(out.details()).isEqualTo(new SmtpDetails(true, false, false, false, false));
    }

    @Test
    void hugeReplyLineIsRefusedNotBuffered() {
        byte[] line = new byte[1024 * 1024 + 2];
        java.util.Arrays.fill(line, (byte) 'a');
        line[0] = '5'; line[1] = '5'; line[2] = '0'; line[3] = ' ';
        line[line.length - 2] = '\r'; line[line.length - 1] = '\n';
        smtp.onRcpt("big@example.test", Reply.raw(line));
        SmtpOutcome out = verify("big@example.test");
        assertThat(out.error().message()).startsWith("parsing: reply line longer than");
    }

    @Test
    void silentServerCannotHangPastTheTimeout() {
        smtp.greeting(Reply.silent());
        Duration timeout = Duration.ofMillis(700);
        Instant start = Instant.now();
        SmtpOutcome out = verify("alice@example.test", config(timeout, 2));
        Duration took = Duration.between(start, Instant.now());
        assertThat(out.error().type()).isEqualTo(SmtpError.Type.TIMEOUT);
        assertThat(out.error().timeout()).isEqualTo(timeout);
        assertThat(out.attempts()).hasSize(2);
        // two attempts of 700 ms each, plus scheduling slack
        assertThat(took).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void tricklingServerIsCutOffAtTheDeadline() {
        smtp.greeting(Reply.trickle(Duration.ofMillis(200), "220 slow.example.test ESMTP very slow greeting"));
        Instant start = Instant.now();
        SmtpOutcome out = verify("alice@example.test", config(Duration.ofSeconds(1), 1));
        assertThat(out.error().type()).isEqualTo(SmtpError.Type.TIMEOUT);
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void slowButTimelyReplyIsAwaited() {
        smtp.onRcpt("slow@example.test", Reply.delayed(Duration.ofMillis(300), Reply.lines("250 OK")));
        assertThat(verify("slow@example.test").details().isDeliverable()).isTrue();
    }

    @Test
    void connectionDroppedAtRcptReconnectsOnceWithoutNewProbe() {
        smtp.onRcpt("drop@example.test", Reply.close());
        SmtpOutcome out = verify("drop@example.test");
        // second connection is dropped too: the error is the I/O failure
        assertThat(out.error().message()).isEqualTo("io: incomplete");
        assertThat(smtp.connectionCount()).isEqualTo(2);
        List<String> second = smtp.sessions().get(1).commands();
        assertThat(second).noneMatch(c -> c.matches("RCPT TO:<[A-Za-z0-9]{15}@.*"));
    }

    @Test
    void ehloRefusedFallsBackToHelo() {
        smtp.onEhlo(Reply.lines("502 5.5.2 Error: command not recognized"));
        SmtpOutcome out = verify("alice@example.test");
        assertThat(out.details().isDeliverable()).isTrue();
        assertThat(smtp.sessions().get(0).commands()).contains("HELO probe.test");
    }

    @Test
    void rejectedMailFromIsAnError() {
        smtp.onMail(Reply.lines("553 5.7.1 Sender address rejected: not owned by user"));
        SmtpOutcome out = verify("alice@example.test");
        assertThat(out.error().message()).isEqualTo("permanent: 5.7.1 Sender address rejected: not owned by user");
    }

    @Test
    void quitFailureKeepsTheVerdict() {
        smtp.onQuit(Reply.silent());
        Instant start = Instant.now();
        SmtpOutcome out = verify("alice@example.test");
        assertThat(out.details().isDeliverable()).isTrue();
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void multiLineRepliesWithMismatchedCodesAreRejected() {
        smtp.onRcpt("odd@example.test", Reply.lines("250-first", "550 second"));
        assertThat(verify("odd@example.test").error().message()).startsWith("parsing: reply lines carry different codes");
    }

    @Test
    void multiLineRejectionIsJoined() {
        smtp.onRcpt("ml@example.test", Reply.lines("550-5.1.1 The email account that you tried to reach does",
                "550 5.1.1 not exist. Please try double-checking"));
        SmtpOutcome out = verify("ml@example.test");
        assertThat(out.details()).isEqualTo(new SmtpDetails(true, false, false, false, false));
    }

    @Test
    void unreachableBestMxFallsBackToTheNext() {
        SmtpOutcome out = verifier.verify(new SmtpRequest("alice@example.test", DOMAIN,
                List.of("dead.example.test.", MX), config(Duration.ofSeconds(5), 1)));
        assertThat(out.details().isDeliverable()).isTrue();
        assertThat(out.host()).isEqualTo(MX);
    }

    @Test
    void allMxUnreachableIsAnIoErrorOnTheBestHost() {
        SmtpOutcome out = verifier.verify(new SmtpRequest("alice@example.test", DOMAIN,
                List.of("dead.example.test."), config(Duration.ofSeconds(5), 1)));
        assertThat(out.error().type()).isEqualTo(SmtpError.Type.IO);
        assertThat(out.error().message()).containsIgnoringCase("refused");
        assertThat(out.host()).isEqualTo("dead.example.test.");
        assertThat(out.attempts().get(0).outcome()).isEqualTo(Outcome.TARGET_FAULT);
    }

    @Test
    void invalidFromEmailIsReplacedAsUpstreamDoes() {
        verify("alice@example.test", new SmtpConfig("bad from@x.org", "probe.test", null, smtp.port(), Duration.ofSeconds(5), 1));
        assertThat(smtp.sessions().get(0).commands()).contains("MAIL FROM:<user@example.org>");
    }

    @Test
    void helloNameCannotInjectCommands() {
        verify("alice@example.test", new SmtpConfig("a@b.org", "evil\r\nRSET", null, smtp.port(), Duration.ofSeconds(5), 1));
        assertThat(smtp.sessions().get(0).commands().get(0)).isEqualTo("EHLO evilRSET");
    }
}

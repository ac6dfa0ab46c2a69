package dev.reacher.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Politeness seen from the receiving server: how many sessions it has open at once for one
 * destination, and how many catch-all probes it receives.
 */
class PoliteSmtpVerifierTest {
    private DnsFixture dns;
    private ScriptedSmtpServer smtp;

    @BeforeEach
    void start() throws Exception {
        smtp = ScriptedSmtpServer.start();
        dns = DnsFixture.start().mx("one.test", 10, "mx.one.test").a("mx.one.test", "127.0.0.1")
                .mx("all.test", 10, "mx.all.test").a("mx.all.test", "127.0.0.1");
    }

    @AfterEach
    void stop() throws Exception {
        smtp.close();
        dns.close();
    }

    private EmailVerifier verifier(Politeness politeness) {
        return EmailVerifier.builder().dnsServers(DnsServers.parse(dns.address()).withTimeout(Duration.ofSeconds(2)))
                .politeness(politeness).build();
    }

    private CheckEmailInput input(String email) {
        SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, smtp.port(), Duration.ofSeconds(10), 1);
        return CheckEmailInput.of(email).withVerifMethod(VerifMethod.sameForAll(null, config));
    }

    /** {@code n} addresses at one.test, verified all at once; every third does not exist. */
    private List<CheckEmailOutput> verifyAtOnce(EmailVerifier verifier, int n) throws Exception {
        List<Future<CheckEmailOutput>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                String email = "user" + i + "@one.test";
                if (i % 3 != 2) {
                    smtp.onRcpt(email, Reply.delayed(Duration.ofMillis(2), Reply.lines("250 2.1.5 OK")));
                }
                futures.add(pool.submit(() -> verifier.verify(input(email))));
            }
        }
        List<CheckEmailOutput> out = new ArrayList<>();
        for (Future<CheckEmailOutput> f : futures) {
            out.add(f.get());
        }
        return out;
    }

    @Test
    void aThousandAddressesAtOneDomainNeverOpenMoreThanMaxConcurrencySessions() throws Exception {
        try (EmailVerifier verifier = verifier(new Politeness(5, Duration.ZERO, Duration.ZERO))) {
            List<CheckEmailOutput> out = verifyAtOnce(verifier, 1000);
            assertThat(smtp.peakConcurrentSessions()).isBetween(1, 5);
            assertThat(smtp.connectionCount()).isEqualTo(1000);
            for (int i = 0; i < out.size(); i++) {
                // Waiting for a slot never turns into unknown.
                assertThat(out.get(i).isReachable()).as(out.get(i).input())
                        .isEqualTo(i % 3 == 2 ? Reachable.INVALID : Reachable.SAFE);
            }
        }
    }

    @Test
    void waitingLongerThanTheOverallTimeoutForASlotStillEndsWithAVerdict() throws Exception {
        // One session at a time, each about 700 ms; the fifth address waits ~2.8 s for its slot,
        // longer than its whole 2 s budget of attempts. The wait does not count against it.
        SmtpConfig slow = new SmtpConfig("probe@client.test", "probe.test", null, smtp.port(), Duration.ofSeconds(2), 1);
        List<Future<CheckEmailOutput>> futures = new ArrayList<>();
        try (EmailVerifier verifier = verifier(new Politeness(1, Duration.ZERO, Duration.ZERO));
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 5; i++) {
                String email = "slow" + i + "@one.test";
                smtp.onRcpt(email, Reply.delayed(Duration.ofMillis(700), Reply.lines("250 2.1.5 OK")));
                futures.add(pool.submit(() -> verifier.verify(
                        CheckEmailInput.of(email).withVerifMethod(VerifMethod.sameForAll(null, slow)))));
            }
            for (Future<CheckEmailOutput> f : futures) {
                assertThat(f.get().isReachable()).isEqualTo(Reachable.SAFE);
            }
        }
        assertThat(smtp.peakConcurrentSessions()).isEqualTo(1);
    }

    @Test
    void theSameLoadWithAHighLimitDoesOpenMoreSessionsAtOnce() throws Exception {
        // The control for the test above: the server's count does see parallel sessions.
        try (EmailVerifier verifier = verifier(new Politeness(200, Duration.ZERO, Duration.ZERO))) {
            verifyAtOnce(verifier, 300);
            assertThat(smtp.peakConcurrentSessions()).isGreaterThan(5);
        }
    }

    @Test
    void aDomainIsProbedForCatchAllOnceAndLaterAddressesSkipTheProbe() throws Exception {
        smtp.onRcpt("a@one.test", Reply.lines("250 2.1.5 OK")).onRcpt("b@one.test", Reply.lines("250 2.1.5 OK"));
        List<String> emails = List.of("a@one.test", "b@one.test", "c@one.test", "a@one.test", "d@one.test");
        List<JsonNode> cached = new ArrayList<>();
        try (EmailVerifier verifier = verifier(Politeness.DEFAULTS)) {
            for (String e : emails) {
                cached.add(ReacherJson.mapper().valueToTree(verifier.verify(input(e))));
            }
        }
        assertThat(smtp.probeRecipients()).isEqualTo(1);
        assertThat(cached.get(0).at("/debug/smtp/attempts/0").has("catch_all_cached")).isFalse();
        for (JsonNode later : cached.subList(1, cached.size())) {
            assertThat(later.at("/debug/smtp/attempts/0/catch_all_cached").asBoolean()).isTrue();
        }

        List<JsonNode> uncached = new ArrayList<>();
        try (EmailVerifier verifier = verifier(new Politeness(5, Duration.ZERO, Duration.ZERO))) {
            for (String e : emails) {
                uncached.add(ReacherJson.mapper().valueToTree(verifier.verify(input(e))));
            }
        }
        assertThat(smtp.probeRecipients()).isEqualTo(1 + emails.size());
        for (int i = 0; i < emails.size(); i++) {
            assertThat(withoutDebug(cached.get(i))).isEqualTo(withoutDebug(uncached.get(i)));
        }
    }

    @Test
    void aCatchAllDomainIsRememberedAndLaterSessionsSendNoRcptAtAll() throws Exception {
        smtp.catchAll();
        try (EmailVerifier verifier = verifier(Politeness.DEFAULTS)) {
            for (int i = 0; i < 4; i++) {
                CheckEmailOutput out = verifier.verify(input("x" + i + "@all.test"));
                assertThat(out.isReachable()).isEqualTo(Reachable.RISKY);
                assertThat(out.smtpDetails().isCatchAll()).isTrue();
            }
        }
        assertThat(smtp.recipients()).hasSize(1); // the first session's probe; the rest reuse its answer
        assertThat(smtp.connectionCount()).isEqualTo(4);
    }

    @Test
    void aDeferredProbeIsNotRememberedAndIsAskedAgain() throws Exception {
        smtp.onCatchAllProbe(Reply.lines("450 4.7.1 Try again later"));
        smtp.onRcpt("a@one.test", Reply.lines("250 2.1.5 OK"));
        try (EmailVerifier verifier = verifier(Politeness.DEFAULTS)) {
            for (int i = 0; i < 3; i++) {
                assertThat(verifier.verify(input("a@one.test")).isReachable()).isEqualTo(Reachable.SAFE);
            }
        }
        assertThat(smtp.probeRecipients()).isEqualTo(3);
    }

    private static JsonNode withoutDebug(JsonNode json) {
        ObjectNode copy = json.deepCopy();
        copy.remove("debug");
        return copy;
    }
}

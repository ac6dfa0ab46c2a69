package dev.reacher.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.core.smtp.SmtpAttempt;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bulk addresses sharing SMTP sessions ({@link EmailVerifier#verifyInBulk}), against a scripted
 * server that defends itself as Postfix does: recipient limit, soft and hard error limits, a
 * {@code 421} or a drop in the middle of a batch. Every address must come out exactly as its own
 * verification gives it, once, and the server must see fewer sessions than addresses.
 */
class SharedSessionsTest {
    private static final int ADDRESSES = 40;

    private DnsFixture dns;
    private ScriptedSmtpServer smtp;

    @BeforeEach
    void start() throws Exception {
        smtp = ScriptedSmtpServer.start();
        // Two domains behind one MX host: their addresses may share a session.
        dns = DnsFixture.start().mx("one.test", 10, "mx.shared.test").mx("two.test", 10, "mx.shared.test")
                .a("mx.shared.test", "127.0.0.1");
        smtp.onCatchAllProbe(Reply.lines("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"));
    }

    @AfterEach
    void stop() throws Exception {
        smtp.close();
        dns.close();
    }

    private EmailVerifier verifier(int maxRcpt, Duration catchAllTtl) {
        return EmailVerifier.builder().dnsServers(DnsServers.parse(dns.address()).withTimeout(Duration.ofSeconds(2)))
                .proxyDns(SmtpVerifier.ProxyDns.LOCAL)
                .politeness(new Politeness(2, Duration.ZERO, catchAllTtl, maxRcpt)).build();
    }

    private CheckEmailInput input(String email, ProxyConfig proxy) {
        SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, smtp.port(), Duration.ofSeconds(10), 1);
        return CheckEmailInput.of(email).withVerifMethod(VerifMethod.sameForAll(proxy, config));
    }

    /** Every kind of answer a mailbox can get, in turn: exists, unknown, full, disabled, greylisted. */
    private List<String> scriptedAddresses() {
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < ADDRESSES; i++) {
            String email = "user" + i + (i % 2 == 0 ? "@one.test" : "@two.test");
            switch (i % 5) {
                case 0 -> smtp.onRcpt(email, Reply.lines("250 2.1.5 OK"));
                case 1 -> { } // the default: 550 5.1.1 user unknown
                case 2 -> smtp.onRcpt(email, Reply.lines("552 5.2.2 <{rcpt}>: mailbox full"));
                case 3 -> smtp.onRcpt(email, Reply.lines("550 5.2.1 <{rcpt}>: account disabled"));
                default -> smtp.onRcpt(email, Reply.lines("450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted"));
            }
            emails.add(email);
        }
        return emails;
    }

    /** The output of each address verified on its own, one session per address: the reference. */
    private Map<String, JsonNode> separately(List<String> emails, ProxyConfig proxy) {
        Map<String, JsonNode> out = new HashMap<>();
        try (EmailVerifier verifier = verifier(1, Duration.ZERO)) {
            for (String email : emails) {
                out.put(email, withoutDebug(verifier.verify(input(email, proxy))));
            }
        }
        return out;
    }

    /** All addresses at once, as a bulk worker's tasks arrive. */
    private Map<String, CheckEmailOutput> inBulk(EmailVerifier verifier, List<String> emails, ProxyConfig proxy)
            throws Exception {
        Map<String, Future<CheckEmailOutput>> futures = new LinkedHashMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String email : emails) {
                futures.put(email, pool.submit(() -> verifier.verifyInBulk(input(email, proxy), LimitPolicy.WAIT, Set.of())));
            }
        }
        Map<String, CheckEmailOutput> out = new LinkedHashMap<>();
        for (var e : futures.entrySet()) {
            out.put(e.getKey(), e.getValue().get());
        }
        return out;
    }

    private static JsonNode withoutDebug(CheckEmailOutput output) {
        ObjectNode json = (ObjectNode) ReacherJson.mapper().valueToTree(output);
        json.remove("debug");
        return json;
    }

    private static SmtpAttempt lastAttempt(CheckEmailOutput output) {
        List<SmtpAttempt> attempts = output.debug().smtp().attempts();
        return attempts.get(attempts.size() - 1);
    }

    private void assertSameAsSeparately(Map<String, CheckEmailOutput> bulk, Map<String, JsonNode> reference) {
        assertThat(bulk).hasSameSizeAs(reference);
        bulk.forEach((email, out) -> assertThat(withoutDebug(out)).as(email).isEqualTo(reference.get(email)));
    }

    /** Real addresses (not catch-all probes) each session asked, per session. */
    private List<List<String>> realRecipientsBySession() {
        List<List<String>> all = new ArrayList<>();
        for (ScriptedSmtpServer.Session s : smtp.sessions()) {
            all.add(s.commands().stream().filter(c -> c.startsWith("RCPT TO:<user"))
                    .map(c -> c.substring(9, c.indexOf('>'))).toList());
        }
        return all;
    }

    @Test
    void sharedSessionsGiveEveryAddressItsOwnResultInFewerSessions() throws Exception {
        List<String> emails = scriptedAddresses();
        Map<String, JsonNode> reference = separately(emails, null);
        int before = smtp.connectionCount();
        assertThat(before).isEqualTo(ADDRESSES);

        Map<String, CheckEmailOutput> bulk;
        try (EmailVerifier verifier = verifier(10, Duration.ofHours(1))) {
            bulk = inBulk(verifier, emails, null);
        }
        assertSameAsSeparately(bulk, reference);
        List<List<String>> sessions = realRecipientsBySession().subList(before, smtp.sessions().size());
        assertThat(sessions).hasSizeLessThanOrEqualTo(ADDRESSES / 2);
        assertThat(sessions).allSatisfy(s -> assertThat(s).hasSizeLessThanOrEqualTo(10));
        // Each address asked exactly once: nothing lost, nothing doubled.
        assertThat(sessions.stream().flatMap(List::stream).toList()).containsExactlyInAnyOrderElementsOf(emails);
        assertThat(bulk.values()).allSatisfy(out -> assertThat(lastAttempt(out).sharedSession()).isNotNull());
        SmtpAttempt.SharedSession shared = lastAttempt(bulk.get(emails.get(0))).sharedSession();
        assertThat(shared.position()).isBetween(1, shared.size());
        JsonNode json = ReacherJson.mapper().valueToTree(bulk.get(emails.get(0)));
        assertThat(json.at("/debug/smtp/attempts/0/shared_session/size").asInt()).isEqualTo(shared.size());
    }

    @Test
    void aRunnerReturnsWithItsOwnAnswerAndHandsTheLineOn() throws Exception {
        List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
        smtp.onRcpt("user0@one.test", Reply.delayed(Duration.ofMillis(300), Reply.lines("250 2.1.5 OK")));
        smtp.recipientLimit(3); // the probe and 2 addresses per transaction
        try (EmailVerifier verifier = verifier(10, Duration.ZERO);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.function.Consumer<String> verify = email -> pool.submit(() -> {
                verifier.verifyInBulk(input(email, null), LimitPolicy.WAIT, Set.of());
                order.add(email);
            });
            // user0's thread runs the first session; the others line up while its RCPT is answered.
            verify.accept("user0@one.test");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> smtp.connectionCount() == 1);
            for (int i = 1; i < 10; i++) {
                verify.accept("user" + i + "@one.test");
            }
        }
        assertThat(order).hasSize(10);
        // Its session ends at the recipient limit with 7 addresses still waiting: user0's thread hands
        // the line to one of theirs and returns, instead of serving every later session itself.
        assertThat(order.indexOf("user0@one.test")).as("%s", order).isLessThan(6);
    }

    @Test
    void singleChecksKeepASessionPerAddress() throws Exception {
        List<String> emails = scriptedAddresses().subList(0, 10);
        try (EmailVerifier verifier = verifier(10, Duration.ZERO)) {
            for (String email : emails) {
                CheckEmailOutput out = verifier.verify(input(email, null));
                assertThat(lastAttempt(out).sharedSession()).isNull();
            }
        }
        assertThat(smtp.connectionCount()).isEqualTo(10);
    }

    @Test
    void aRecipientLimitEndsTheBatchAndTheRestGoOnInANewSession() throws Exception {
        List<String> emails = scriptedAddresses();
        Map<String, JsonNode> reference = separately(emails, null);
        int before = smtp.connectionCount();
        smtp.recipientLimit(4); // the probe and 3 addresses per transaction, then 452 4.5.3

        Map<String, CheckEmailOutput> bulk;
        try (EmailVerifier verifier = verifier(10, Duration.ZERO)) {
            bulk = inBulk(verifier, emails, null);
        }
        assertSameAsSeparately(bulk, reference);
        assertThat(smtp.connectionCount() - before).isLessThan(ADDRESSES);
        // Asked again: only addresses the server refused as one too many (the 5th RCPT of a transaction).
        int refused = 0;
        for (ScriptedSmtpServer.Session s : smtp.sessions().subList(before, smtp.sessions().size())) {
            int inTransaction = 0;
            for (String c : s.commands()) {
                if (c.startsWith("MAIL FROM") || c.startsWith("RSET")) {
                    inTransaction = 0;
                } else if (c.startsWith("RCPT") && ++inTransaction > 4 && c.startsWith("RCPT TO:<user")) {
                    refused++;
                }
            }
        }
        assertThat(timesAsked(before).keySet()).containsExactlyInAnyOrderElementsOf(emails);
        assertThat(totalAsks(before)).isEqualTo(emails.size() + refused);
    }

    @Test
    void aTarpitAfterTenBadRecipientsEndsTheBatchBeforeTheHardLimit() throws Exception {
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            emails.add("user" + i + "@one.test"); // all unknown
        }
        Map<String, JsonNode> reference = separately(emails, null);
        int before = smtp.connectionCount();
        // A 3 s tarpit stands out from any loopback answer, even on a loaded machine (threshold: 4 x the first, at least 1 s).
        smtp.errorLimits(10, 20, Duration.ofSeconds(3));

        Map<String, CheckEmailOutput> bulk;
        try (EmailVerifier verifier = verifier(30, Duration.ZERO)) {
            bulk = inBulk(verifier, emails, null);
        }
        assertSameAsSeparately(bulk, reference);
        assertThat(bulk.values()).allSatisfy(out -> assertThat(out.isReachable()).isEqualTo(Reachable.INVALID));
        // The slow 11th answer ends the batch: no session gets near the hard limit of 20.
        List<ScriptedSmtpServer.Session> sessions = smtp.sessions().subList(before, smtp.sessions().size());
        assertThat(sessions).allSatisfy(s -> assertThat(s.commands().stream()
                .filter(c -> c.startsWith("RCPT")).count()).isLessThanOrEqualTo(11));
        assertThat(sessions.size()).isLessThan(emails.size());
        assertAnsweredOnce(emails, before);
    }

    @Test
    void a421MidBatchLosesNothingAndDoublesNothing() throws Exception {
        List<String> emails = scriptedAddresses();
        Map<String, JsonNode> reference = separately(emails, null);
        int before = smtp.connectionCount();
        smtp.closeWith421AtRcpt(5); // the probe, 3 addresses, then 421 and close

        Map<String, CheckEmailOutput> bulk;
        try (EmailVerifier verifier = verifier(10, Duration.ZERO)) {
            bulk = inBulk(verifier, emails, null);
        }
        assertSameAsSeparately(bulk, reference);
        assertThat(smtp.connectionCount() - before).isLessThan(ADDRESSES);
        assertThat(timesAsked(before).keySet()).containsExactlyInAnyOrderElementsOf(emails);
        assertThat(totalAsks(before)).isEqualTo(emails.size() + cutOff(before));
    }

    @Test
    void aDropMidBatchReasksOnlyTheAddressesWithoutAVerdict() throws Exception {
        List<String> emails = scriptedAddresses();
        Map<String, JsonNode> reference = separately(emails, null);
        int before = smtp.connectionCount();
        smtp.dropAtRcpt(4); // the probe, 2 addresses, then the connection drops without an answer

        Map<String, CheckEmailOutput> bulk;
        try (EmailVerifier verifier = verifier(10, Duration.ZERO)) {
            bulk = inBulk(verifier, emails, null);
        }
        assertSameAsSeparately(bulk, reference);
        // Asked again: only an address whose RCPT was cut off, once per such drop.
        assertThat(timesAsked(before).keySet()).containsExactlyInAnyOrderElementsOf(emails);
        assertThat(totalAsks(before)).isEqualTo(emails.size() + cutOff(before));
    }

    /** Sessions that ended (without QUIT) right after an address's RCPT: the address got no answer. */
    private int cutOff(int fromSession) {
        return (int) smtp.sessions().subList(fromSession, smtp.sessions().size()).stream()
                .filter(s -> s.commands().get(s.commands().size() - 1).startsWith("RCPT TO:<user")).count();
    }

    private int totalAsks(int fromSession) {
        return timesAsked(fromSession).values().stream().mapToInt(Integer::intValue).sum();
    }

    @Test
    void aDropAtTheFirstAddressFallsBackToASessionOfItsOwn() throws Exception {
        List<String> emails = scriptedAddresses().subList(0, 10);
        Map<String, JsonNode> reference = separately(emails, null);
        smtp.dropAtRcpt(2); // the first address after the probe: its own session reconnects and asks again

        Map<String, CheckEmailOutput> bulk;
        try (EmailVerifier verifier = verifier(10, Duration.ZERO)) {
            bulk = inBulk(verifier, emails, null);
        }
        assertSameAsSeparately(bulk, reference);
    }

    @Test
    void sharedSessionsThroughARealMicrosocks() throws Exception {
        List<String> emails = scriptedAddresses();
        try (Microsocks proxy = Microsocks.builder().bindAddress("127.0.0.31").start()) {
            ProxyConfig config = new ProxyConfig(proxy.host(), proxy.port(), null, null, 2_000L);
            Map<String, JsonNode> reference = separately(emails, config);
            int before = smtp.connectionCount();
            Map<String, CheckEmailOutput> bulk;
            try (EmailVerifier verifier = verifier(10, Duration.ofHours(1))) {
                bulk = inBulk(verifier, emails, config);
            }
            assertSameAsSeparately(bulk, reference);
            assertThat(smtp.connectionCount() - before).isLessThanOrEqualTo(ADDRESSES / 2);
            assertThat(smtp.peers().subList(before, smtp.peers().size()))
                    .allSatisfy(peer -> assertThat(peer.getHostAddress()).isEqualTo("127.0.0.31"));
            assertThat(bulk.values()).allSatisfy(out -> assertThat(lastAttempt(out).proxy()).isEqualTo("default"));
            assertAnsweredOnce(emails, before);
        }
    }

    private Map<String, Integer> timesAsked(int fromSession) {
        Map<String, Integer> asked = new HashMap<>();
        realRecipientsBySession().subList(fromSession, smtp.sessions().size())
                .forEach(s -> s.forEach(e -> asked.merge(e, 1, Integer::sum)));
        return asked;
    }

    /** Every address asked exactly once over all sessions since {@code fromSession}. */
    private void assertAnsweredOnce(List<String> emails, int fromSession) {
        assertThat(timesAsked(fromSession).keySet()).containsExactlyInAnyOrderElementsOf(emails);
        assertThat(timesAsked(fromSession).values()).containsOnly(1);
    }
}

package dev.reacher.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpAttempt;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.smtp.SmtpError;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.DebugDetails;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.core.verify.Reachable;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import dev.reacher.testkit.ScriptedSmtpServer.Session;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failover rules of the pool, end to end through three real microsocks processes, each binding its
 * outgoing connections to its own loopback address so that the SMTP fixture can answer per proxy and
 * record who said what: a blacklist reply moves the verification to another proxy (unless
 * {@code retry_on_blacklist = false}), {@code max_attempts} caps failover, the overall deadline
 * holds when every proxy hangs, and each proxy's own EHLO name and MAIL FROM are what the server sees.
 */
class PoolFailoverEndToEndTest {
    private static final Map<String, String> BIND = Map.of("p1", "127.0.0.21", "p2", "127.0.0.22", "p3", "127.0.0.23");
    private static final String BLACKLISTED = "554 5.7.1 Service unavailable; Client host [127.0.0.21] blocked using zen.spamhaus.org";

    private static DnsFixture dns;
    private static Map<String, Microsocks> socks;
    private ScriptedSmtpServer smtp;

    @BeforeAll
    static void peers() throws Exception {
        dns = DnsFixture.start().mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.1");
        socks = new LinkedHashMap<>();
        BIND.forEach((id, bind) -> socks.put(id, Microsocks.builder().bindAddress(bind).start()));
    }

    @AfterAll
    static void stopPeers() {
        socks.values().forEach(Microsocks::close);
        dns.close();
    }

    @BeforeEach
    void smtp() throws Exception {
        smtp = ScriptedSmtpServer.start();
        smtp.defaultRcpt(Reply.lines("250 2.1.5 OK")).onCatchAllProbe(Reply.lines("550 5.1.1 User unknown"));
    }

    @AfterEach
    void stopSmtp() throws Exception {
        smtp.close();
    }

    private static InetAddress egress(String id) throws Exception {
        return InetAddress.getByName(BIND.get(id));
    }

    private static String proxyOf(InetAddress peer) {
        return BIND.entrySet().stream().filter(e -> e.getValue().equals(peer.getHostAddress()))
                .map(Map.Entry::getKey).findFirst().orElse("direct:" + peer.getHostAddress());
    }

    /** Members p1..p3 (ordered by id, so round robin starts at p1), each adjusted by {@code member}. */
    private static ProxyPool pool(PoolSettings settings, UnaryOperator<PoolProxy> member) {
        List<PoolProxy> members = new ArrayList<>();
        socks.forEach((id, s) -> members.add(member.apply(PoolProxy.of(id, new ProxyConfig(s.host(), s.port(), null, null, null)))));
        return ProxyPool.create(members, settings);
    }

    private EmailVerifier verifier(ProxyPool pool) {
        return EmailVerifier.builder().dnsServers(DnsServers.parse(dns.address())).proxyPool(pool)
                .proxyDns(SmtpVerifier.ProxyDns.LOCAL).build();
    }

    private CheckEmailInput input(String email, ProxyPool pool, Duration smtpTimeout) {
        Map<String, ProxyConfig> proxies = new LinkedHashMap<>();
        pool.ids().forEach(id -> proxies.put(id, pool.proxy(id).proxy()));
        SmtpConfig base = new SmtpConfig("probe@client.test", "probe.test", null, smtp.port(), smtpTimeout, 1);
        Map<Provider, ProviderMethod> methods = new EnumMap<>(Provider.class);
        for (Provider p : Provider.values()) {
            methods.put(p, ProviderMethod.smtp(base));
        }
        return CheckEmailInput.of(email).withVerifMethod(VerifMethod.of(proxies, methods));
    }

    private static PoolSettings roundRobin(int maxAttempts, boolean retryOnBlacklist) {
        return new PoolSettings(true, "round_robin", List.of(), maxAttempts, retryOnBlacklist,
                PoolSettings.Ejection.DEFAULTS, PoolSettings.Blacklist.DEFAULTS);
    }

    private static SmtpConfig usedConfig(CheckEmailOutput out) {
        return ((DebugDetails.UsedMethod.Smtp) out.debug().smtp().verifMethod()).config();
    }

    private List<Session> sessionsFor(String email) {
        return smtp.sessions().stream()
                .filter(s -> s.commands().stream().anyMatch(c -> c.equalsIgnoreCase("RCPT TO:<" + email + ">")))
                .toList();
    }

    @Test
    void aBlacklistReplyMovesTheVerificationToAnotherProxyAndTheVerdictComesFromIt() throws Exception {
        smtp.onRcptFrom("alice@example.test", egress("p1"), Reply.lines(BLACKLISTED));
        ProxyPool pool = pool(roundRobin(3, true), UnaryOperator.identity());
        try (EmailVerifier verifier = verifier(pool)) {
            CheckEmailOutput out = verifier.verify(input("alice@example.test", pool, Duration.ofSeconds(3)));

            assertThat(out.isReachable()).as(out.toString()).isEqualTo(Reachable.SAFE);
            List<SmtpAttempt> attempts = out.debug().smtp().attempts();
            assertThat(attempts).extracting(SmtpAttempt::outcome).containsExactly(Outcome.IP_BLACKLISTED, Outcome.VERDICT);
            assertThat(attempts.get(0).proxy()).isEqualTo("p1");
            assertThat(attempts.get(0).error()).contains("spamhaus");
            String second = attempts.get(1).proxy();
            assertThat(second).isIn("p2", "p3");
            assertThat(usedConfig(out).proxy()).isEqualTo(second);
            // The server saw the address once from each proxy, in that order.
            assertThat(sessionsFor("alice@example.test")).extracting(s -> proxyOf(s.peer())).containsExactly("p1", second);
            // The (p1, provider) pair is now avoided; p1 itself stays in rotation.
            ProxyStatus p1 = pool.snapshot().stream().filter(s -> s.id().equals("p1")).findFirst().orElseThrow();
            assertThat(p1.state()).isEqualTo(ProxyStatus.State.HEALTHY);
            assertThat(p1.blacklistedUntil()).isNotEmpty();
        }
    }

    @Test
    void withRetryOnBlacklistOffTheBlacklistReplyIsTheResult() throws Exception {
        smtp.onRcptFrom("alice@example.test", egress("p1"), Reply.lines(BLACKLISTED));
        ProxyPool pool = pool(roundRobin(3, false), UnaryOperator.identity());
        try (EmailVerifier verifier = verifier(pool)) {
            CheckEmailOutput out = verifier.verify(input("alice@example.test", pool, Duration.ofSeconds(3)));

            assertThat(out.isReachable()).isEqualTo(Reachable.UNKNOWN);
            assertThat(out.smtpError().description()).isEqualTo(SmtpError.Description.IP_BLACKLISTED);
            assertThat(out.debug().smtp().attempts()).singleElement().satisfies(a -> {
                assertThat(a.proxy()).isEqualTo("p1");
                assertThat(a.outcome()).isEqualTo(Outcome.IP_BLACKLISTED);
            });
            assertThat(sessionsFor("alice@example.test")).extracting(s -> proxyOf(s.peer())).containsExactly("p1");
        }
    }

    @Test
    void maxAttemptsCapsFailoverOverDeadProxies() {
        List<PoolProxy> dead = new ArrayList<>();
        for (String id : List.of("d1", "d2", "d3")) {
            // A free loopback port with nothing listening: every connect is refused, a proxy fault.
            dead.add(PoolProxy.of(id, new ProxyConfig(LoopbackPorts.HOST, LoopbackPorts.freePort(), null, null, null)));
        }
        ProxyPool pool = ProxyPool.create(dead, roundRobin(2, true));
        try (EmailVerifier verifier = verifier(pool)) {
            CheckEmailOutput out = verifier.verify(input("alice@example.test", pool, Duration.ofSeconds(3)));

            assertThat(out.isReachable()).isEqualTo(Reachable.UNKNOWN);
            List<SmtpAttempt> attempts = out.debug().smtp().attempts();
            assertThat(attempts).hasSize(2);
            assertThat(attempts).extracting(SmtpAttempt::outcome).containsOnly(Outcome.PROXY_FAULT);
            assertThat(attempts).extracting(SmtpAttempt::proxy).doesNotHaveDuplicates();
            assertThat(smtp.connectionCount()).isZero();
            // Only the two proxies tried were charged with a fault.
            assertThat(pool.snapshot().stream().mapToLong(ProxyStatus::proxyFaults).sum()).isEqualTo(2);
        }
    }

    @Test
    void theOverallDeadlineHoldsWhenEveryProxyHangs() {
        ProxyPool pool = pool(roundRobin(3, true), UnaryOperator.identity());
        Duration smtpTimeout = Duration.ofSeconds(1);
        // One SMTP attempt plus two failovers, each bounded by smtp_timeout.
        Duration deadline = smtpTimeout.multipliedBy(3);
        try (EmailVerifier verifier = verifier(pool)) {
            // Warm up first (class loading, word lists), so the timing below is the verification's own.
            assertThat(verifier.verify(input("warm@example.test", pool, smtpTimeout)).isReachable()).isEqualTo(Reachable.SAFE);
            int sessionsBefore = smtp.connectionCount();
            socks.values().forEach(Microsocks::suspend); // TCP connects complete, the SOCKS handshake never answers
            try {
                long start = System.nanoTime();
                CheckEmailOutput out = verifier.verify(input("alice@example.test", pool, smtpTimeout));
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertThat(took).isLessThan(deadline.plusSeconds(2));
                assertThat(out.isReachable()).isEqualTo(Reachable.UNKNOWN);
                // Upstream's shape for an attempt that ran out of time: {"type":"Timeout", …}.
                assertThat(out.smtpError().type()).isEqualTo(SmtpError.Type.TIMEOUT);
                assertThat(out.smtpError().timeout()).isEqualTo(smtpTimeout);
                List<SmtpAttempt> attempts = out.debug().smtp().attempts();
                assertThat(attempts).extracting(SmtpAttempt::proxy).containsExactlyInAnyOrder("p1", "p2", "p3");
                assertThat(attempts).allSatisfy(a -> {
                    assertThat(a.outcome()).isEqualTo(Outcome.PROXY_FAULT);
                    assertThat(a.error()).isEqualTo("timeout");
                });
                assertThat(smtp.connectionCount()).isEqualTo(sessionsBefore);
            } finally {
                socks.values().forEach(Microsocks::resume);
            }
        }
    }

    @Test
    void eachProxysHelloNameAndFromEmailAreWhatTheServerSees() throws Exception {
        // p3 has no identity of its own: the top-level values apply through it.
        UnaryOperator<PoolProxy> identity = m -> m.id().equals("p3") ? m
                : new PoolProxy(m.id(), m.proxy(), 1, "mta." + m.id() + ".test", "bounce@" + m.id() + ".test", null, null);
        smtp.onRcptFrom("bob@example.test", egress("p1"), Reply.lines(BLACKLISTED));
        ProxyPool pool = pool(roundRobin(3, true), identity);
        try (EmailVerifier verifier = verifier(pool)) {
            for (int i = 0; i < 3; i++) {
                CheckEmailOutput out = verifier.verify(input("user" + i + "@example.test", pool, Duration.ofSeconds(3)));
                assertThat(out.isReachable()).as(out.toString()).isEqualTo(Reachable.SAFE);
            }
            // Round robin is back at p1, which is blacklisted for bob; the attempt through the
            // proxy it fails over to must switch to that proxy's identity.
            CheckEmailOutput bob = verifier.verify(input("bob@example.test", pool, Duration.ofSeconds(3)));
            assertThat(bob.isReachable()).as(bob.toString()).isEqualTo(Reachable.SAFE);
            List<SmtpAttempt> attempts = bob.debug().smtp().attempts();
            assertThat(attempts).extracting(SmtpAttempt::proxy).first().isEqualTo("p1");
            String second = attempts.get(1).proxy();
            assertThat(usedConfig(bob).proxy()).isEqualTo(second);
            assertThat("EHLO " + usedConfig(bob).helloName() + " MAIL FROM:<" + usedConfig(bob).fromEmail() + ">")
                    .isEqualTo(IDENTITY_SEEN.get(second));

            List<String> seen = smtp.sessions().stream().map(s -> proxyOf(s.peer()) + " " + command(s, "EHLO ") + " "
                    + command(s, "MAIL FROM:")).toList();
            assertThat(seen).containsExactly(
                    "p1 " + IDENTITY_SEEN.get("p1"),
                    "p2 " + IDENTITY_SEEN.get("p2"),
                    "p3 " + IDENTITY_SEEN.get("p3"),
                    "p1 " + IDENTITY_SEEN.get("p1"),
                    second + " " + IDENTITY_SEEN.get(second));
        }
    }

    /** What the SMTP server must see through each proxy in the identity test. */
    private static final Map<String, String> IDENTITY_SEEN = Map.of(
            "p1", "EHLO mta.p1.test MAIL FROM:<bounce@p1.test>",
            "p2", "EHLO mta.p2.test MAIL FROM:<bounce@p2.test>",
            "p3", "EHLO probe.test MAIL FROM:<probe@client.test>");

    @Test
    void noBudgetBeforeTheDeadlineIsASignalToTryLaterNotAnUnknownResult() {
        // p1 alone, one verification a minute: the second one cannot get budget within its deadline.
        ProxyPool pool = pool(roundRobin(3, true).withMembers(List.of("p1")), m -> m.id().equals("p1")
                ? new PoolProxy(m.id(), m.proxy(), 1, null, null, null, new RateLimits(null, 1, null, null)) : m);
        try (EmailVerifier verifier = verifier(pool)) {
            assertThat(verifier.verify(input("user0@example.test", pool, Duration.ofSeconds(2))).isReachable())
                    .isEqualTo(Reachable.SAFE);
            for (LimitPolicy policy : List.of(LimitPolicy.WAIT, LimitPolicy.FAIL)) {
                Instant before = Instant.now();
                assertThatThrownBy(() -> verifier.verify(input("user1@example.test", pool, Duration.ofSeconds(2)), policy))
                        .as(policy.name())
                        .isInstanceOfSatisfying(ProxyLimitExceededException.class, e -> {
                            assertThat(e.retryAfter()).isBetween(Duration.ofSeconds(50), Duration.ofSeconds(60));
                            assertThat(e.budgetReturnsAt()).isBetween(before.plus(e.retryAfter()),
                                    Instant.now().plus(e.retryAfter()));
                        });
            }
            assertThat(smtp.sessions()).hasSize(1); // nothing was tried for user1
            // v0 ignores limits, as upstream ignores its throttle there.
            assertThat(verifier.verify(input("user1@example.test", pool, Duration.ofSeconds(2)), LimitPolicy.IGNORE)
                    .isReachable()).isEqualTo(Reachable.SAFE);
            assertThat(smtp.sessions()).hasSize(2);
        }
    }

    private static String command(Session s, String prefix) {
        return s.commands().stream().filter(c -> c.startsWith(prefix)).findFirst().orElse("(no " + prefix.strip() + ")");
    }
}

package dev.reacher.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpAttempt;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.core.verify.Reachable;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import dev.reacher.testkit.ScriptedSmtpServer;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool end to end through three real microsocks processes, each binding its outgoing
 * connections to its own loopback address, so the SMTP fixture can tell them apart.
 */
class PoolEndToEndTest {
    private static final Map<String, String> BIND = Map.of("p1", "127.0.0.11", "p2", "127.0.0.12", "p3", "127.0.0.13");

    private static DnsFixture dns;
    private static Microsocks p1;
    private static Microsocks p2;
    private static Microsocks p3;
    private ScriptedSmtpServer smtp;

    @BeforeAll
    static void peers() throws Exception {
        dns = DnsFixture.start()
                .mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.1")
                .mx("gmail.test", 10, "gmail-smtp-in.l.google.com").a("gmail-smtp-in.l.google.com", "127.0.0.1");
        p1 = Microsocks.builder().bindAddress(BIND.get("p1")).credentials("alice", "s3cret").start();
        p2 = Microsocks.builder().bindAddress(BIND.get("p2")).start();
        p3 = Microsocks.builder().bindAddress(BIND.get("p3")).start();
    }

    @AfterAll
    static void stopPeers() {
        p1.close();
        p2.close();
        p3.close();
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

    private static Map<String, ProxyConfig> proxies() {
        Map<String, ProxyConfig> m = new LinkedHashMap<>();
        m.put("p1", new ProxyConfig(p1.host(), p1.port(), "alice", "s3cret", 2_000L));
        m.put("p2", new ProxyConfig(p2.host(), p2.port(), null, null, 2_000L));
        m.put("p3", new ProxyConfig(p3.host(), p3.port(), null, null, 2_000L));
        return m;
    }

    /** Real time plus what the test skipped, shared by the pool and the SMTP step. */
    private final SkippingClock clock = new SkippingClock();

    private EmailVerifier verifier(ProxyPool pool) {
        return EmailVerifier.builder().dnsServers(DnsServers.parse(dns.address())).proxyPool(pool)
                .proxyDns(SmtpVerifier.ProxyDns.LOCAL).clock(clock).build();
    }

    private ProxyPool pool(PoolSettings settings, Map<String, Integer> weights) {
        List<PoolProxy> members = new ArrayList<>();
        proxies().forEach((id, cfg) -> members.add(PoolProxy.of(id, cfg).withWeight(weights.getOrDefault(id, 1))));
        return ProxyPool.create(members, settings, ProxySelectionStrategy.named(settings.strategy()), clock,
                new SplittableRandom());
    }

    private CheckEmailInput input(String email, String gmailProxy) {
        SmtpConfig base = new SmtpConfig("probe@client.test", "probe.test", null, smtp.port(), Duration.ofSeconds(3), 1);
        Map<Provider, ProviderMethod> methods = new EnumMap<>(Provider.class);
        for (Provider p : Provider.values()) {
            methods.put(p, ProviderMethod.smtp(p == Provider.GMAIL && gmailProxy != null ? base.withProxy(gmailProxy) : base));
        }
        return CheckEmailInput.of(email).withVerifMethod(VerifMethod.of(proxies(), methods));
    }

    /** Which proxy each SMTP session came through, by its peer address. */
    private List<String> sessionProxies() {
        List<String> ids = new ArrayList<>();
        for (InetAddress peer : smtp.peers()) {
            ids.add(BIND.entrySet().stream().filter(e -> e.getValue().equals(peer.getHostAddress()))
                    .map(Map.Entry::getKey).findFirst().orElse("direct:" + peer.getHostAddress()));
        }
        return ids;
    }

    private static Map<String, Integer> count(List<String> ids) {
        Map<String, Integer> counts = new TreeMap<>();
        ids.forEach(id -> counts.merge(id, 1, Integer::sum));
        return counts;
    }

    private static String usedProxy(CheckEmailOutput out) {
        return ((dev.reacher.core.verify.DebugDetails.UsedMethod.Smtp) out.debug().smtp().verifMethod()).config().proxy();
    }

    @Test
    void roundRobinSpreadsThirtyVerificationsTenTenTen() {
        try (EmailVerifier verifier = verifier(pool(PoolSettings.enabled("round_robin"), Map.of()))) {
            List<String> reported = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                CheckEmailOutput out = verifier.verify(input("user" + i + "@example.test", null));
                assertThat(out.isReachable()).as(out.toString()).isEqualTo(Reachable.SAFE);
                reported.add(usedProxy(out));
            }
            assertThat(count(sessionProxies())).isEqualTo(Map.of("p1", 10, "p2", 10, "p3", 10));
            // debug names the proxy the SMTP server actually saw, verification by verification
            assertThat(reported).isEqualTo(sessionProxies());
        }
    }

    @Test
    void weightedThreeOneOneGivesEighteenSixSix() {
        try (EmailVerifier verifier = verifier(pool(PoolSettings.enabled("weighted"), Map.of("p1", 3)))) {
            for (int i = 0; i < 30; i++) {
                assertThat(verifier.verify(input("user" + i + "@example.test", null)).isReachable()).isEqualTo(Reachable.SAFE);
            }
            assertThat(count(sessionProxies())).isEqualTo(Map.of("p1", 18, "p2", 6, "p3", 6));
        }
    }

    @Test
    void gmailPinnedAddressesAllGoThroughTheirProxy() {
        try (EmailVerifier verifier = verifier(pool(PoolSettings.enabled("round_robin"), Map.of()))) {
            for (int i = 0; i < 9; i++) {
                CheckEmailOutput out = verifier.verify(input("user" + i + "@gmail.test", "p2"));
                assertThat(out.isReachable()).isEqualTo(Reachable.SAFE);
                assertThat(usedProxy(out)).isEqualTo("p2");
            }
            assertThat(count(sessionProxies())).isEqualTo(Map.of("p2", 9));
        }
    }

    @Test
    void deadProxyIsFailedOverEjectedAndReadmittedAfterItComesBack() throws Exception {
        PoolSettings settings = PoolSettings.enabled("round_robin")
                // Long enough that p2 surely stays ejected while the test runs; the test then skips it on the clock.
                .withEjection(new PoolSettings.Ejection(2, Duration.ofMinutes(1), Duration.ofMinutes(5)));
        ProxyPool pool = pool(settings, Map.of());
        try (EmailVerifier verifier = verifier(pool)) {
            List<Reachable> verdicts = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                verdicts.add(verifier.verify(input("a" + i + "@example.test", null)).isReachable());
            }
            int before = smtp.sessions().size();
            p2.stop();
            try {
                List<String> failedOver = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    CheckEmailOutput out = verifier.verify(input("b" + i + "@example.test", null));
                    verdicts.add(out.isReachable());
                    assertThat(usedProxy(out)).isNotEqualTo("p2");
                    List<dev.reacher.core.smtp.SmtpAttempt> attempts = out.debug().smtp().attempts();
                    if (attempts.size() > 1) {
                        failedOver.add(attempts.get(0).proxy() + ":" + attempts.get(0).outcome().json() + ">"
                                + attempts.get(1).outcome().json());
                    }
                }
                // p2 was tried until it was ejected; each time the verification moved on to a live proxy
                assertThat(failedOver).isNotEmpty().containsOnly("p2:proxy_fault>verdict");
                ProxyStatus p2Status = pool.snapshot().stream().filter(s -> s.id().equals("p2")).findFirst().orElseThrow();
                assertThat(p2Status.state()).isEqualTo(ProxyStatus.State.EJECTED);
                assertThat(p2Status.proxyFaults()).isGreaterThanOrEqualTo(2);
                assertThat(sessionProxies().subList(before, smtp.sessions().size())).doesNotContain("p2");
            } finally {
                p2.start();
            }
            Instant until = pool.snapshot().stream().filter(s -> s.id().equals("p2")).findFirst()
                    .map(ProxyStatus::ejectedUntil).map(Instant::parse).orElseThrow();
            clock.skipTo(until.plusMillis(1)); // p2's ejection time is over: it is on trial
            int afterRestart = smtp.sessions().size();
            for (int i = 0; i < 9; i++) {
                verdicts.add(verifier.verify(input("c" + i + "@example.test", null)).isReachable());
            }
            assertThat(verdicts).hasSize(30).containsOnly(Reachable.SAFE);
            assertThat(sessionProxies().subList(afterRestart, smtp.sessions().size())).contains("p2");
            assertThat(pool.snapshot().stream().filter(s -> s.id().equals("p2")).findFirst().orElseThrow().state())
                    .isEqualTo(ProxyStatus.State.HEALTHY);
        }
    }

    private static Microsocks proxyBoundTo(InetAddress peer) {
        return Map.of("127.0.0.11", p1, "127.0.0.12", p2, "127.0.0.13", p3).get(peer.getHostAddress());
    }

    @Test
    void proxyKilledMidConversationIsFailedOverAndTheVerificationStillGetsItsVerdict() throws Exception {
        // Every MAIL FROM is answered late, so the conversation is surely in flight when its proxy dies.
        smtp.onMail(Reply.delayed(Duration.ofMillis(1500), Reply.lines("250 2.1.0 Ok")));
        ProxyPool pool = pool(PoolSettings.enabled("round_robin"), Map.of());
        Microsocks killed = null;
        try (EmailVerifier verifier = verifier(pool);
                ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<CheckEmailOutput> result = executor.submit(() -> verifier.verify(input("alice@example.test", null)));
            ScriptedSmtpServer.Session inFlight = org.awaitility.Awaitility.await("a session waiting for its MAIL FROM reply")
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> smtp.sessions().stream()
                            .filter(session -> session.commands().stream().anyMatch(c -> c.startsWith("MAIL FROM:")))
                            .findFirst().orElse(null), java.util.Objects::nonNull);
            String killedAddress = inFlight.peer().getHostAddress();
            String killedId = BIND.entrySet().stream().filter(e -> e.getValue().equals(killedAddress))
                    .map(Map.Entry::getKey).findFirst().orElseThrow();
            killed = proxyBoundTo(inFlight.peer());
            killed.stop(); // SIGTERM: the proxy's connections to us and to the MX drop

            CheckEmailOutput out = result.get(30, TimeUnit.SECONDS);
            assertThat(out.isReachable()).as(out.toString()).isEqualTo(Reachable.SAFE);
            List<SmtpAttempt> attempts = out.debug().smtp().attempts();
            assertThat(attempts).hasSize(2);
            assertThat(attempts.get(0).proxy()).isEqualTo(killedId);
            assertThat(attempts.get(0).outcome()).isEqualTo(SmtpAttempt.Outcome.PROXY_FAULT);
            assertThat(attempts.get(0).error()).startsWith("io: ").contains("no longer answers");
            assertThat(attempts.get(1).proxy()).isNotEqualTo(killedId);
            assertThat(attempts.get(1).outcome()).isEqualTo(SmtpAttempt.Outcome.VERDICT);
            assertThat(usedProxy(out)).isEqualTo(attempts.get(1).proxy());
            assertThat(pool.snapshot().stream().filter(st -> st.id().equals(killedId)).findFirst().orElseThrow()
                    .proxyFaults()).isEqualTo(1);
        } finally {
            if (killed != null) {
                killed.start();
            }
        }
    }

    @Test
    void mxHangingUpThroughALiveProxyIsStillTheMxsFault() {
        smtp.onMail(Reply.close());
        ProxyPool pool = pool(PoolSettings.enabled("round_robin"), Map.of());
        try (EmailVerifier verifier = verifier(pool)) {
            CheckEmailOutput out = verifier.verify(input("alice@example.test", null));
            assertThat(out.isReachable()).isEqualTo(Reachable.UNKNOWN);
            List<SmtpAttempt> attempts = out.debug().smtp().attempts();
            assertThat(attempts).hasSize(1);
            assertThat(attempts.get(0).outcome()).isEqualTo(SmtpAttempt.Outcome.TARGET_FAULT);
            assertThat(attempts.get(0).error()).isEqualTo("io: incomplete");
            assertThat(pool.snapshot()).allSatisfy(st -> assertThat(st.proxyFaults()).isZero());
        }
    }

    /** The system clock plus an offset the test moves forward, so ejection time passes without waiting. */
    private static final class SkippingClock extends java.time.Clock {
        private volatile Duration skipped = Duration.ZERO;

        void skipTo(Instant target) {
            Duration ahead = Duration.between(instant(), target);
            if (ahead.isPositive()) {
                skipped = skipped.plus(ahead);
            }
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(skipped);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}

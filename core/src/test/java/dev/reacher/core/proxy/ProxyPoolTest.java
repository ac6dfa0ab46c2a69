package dev.reacher.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.socks5.ProxyConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Health, ejection, blacklist backoff and limits, driven by a hand-moved clock. */
class ProxyPoolTest {
    private final MutableClock clock = new MutableClock();
    private final List<String> events = new ArrayList<>();

    private ProxyPool pool(PoolSettings settings, PoolProxy... proxies) {
        ProxyPool pool = ProxyPool.create(List.of(proxies), settings, ProxySelectionStrategy.named(settings.strategy()),
                clock, new SplittableRandom(3));
        pool.addListener(new PoolListener() {
            @Override
            public void ejected(String proxyId, Instant until) {
                events.add("ejected " + proxyId);
            }

            @Override
            public void readmitted(String proxyId) {
                events.add("readmitted " + proxyId);
            }

            @Override
            public void blacklisted(String proxyId, Provider provider, Instant until) {
                events.add("blacklisted " + proxyId + " " + provider.key());
            }
        });
        return pool;
    }

    private static PoolProxy proxy(String id) {
        return PoolProxy.of(id, new ProxyConfig("127.0.0.1", 1000 + id.charAt(id.length() - 1)));
    }

    private static PoolSettings settings(int failures, long baseMs, long maxMs) {
        return PoolSettings.enabled("round_robin")
                .withEjection(new PoolSettings.Ejection(failures, Duration.ofMillis(baseMs), Duration.ofMillis(maxMs)));
    }

    private static Lease lease(ProxyPool pool, Provider provider) {
        return (Lease) pool.rotation().pick(provider, "example.test", Set.of(), false);
    }

    private static String pickId(ProxyPool pool, Provider provider, Outcome outcome) {
        Lease l = lease(pool, provider);
        l.report(outcome, Duration.ofMillis(5));
        return l.proxy().id();
    }

    private static ProxyStatus.State state(ProxyPool pool, String id) {
        return pool.snapshot().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow().state();
    }

    @Test
    void consecutiveProxyFaultsEjectThenTrialReadmits() {
        ProxyPool pool = pool(settings(2, 30_000, 300_000), proxy("p1"), proxy("p2"));
        // p1, p2, p1 (second fault) -> p1 ejected
        assertThat(pickId(pool, Provider.GMAIL, Outcome.PROXY_FAULT)).isEqualTo("p1");
        assertThat(pickId(pool, Provider.GMAIL, Outcome.VERDICT)).isEqualTo("p2");
        assertThat(pickId(pool, Provider.GMAIL, Outcome.PROXY_FAULT)).isEqualTo("p1");
        assertThat(state(pool, "p1")).isEqualTo(ProxyStatus.State.EJECTED);
        assertThat(events).containsExactly("ejected p1");
        for (int i = 0; i < 5; i++) {
            assertThat(pickId(pool, Provider.GMAIL, Outcome.VERDICT)).isEqualTo("p2");
        }
        clock.advance(Duration.ofSeconds(31));
        assertThat(state(pool, "p1")).isEqualTo(ProxyStatus.State.TRIAL);
        // on trial, a single fault re-ejects, for twice as long
        Lease l;
        do {
            l = lease(pool, Provider.GMAIL);
            l.report(l.proxy().id().equals("p1") ? Outcome.PROXY_FAULT : Outcome.VERDICT, Duration.ZERO);
        } while (!l.proxy().id().equals("p1"));
        assertThat(state(pool, "p1")).isEqualTo(ProxyStatus.State.EJECTED);
        clock.advance(Duration.ofSeconds(31));
        assertThat(state(pool, "p1")).isEqualTo(ProxyStatus.State.EJECTED);
        clock.advance(Duration.ofSeconds(30));
        assertThat(state(pool, "p1")).isEqualTo(ProxyStatus.State.TRIAL);
        // a success on trial restores it
        String id;
        do {
            id = pickId(pool, Provider.GMAIL, Outcome.VERDICT);
        } while (!id.equals("p1"));
        assertThat(state(pool, "p1")).isEqualTo(ProxyStatus.State.HEALTHY);
        assertThat(events).containsExactly("ejected p1", "ejected p1", "readmitted p1");
        assertThat(pool.snapshot().get(0).timesEjected()).isEqualTo(2);
    }

    @Test
    void ejectionTimeIsCapped() {
        ProxyPool pool = pool(settings(1, 1_000, 2_500), proxy("p1"));
        for (int i = 0; i < 4; i++) {
            pickId(pool, Provider.GMAIL, Outcome.PROXY_FAULT); // fail-open picks the only proxy
            Instant until = Instant.parse(pool.snapshot().get(0).ejectedUntil());
            assertThat(Duration.between(clock.instant(), until)).isLessThanOrEqualTo(Duration.ofMillis(2_500));
            clock.advance(Duration.ofSeconds(3));
        }
    }

    @Test
    void otherOutcomesDoNotCountAgainstTheProxy() {
        ProxyPool pool = pool(settings(2, 30_000, 300_000), proxy("p1"));
        for (Outcome o : List.of(Outcome.GREYLISTED, Outcome.TARGET_FAULT, Outcome.PROXY_FAULT, Outcome.VERDICT,
                Outcome.PROXY_FAULT, Outcome.TARGET_FAULT)) {
            pickId(pool, Provider.GMAIL, o);
        }
        assertThat(state(pool, "p1")).isEqualTo(ProxyStatus.State.HEALTHY);
        assertThat(pool.snapshot().get(0).proxyFaults()).isEqualTo(2);
    }

    @Test
    void blacklistAvoidsThePairForThatProviderOnly() {
        ProxyPool pool = pool(settings(5, 30_000, 300_000), proxy("p1"), proxy("p2"));
        assertThat(pickId(pool, Provider.GMAIL, Outcome.IP_BLACKLISTED)).isEqualTo("p1");
        assertThat(events).containsExactly("blacklisted p1 gmail");
        for (int i = 0; i < 6; i++) {
            assertThat(pickId(pool, Provider.GMAIL, Outcome.VERDICT)).isEqualTo("p2");
        }
        List<String> others = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            others.add(pickId(pool, Provider.EVERYTHING_ELSE, Outcome.VERDICT));
        }
        assertThat(others).contains("p1", "p2");
        assertThat(pool.snapshot().get(0).blacklistedUntil()).containsOnlyKeys("gmail");
        // full jitter: at most the 300 s base on the first strike
        clock.advance(Duration.ofSeconds(301));
        assertThat(pool.snapshot().get(0).blacklistedUntil()).isEmpty();
        List<String> gmail = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            gmail.add(pickId(pool, Provider.GMAIL, Outcome.VERDICT));
        }
        assertThat(gmail).contains("p1");
    }

    @Test
    void perSecondBudgetIsEnforcedAndRefills() {
        PoolProxy limited = new PoolProxy("p1", new ProxyConfig("127.0.0.1", 1080), 1, null, null, null,
                new RateLimits(2, null, null, null));
        ProxyPool pool = pool(settings(5, 30_000, 300_000), limited);
        pickId(pool, Provider.GMAIL, Outcome.VERDICT);
        pickId(pool, Provider.GMAIL, Outcome.VERDICT);
        ProxyPool.Pick third = pool.rotation().pick(Provider.GMAIL, "x.test", Set.of(), false);
        assertThat(third).isInstanceOf(ProxyPool.Exhausted.class);
        assertThat(((ProxyPool.Exhausted) third).retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));
        // v0 ignores limits
        assertThat(pool.rotation().pick(Provider.GMAIL, "x.test", Set.of(), true)).isInstanceOf(Lease.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(pool.rotation().pick(Provider.GMAIL, "x.test", Set.of(), false)).isInstanceOf(Lease.class);
    }

    @Test
    void maxInFlightSkipsABusyProxy() {
        PoolProxy capped = new PoolProxy("p1", new ProxyConfig("127.0.0.1", 1080), 1, null, null, 1, null);
        ProxyPool pool = pool(settings(5, 30_000, 300_000), capped, proxy("p2"));
        Lease first = lease(pool, Provider.GMAIL);
        assertThat(first.proxy().id()).isEqualTo("p1");
        for (int i = 0; i < 3; i++) {
            Lease l = lease(pool, Provider.GMAIL);
            assertThat(l.proxy().id()).isEqualTo("p2");
            l.report(Outcome.VERDICT, Duration.ZERO);
        }
        first.report(Outcome.VERDICT, Duration.ZERO);
        first.report(Outcome.PROXY_FAULT, Duration.ZERO); // a second report is ignored
        assertThat(pool.snapshot().get(0).inFlight()).isZero();
        assertThat(pool.snapshot().get(0).proxyFaults()).isZero();
    }

    @Test
    void allEjectedFailsOpenToTheOneThatRecoversFirstThenGivesUp() {
        ProxyPool pool = pool(settings(1, 10_000, 300_000), proxy("p1"), proxy("p2"));
        pickId(pool, Provider.GMAIL, Outcome.PROXY_FAULT); // p1 ejected until +10 s
        clock.advance(Duration.ofSeconds(2));
        pickId(pool, Provider.GMAIL, Outcome.PROXY_FAULT); // p2 ejected until +12 s
        ProxyPool.Pick pick = pool.rotation().pick(Provider.GMAIL, "x.test", Set.of(), false);
        assertThat(pick).isInstanceOf(Lease.class);
        assertThat(((Lease) pick).proxy().id()).isEqualTo("p1");
        ((Lease) pick).report(Outcome.PROXY_FAULT, Duration.ZERO);
        ProxyPool.Pick after = pool.rotation().pick(Provider.GMAIL, "x.test", Set.of("p1"), false);
        assertThat(after).isInstanceOf(ProxyPool.Unavailable.class);
        assertThat(((ProxyPool.Unavailable) after).reason()).startsWith("all proxies unavailable");
    }

    @Test
    void rotationsAreBuiltOnceAndShareHealth() {
        ProxyPool pool = pool(settings(1, 10_000, 300_000), proxy("p1"), proxy("p2"), proxy("p3"));
        assertThat(pool.rotation(List.of("p3", "p1"))).isSameAs(pool.rotation(List.of("p1", "p3")));
        Lease l = (Lease) pool.rotation(List.of("p1")).pick(Provider.GMAIL, "x", Set.of(), false);
        l.report(Outcome.PROXY_FAULT, Duration.ZERO);
        for (int i = 0; i < 4; i++) {
            assertThat(pickId(pool, Provider.GMAIL, Outcome.VERDICT)).isNotEqualTo("p1");
        }
    }

    @Test
    void invalidPoolsAreRejectedWithClearMessages() {
        assertThatThrownBy(() -> ProxyPool.create(List.of(), PoolSettings.enabled("round_robin")))
                .hasMessageContaining("no proxy is defined");
        assertThatThrownBy(() -> ProxyPool.create(List.of(proxy("p1"), proxy("p1")), PoolSettings.DISABLED))
                .hasMessageContaining("duplicate proxy id p1");
        assertThatThrownBy(() -> ProxyPool.create(List.of(proxy("p1")), PoolSettings.DISABLED).rotation(List.of("p9")))
                .hasMessageContaining("unknown proxy id `p9`");
        assertThatThrownBy(() -> proxy("p1").withWeight(0)).hasMessageContaining("weight must be at least 1");
        assertThatThrownBy(() -> PoolSettings.enabled("fastest")).hasMessageContaining("unknown strategy");
        assertThatThrownBy(() -> PoolSettings.enabled("random").withMaxAttempts(0)).hasMessageContaining("max_attempts");
    }

    @Test
    void snapshotNeverShowsCredentials() {
        PoolProxy secret = PoolProxy.of("p1", new ProxyConfig("127.0.0.1", 1080, "alice", "s3cret", null));
        ProxyPool pool = pool(settings(5, 30_000, 300_000), secret);
        String json = dev.reacher.core.json.ReacherJson.write(pool.snapshot());
        assertThat(json).contains("\"id\":\"p1\"", "\"address\":\"127.0.0.1:1080\"").doesNotContain("s3cret", "alice");
    }

    @Test
    void transitionsAreLoggedOnceWithReasonAndUntilAndShownAsLastError() {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ProxyPool.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            PoolProxy p1 = PoolProxy.of("p1", new ProxyConfig("127.0.0.1", 1049, "alice", "pw-s3cret", 5000L));
            ProxyPool pool = pool(settings(1, 30_000, 300_000), p1, proxy("p2"));
            Instant t0 = clock.instant();
            Lease l1 = lease(pool, Provider.GMAIL);
            assertThat(l1.proxy().id()).isEqualTo("p1");
            l1.report(Outcome.PROXY_FAULT, Duration.ofMillis(5), "Authentication failed for pw-s3cret: refused");
            Lease l2 = lease(pool, Provider.GMAIL);
            assertThat(l2.proxy().id()).isEqualTo("p2");
            l2.report(Outcome.IP_BLACKLISTED, Duration.ofMillis(5), "554 blocked using zen.spamhaus.org");
            String blacklistedUntil = pool.snapshot().get(1).blacklistedUntil().get("gmail");

            clock.advance(Duration.ofSeconds(31));
            Lease trial = (Lease) pool.rotation().pick(Provider.YAHOO, "x.test", Set.of("p2"), false);
            Lease second = (Lease) pool.rotation().pick(Provider.YAHOO, "x.test", Set.of("p2"), false);
            assertThat(trial.proxy().id()).isEqualTo("p1");
            assertThat(second.proxy().id()).isEqualTo("p1");
            trial.report(Outcome.VERDICT, Duration.ofMillis(5), null);
            second.cancel();

            assertThat(appender.list).allMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.INFO)
                    .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .containsExactly(
                            "proxy p1 ejected until " + t0.plusSeconds(30) + ": Authentication failed for ***: refused",
                            "proxy p2 backed off for gmail until " + blacklistedUntil
                                    + ": 554 blocked using zen.spamhaus.org",
                            "proxy p1 on trial: its ejection ended, the next fault ejects it again "
                                    + "(last error: Authentication failed for ***: refused)",
                            "proxy p1 readmitted: a verification through it succeeded on trial");
            ProxyStatus s1 = pool.snapshot().get(0);
            assertThat(s1.lastError()).isEqualTo("Authentication failed for ***: refused");
            assertThat(s1.lastErrorAt()).isEqualTo(t0.toString());
            assertThat(pool.snapshot().get(1).lastError()).isEqualTo("554 blocked using zen.spamhaus.org");
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void blacklistIsScopedByMxHostForEverythingElseAndByProviderForNamedOnes() {
        ProxyPool pool = pool(settings(5, 30_000, 300_000), proxy("p1"), proxy("p2"));
        Lease small = (Lease) pool.rotation()
                .pick(Provider.EVERYTHING_ELSE, "MX.Small.Example.", "small.example", Set.of(), false);
        assertThat(small.proxy().id()).isEqualTo("p1");
        small.report(Outcome.IP_BLACKLISTED, Duration.ZERO, "554 blocked using zen.spamhaus.org");
        assertThat(pool.snapshot().get(0).blacklistedUntil()).containsOnlyKeys("mx.small.example");
        // The same MX host: p1 is avoided.
        assertThat(pool.rotation().pick(Provider.EVERYTHING_ELSE, "mx.small.example", "small.example", Set.of("p2"), false))
                .isInstanceOf(ProxyPool.Unavailable.class);
        // Any other server of everything_else: p1 still serves.
        Lease other = (Lease) pool.rotation()
                .pick(Provider.EVERYTHING_ELSE, "mx.other.example", "other.example", Set.of("p2"), false);
        assertThat(other.proxy().id()).isEqualTo("p1");
        other.cancel();

        // A named provider shares one reputation: a blacklist from one of its MX hosts covers all.
        Lease gmail = (Lease) pool.rotation()
                .pick(Provider.GMAIL, "gmail-smtp-in.l.google.com.", "gmail.com", Set.of("p1"), false);
        assertThat(gmail.proxy().id()).isEqualTo("p2");
        gmail.report(Outcome.IP_BLACKLISTED, Duration.ZERO, "550 poor reputation");
        assertThat(pool.rotation().pick(Provider.GMAIL, "alt1.gmail-smtp-in.l.google.com.", "gmail.com", Set.of("p1"),
                false)).isInstanceOf(ProxyPool.Unavailable.class);
        assertThat(pool.snapshot().get(1).blacklistedUntil()).containsOnlyKeys("gmail");
        assertThat(events).containsExactly("blacklisted p1 everything_else", "blacklisted p2 gmail");
    }

    @Test
    void unavailableOnlyWhileEveryMemberIsEjected() {
        ProxyPool pool = pool(settings(1, 30_000, 300_000), proxy("p1"), proxy("p2"));
        Instant t0 = clock.instant();
        assertThat(pool.unavailableReason()).isNull();
        assertThat(pickId(pool, Provider.GMAIL, Outcome.PROXY_FAULT)).isEqualTo("p1");
        assertThat(pool.unavailableReason()).isNull(); // p2 still serves
        assertThat(pickId(pool, Provider.GMAIL, Outcome.PROXY_FAULT)).isEqualTo("p2");
        assertThat(pool.unavailableReason()).isEqualTo("every proxy of the pool is ejected and the pool allows no "
                + "direct route: p1 until " + t0.plusSeconds(30) + ", p2 until " + t0.plusSeconds(30));
        clock.advance(Duration.ofSeconds(31)); // on trial: may serve again
        assertThat(pool.unavailableReason()).isNull();
        ProxyPool disabled = pool(PoolSettings.DISABLED, proxy("p1"));
        assertThat(disabled.unavailableReason()).isNull();
    }
}

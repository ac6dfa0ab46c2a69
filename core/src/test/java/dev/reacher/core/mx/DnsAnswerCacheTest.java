package dev.reacher.core.mx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.core.mx.MxResolver.Answer;
import dev.reacher.core.mx.MxResolver.Outcome;
import dev.reacher.testkit.DnsFixture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The answer cache behind {@link MxResolver}, against a {@link DnsFixture} on 127.0.0.1. Time is an
 * injected clock moved by hand (no sleeps); it starts just short of {@code Long.MAX_VALUE}, so
 * expiry times wrap around as {@link System#nanoTime} may.
 */
class DnsAnswerCacheTest {
    private static final Duration MAX_TTL = Duration.ofMinutes(5);

    private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - Duration.ofSeconds(30).toNanos());
    private DnsFixture dns;
    private DnsServers servers;
    private MxResolver resolver;

    @BeforeEach
    void start() throws IOException {
        dns = DnsFixture.start();
        servers = DnsServers.parse(dns.address()).withTimeout(Duration.ofSeconds(2));
        resolver = cachingResolver(MAX_TTL);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private MxResolver cachingResolver(Duration maxTtl) {
        return new MxResolver(servers.withCacheMaxTtl(maxTtl), now::get);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void repeatedLookupsWithinTheTtlAskOnce() throws Exception {
        dns.mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.2").soa("example.test", 60, 60);

        for (int i = 0; i < 5; i++) {
            assertThat(resolver.lookupMx("example.test"))
                    .isEqualTo(new MxLookup.Found(List.of(new MxRecord(10, "mx.example.test."))));
            assertThat(resolver.resolveHost("mx.example.test")).containsExactly(InetAddress.getByName("127.0.0.2"));
            advance(Duration.ofSeconds(10));
        }

        assertThat(dns.queries("example.test")).isEqualTo(1);
        assertThat(dns.queries("mx.example.test")).isEqualTo(2); // A, and AAAA (NODATA, cached thanks to the SOA)
    }

    @Test
    void nameCaseAndTrailingDotShareOneEntry() {
        dns.mx("example.test", 10, "mx.other.test");

        resolver.lookupMx("example.test");
        resolver.lookupMx("EXAMPLE.Test.");

        assertThat(dns.queries("example.test")).isEqualTo(1);
    }

    @Test
    void answerIsAskedAgainAfterItExpires() {
        dns.mx("example.test", 10, "mx.example.test"); // the fixture's TTL: 60 s

        assertCachedFor(resolver, "example.test", Duration.ofSeconds(60));
    }

    @Test
    void cnameChainLivesAsLongAsItsShortestRecord() {
        dns.cname("alias.test", "real.test").mx("real.test", 5, "mx.real.test").ttl("alias.test", 5);

        assertCachedFor(resolver, "alias.test", Duration.ofSeconds(5));
    }

    @Test
    void ttlZeroIsNeverCached() {
        dns.mx("fleeting.test", 10, "mx.fleeting.test").ttl("fleeting.test", 0);

        for (int i = 0; i < 3; i++) {
            assertThat(resolver.lookupMx("fleeting.test")).isInstanceOf(MxLookup.Found.class);
        }

        assertThat(dns.queries("fleeting.test")).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nowhere.neg.test", "neg.test"}) // NXDOMAIN; NODATA (the name has only an A record)
    void negativeAnswerWithSoaIsCachedForTheNegativeTtl(String name) {
        dns.a("neg.test", "127.0.0.2").soa("neg.test", 300, 30); // negative TTL: min(300, 30) = 30 s

        assertCachedFor(resolver, name, Duration.ofSeconds(30));
        assertThat(resolver.lookupMx(name)).isEqualTo(new MxLookup.NoRecords()); // from the cache, too
    }

    @Test
    void negativeTtlIsTheSmallerOfSoaTtlAndMinimum() {
        dns.soa("neg.test", 10, 3600);

        assertCachedFor(resolver, "nowhere.neg.test", Duration.ofSeconds(10));
    }

    @Test
    void nxdomainWithoutSoaIsNotCached() {
        assertThat(resolver.lookupMx("nowhere.test")).isEqualTo(new MxLookup.NoRecords());
        assertThat(resolver.lookupMx("nowhere.test")).isEqualTo(new MxLookup.NoRecords());

        assertThat(dns.queries("nowhere.test")).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"servfail", "refused"})
    void serverErrorsAreNotCached(String kind) {
        if (kind.equals("servfail")) {
            dns.servfail("broken.test");
        } else {
            dns.refused("broken.test");
        }
        MxResolver once = new MxResolver(servers.withAttempts(1).withCacheMaxTtl(MAX_TTL), now::get);

        assertThat(once.lookupMx("broken.test")).isInstanceOf(MxLookup.Failed.class);
        assertThat(once.lookupMx("broken.test")).isInstanceOf(MxLookup.Failed.class);

        assertThat(dns.queries("broken.test")).isEqualTo(2); // the second call asked again
    }

    @Test
    void timeoutsAreNotCached() {
        dns.silent("quiet.test");
        MxResolver impatient = new MxResolver(
                servers.withTimeout(Duration.ofMillis(200)).withAttempts(1).withCacheMaxTtl(MAX_TTL), now::get);

        assertThat(impatient.lookupMx("quiet.test")).isEqualTo(MxLookup.Failed.resolveError("request timed out"));
        assertThatThrownBy(() -> impatient.resolveHost("quiet.test")).isInstanceOf(UnknownHostException.class);
        assertThat(impatient.lookupMx("quiet.test")).isEqualTo(MxLookup.Failed.resolveError("request timed out"));

        assertThat(dns.queries("quiet.test")).isEqualTo(4); // MX, A, AAAA, MX
    }

    @Test
    void concurrentIdenticalQuestionsShareOneQuery() throws Exception {
        // The reply is held back long enough for all 64 to be waiting on the first one's query.
        dns.mx("gmail.test", 5, "mx.gmail.test").delay("gmail.test", Duration.ofMillis(500));

        assertThat(atOnce(64, resolver, "gmail.test"))
                .containsOnly(new MxLookup.Found(List.of(new MxRecord(5, "mx.gmail.test."))));
        assertThat(dns.queries("gmail.test")).isEqualTo(1);
    }

    @Test
    void concurrentCallersShareAFailureButTheNextCallerAsksAgain() throws Exception {
        dns.servfail("broken.test").delay("broken.test", Duration.ofMillis(300));
        MxResolver once = new MxResolver(servers.withAttempts(1).withCacheMaxTtl(MAX_TTL), now::get);

        assertThat(atOnce(16, once, "broken.test")).allMatch(r -> r instanceof MxLookup.Failed);
        assertThat(dns.queries("broken.test")).isEqualTo(1);

        once.lookupMx("broken.test");
        assertThat(dns.queries("broken.test")).isEqualTo(2);
    }

    @Test
    void maxTtlCapsPositiveAndNegativeAnswers() {
        dns.mx("example.test", 10, "mx.example.test").ttl("example.test", 86_400).soa("neg.test", 3600, 3600);
        MxResolver capped = cachingResolver(Duration.ofSeconds(10));

        assertCachedFor(capped, "example.test", Duration.ofSeconds(10));
        assertCachedFor(capped, "nowhere.neg.test", Duration.ofSeconds(10));
    }

    @Test
    void cacheIsOffByDefaultAndEveryCallAsks() throws Exception {
        dns.mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.2").soa("example.test", 60, 60);
        MxResolver plain = new MxResolver(DnsServers.parse(dns.address()));

        assertThat(plain.config().cachesAnswers()).isFalse();
        for (int i = 0; i < 3; i++) {
            plain.lookupMx("example.test");
            plain.resolveHost("mx.example.test");
        }

        assertThat(dns.queries("example.test")).isEqualTo(3);
        assertThat(dns.queries("mx.example.test")).isEqualTo(6);
    }

    @Test
    void withoutTheCacheConcurrentIdenticalQuestionsStillShareOneQueryAndNothingIsKept() throws Exception {
        // A bulk job starting a thousand checks at one domain must not send a thousand identical
        // queries: a resolver drops or rate-limits such a burst and the checks end unknown.
        dns.mx("gmail.test", 5, "mx.gmail.test").delay("gmail.test", Duration.ofMillis(500));
        MxResolver plain = new MxResolver(servers, now::get);

        assertThat(atOnce(64, plain, "gmail.test"))
                .containsOnly(new MxLookup.Found(List.of(new MxRecord(5, "mx.gmail.test."))));
        assertThat(dns.queries("gmail.test")).isEqualTo(1);

        plain.lookupMx("gmail.test");
        assertThat(dns.queries("gmail.test")).isEqualTo(2);
    }

    /** Asks for the MX of {@code name}: once, again a second before {@code ttl} is up (cached), and at {@code ttl}. */
    private void assertCachedFor(MxResolver r, String name, Duration ttl) {
        int before = dns.queries(name);
        r.lookupMx(name);
        advance(ttl.minusSeconds(1));
        r.lookupMx(name);
        assertThat(dns.queries(name)).as("queries for %s within %s", name, ttl).isEqualTo(before + 1);
        advance(Duration.ofSeconds(1));
        r.lookupMx(name);
        assertThat(dns.queries(name)).as("queries for %s at %s", name, ttl).isEqualTo(before + 2);
    }

    /** {@code n} virtual threads released together, each asking for the MX of {@code domain}. */
    private static List<MxLookup> atOnce(int n, MxResolver resolver, String domain) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<MxLookup>> futures = new ArrayList<>();
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                futures.add(exec.submit(() -> {
                    go.await();
                    return resolver.lookupMx(domain);
                }));
            }
            go.countDown();
        }
        List<MxLookup> results = new ArrayList<>();
        for (Future<MxLookup> f : futures) {
            results.add(f.get());
        }
        return results;
    }

    // ---- the bound, on the cache alone --------------------------------------------------------------

    @Test
    void fullCacheDropsStaleEntriesFirst() throws Exception {
        DnsAnswerCache cache = new DnsAnswerCache(MAX_TTL, 10, now::get);
        AtomicInteger asked = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            cache.get(Name.fromString("short" + i + "."), Type.A, () -> answer(asked, "short.", 1));
            cache.get(Name.fromString("long" + i + "."), Type.A, () -> answer(asked, "long.", 100));
        }
        advance(Duration.ofSeconds(2));

        cache.get(Name.fromString("one-more."), Type.A, () -> answer(asked, "one-more.", 100));
        assertThat(cache.size()).isEqualTo(6);
        for (int i = 0; i < 5; i++) {
            cache.get(Name.fromString("long" + i + "."), Type.A, () -> answer(asked, "long.", 100));
        }
        assertThat(asked).hasValue(11); // the five long-lived answers were still there
    }

    @Test
    void fullCacheStaysBoundedWhenEveryEntryIsFresh() throws Exception {
        DnsAnswerCache cache = new DnsAnswerCache(MAX_TTL, 10, now::get);
        AtomicInteger asked = new AtomicInteger();

        for (int i = 0; i < 1000; i++) {
            cache.get(Name.fromString("d" + i + "."), Type.A, () -> answer(asked, "d.", 100));
            assertThat(cache.size()).isLessThanOrEqualTo(10);
        }
        assertThat(asked).hasValue(1000);
    }

    private static Outcome answer(AtomicInteger asked, String owner, long ttl) {
        asked.incrementAndGet();
        Message reply = new Message();
        try {
            reply.addRecord(new ARecord(Name.fromString(owner), DClass.IN, ttl, InetAddress.getByName("127.0.0.2")),
                    Section.ANSWER);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return new Answer(reply);
    }
}

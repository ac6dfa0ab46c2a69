package dev.reacher.core.mx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.core.json.ReacherJson;
import dev.reacher.testkit.DnsFixture;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every resolver here points at a {@link DnsFixture} on 127.0.0.1; nothing reaches the system resolver. */
class MxResolverTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    private DnsFixture dns;
    private MxResolver resolver;

    @BeforeEach
    void start() throws IOException {
        dns = DnsFixture.start();
        resolver = new MxResolver(DnsServers.parse(dns.address()).withTimeout(Duration.ofSeconds(2)));
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private static MxResolver resolverFor(DnsServers servers) {
        return new MxResolver(servers);
    }

    // ---- lookupMx ---------------------------------------------------------------------------------

    @Test
    void foundKeepsAnswerOrderAndSortsStablyByPreference() {
        dns.mx("example.test", 20, "mx-b.example.test")
                .mx("example.test", 10, "mx-c.example.test")
                .mx("example.test", 20, "mx-a.example.test")
                .mx("example.test", 10, "mx-d.example.test");

        MxLookup lookup = resolver.lookupMx("example.test");

        assertThat(lookup).isInstanceOf(MxLookup.Found.class);
        MxLookup.Found found = (MxLookup.Found) lookup;
        assertThat(found.recordsInAnswerOrder()).containsExactly(
                new MxRecord(20, "mx-b.example.test."), new MxRecord(10, "mx-c.example.test."),
                new MxRecord(20, "mx-a.example.test."), new MxRecord(10, "mx-d.example.test."));
        assertThat(found.byPreference()).containsExactly(
                new MxRecord(10, "mx-c.example.test."), new MxRecord(10, "mx-d.example.test."),
                new MxRecord(20, "mx-b.example.test."), new MxRecord(20, "mx-a.example.test."));
        assertThat(ReacherJson.write(MxDetails.of(lookup))).isEqualTo("{\"accepts_mail\":true,\"records\":"
                + "[\"mx-b.example.test.\",\"mx-c.example.test.\",\"mx-a.example.test.\",\"mx-d.example.test.\"]}");
    }

    @Test
    void trailingDotAndCaseDoNotMatter() {
        dns.mx("example.test", 10, "mx.other.test");

        assertThat(resolver.lookupMx("example.test."))
                .isEqualTo(new MxLookup.Found(List.of(new MxRecord(10, "mx.other.test."))));
        // Names come back as the server wrote them; compression may lend them the question's case.
        MxLookup upper = resolver.lookupMx("EXAMPLE.Test");
        assertThat(((MxLookup.Found) upper).recordsInAnswerOrder()).singleElement()
                .satisfies(r -> assertThat(r.exchange()).isEqualToIgnoringCase("mx.other.test."));
    }

    @Test
    void nxdomainIsNoRecordsAndNoSearchDomainIsTried() {
        MxLookup lookup = resolver.lookupMx("nowhere.test");

        assertThat(lookup).isEqualTo(new MxLookup.NoRecords());
        assertThat(ReacherJson.write(MxDetails.of(lookup))).isEqualTo("{\"accepts_mail\":false,\"records\":[]}");
        // One question, for the name as typed: no `nowhere.test.<search domain>` follow-ups.
        assertThat(dns.queries("nowhere.test")).isEqualTo(1);
        assertThat(dns.totalQueries()).isEqualTo(1);
    }

    @Test
    void singleLabelNamesAreAskedAsTheyAre() {
        assertThat(resolver.lookupMx("localdomain")).isEqualTo(new MxLookup.NoRecords());
        assertThat(dns.queries("localdomain.")).isEqualTo(1);
        assertThat(dns.totalQueries()).isEqualTo(1);
    }

    @Test
    void nodataIsNoRecords() {
        dns.a("web-only.test", "127.0.0.2");

        assertThat(resolver.lookupMx("web-only.test")).isEqualTo(new MxLookup.NoRecords());
    }

    @Test
    void nullMxIsReported() {
        dns.nullMx("nomail.test");

        MxLookup lookup = resolver.lookupMx("nomail.test");

        assertThat(lookup).isEqualTo(new MxLookup.NullMx());
        assertThat(ReacherJson.write(MxDetails.of(lookup))).isEqualTo("{\"accepts_mail\":false,\"records\":[\".\"]}");
    }

    @Test
    void nullMxMixedWithRealRecordsIsIgnored() {
        dns.nullMx("mixed.test").mx("mixed.test", 10, "mx.mixed.test");

        assertThat(resolver.lookupMx("mixed.test"))
                .isEqualTo(new MxLookup.Found(List.of(new MxRecord(10, "mx.mixed.test."))));
    }

    @Test
    void cnameIsFollowed() {
        dns.cname("alias.test", "real.test").mx("real.test", 5, "mx.real.test");

        assertThat(resolver.lookupMx("alias.test"))
                .isEqualTo(new MxLookup.Found(List.of(new MxRecord(5, "mx.real.test."))));
    }

    @Test
    void truncatedReplyIsFetchedOverTcp() {
        for (int i = 0; i < 60; i++) {
            dns.mx("big.test", 10, "mail-exchanger-with-a-rather-long-name-" + i + ".big.test");
        }

        MxLookup lookup = resolver.lookupMx("big.test");

        assertThat(((MxLookup.Found) lookup).recordsInAnswerOrder()).hasSize(60)
                .first().isEqualTo(new MxRecord(10, "mail-exchanger-with-a-rather-long-name-0.big.test."));
        assertThat(dns.tcpQueries()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"servfail", "refused"})
    void serverErrorsAreResolveErrorsAfterTheConfiguredAttempts(String kind) {
        if (kind.equals("servfail")) {
            dns.servfail("broken.test");
        } else {
            dns.refused("broken.test");
        }

        MxLookup lookup = resolver.lookupMx("broken.test");

        assertThat(lookup).isInstanceOf(MxLookup.Failed.class);
        MxLookup.Failed failed = (MxLookup.Failed) lookup;
        assertThat(failed.type()).isEqualTo("ResolveError");
        assertThat(failed.message()).contains(kind.toUpperCase()).contains(dns.address());
        assertThat(dns.queries("broken.test")).isEqualTo(2);
        assertThat(ReacherJson.write(MxDetails.of(lookup)))
                .startsWith("{\"error\":{\"type\":\"ResolveError\",\"message\":\"nameserver ");
    }

    @Test
    void silentServerTimesOutWithinTheBound() {
        dns.silent("quiet.test");
        MxResolver impatient = resolverFor(DnsServers.parse(dns.address()).withTimeout(SHORT));

        long start = System.nanoTime();
        MxLookup lookup = impatient.lookupMx("quiet.test");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(lookup).isEqualTo(MxLookup.Failed.resolveError("request timed out"));
        assertThat(dns.queries("quiet.test")).isEqualTo(2); // the default two attempts
        assertThat(took).isGreaterThanOrEqualTo(SHORT.multipliedBy(2).minusMillis(50))
                .isLessThan(SHORT.multipliedBy(2).multipliedBy(3));
    }

    @Test
    void slowButTimelyAnswerIsAccepted() {
        dns.mx("slow.test", 10, "mx.slow.test").delay("slow.test", Duration.ofMillis(100));

        assertThat(resolverFor(DnsServers.parse(dns.address()).withTimeout(SHORT)).lookupMx("slow.test"))
                .isInstanceOf(MxLookup.Found.class);
    }

    @Test
    void answerSlowerThanTheTimeoutIsATimeout() {
        dns.mx("slow.test", 10, "mx.slow.test").delay("slow.test", SHORT.multipliedBy(3));

        MxLookup lookup = resolverFor(DnsServers.parse(dns.address()).withTimeout(SHORT).withAttempts(1))
                .lookupMx("slow.test");

        assertThat(lookup).isEqualTo(MxLookup.Failed.resolveError("request timed out"));
    }

    @Test
    void secondServerAnswersWhenTheFirstIsSilent() throws IOException {
        try (DnsFixture good = DnsFixture.start()) {
            dns.silent("example.test");
            good.mx("example.test", 10, "mx.example.test");
            MxResolver twoServers = resolverFor(DnsServers.parse(dns.address() + "," + good.address())
                    .withTimeout(SHORT));

            long start = System.nanoTime();
            MxLookup lookup = twoServers.lookupMx("example.test");

            assertThat(lookup).isEqualTo(new MxLookup.Found(List.of(new MxRecord(10, "mx.example.test."))));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SHORT.multipliedBy(3));
            assertThat(dns.queries("example.test")).isEqualTo(1); // tried first, in configured order
            assertThat(good.queries("example.test")).isEqualTo(1);
        }
    }

    @Test
    void secondServerAnswersWhenTheFirstServfails() throws IOException {
        try (DnsFixture good = DnsFixture.start()) {
            dns.servfail("example.test");
            good.mx("example.test", 10, "mx.example.test");

            MxLookup lookup = resolverFor(DnsServers.parse(dns.address() + "," + good.address()))
                    .lookupMx("example.test");

            assertThat(lookup).isInstanceOf(MxLookup.Found.class);
            assertThat(dns.queries("example.test")).isEqualTo(1);
        }
    }

    @Test
    void closedPortIsAnIoErrorAndTheNextServerIsTried() throws IOException {
        InetSocketAddress closed = closedUdpPort();
        dns.mx("example.test", 10, "mx.example.test");

        MxLookup alone = resolverFor(DnsServers.of(closed).withTimeout(SHORT)).lookupMx("example.test");
        MxLookup withFallback = resolverFor(DnsServers.of(closed, dns.socketAddress()).withTimeout(SHORT))
                .lookupMx("example.test");

        assertThat(alone).isInstanceOf(MxLookup.Failed.class);
        assertThat(((MxLookup.Failed) alone).type()).isEqualTo("IoError");
        assertThat(((MxLookup.Failed) alone).message()).contains("127.0.0.1:" + closed.getPort());
        assertThat(withFallback).isInstanceOf(MxLookup.Found.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "@", ".", "a..b.test", "label-longer-than-sixty-three-characters-is-not-a-valid-dns-label-x.test"})
    void invalidNamesFailWithoutAQuery(String domain) {
        MxLookup lookup = resolver.lookupMx(domain);

        assertThat(lookup).isInstanceOf(MxLookup.Failed.class);
        assertThat(((MxLookup.Failed) lookup).type()).isEqualTo("ResolveError");
        assertThat(dns.totalQueries()).isZero();
    }

    @Test
    void twoHundredConcurrentLookupsFromVirtualThreads() throws Exception {
        for (int i = 0; i < 200; i++) {
            dns.mx("d" + i + ".test", 10, "mx.d" + i + ".test");
        }
        List<Future<MxLookup>> results = new ArrayList<>();
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                String domain = "d" + i + ".test";
                results.add(exec.submit(() -> resolver.lookupMx(domain)));
            }
        }
        for (int i = 0; i < 200; i++) {
            assertThat(results.get(i).get())
                    .isEqualTo(new MxLookup.Found(List.of(new MxRecord(10, "mx.d" + i + ".test."))));
        }
        assertThat(dns.totalQueries()).isEqualTo(200);
    }

    @Test
    void foundNeedsRecords() {
        assertThatThrownBy(() -> new MxLookup.Found(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- resolveHost ------------------------------------------------------------------------------

    @Test
    void resolveHostReturnsIpv4ThenIpv6FromOurServer() throws Exception {
        dns.aaaa("mx1.example.test", "::1").a("mx1.example.test", "127.0.0.2").a("mx1.example.test", "127.0.0.3");

        List<InetAddress> addresses = resolver.resolveHost("mx1.example.test.");

        assertThat(addresses).containsExactly(ip("127.0.0.2"), ip("127.0.0.3"), ip("::1"));
        assertThat(dns.queries("mx1.example.test")).isEqualTo(2); // A and AAAA, both asked of the fixture
    }

    @Test
    void resolveHostWithOnlyIpv6() throws Exception {
        dns.aaaa("v6.example.test", "::1");

        assertThat(resolver.resolveHost("v6.example.test")).containsExactly(ip("::1"));
    }

    @Test
    void resolveHostFollowsCnames() throws Exception {
        dns.cname("smtp.example.test", "mx1.example.test").a("mx1.example.test", "127.0.0.4");

        assertThat(resolver.resolveHost("smtp.example.test")).containsExactly(ip("127.0.0.4"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.9", "::1", "[::1]"})
    void resolveHostReturnsLiteralsWithoutAQuery(String literal) throws Exception {
        List<InetAddress> addresses = resolver.resolveHost(literal);

        assertThat(addresses).containsExactly(ip(literal.replace("[", "").replace("]", "")));
        assertThat(dns.totalQueries()).isZero();
    }

    @Test
    void resolveHostWithoutRecordsThrows() {
        dns.mx("mail-less-host.test", 10, "mx.elsewhere.test"); // exists, but has no address

        assertThatThrownBy(() -> resolver.resolveHost("nowhere.example.test"))
                .isInstanceOf(UnknownHostException.class)
                .hasMessage("nowhere.example.test: no such host (NXDOMAIN)");
        assertThatThrownBy(() -> resolver.resolveHost("mail-less-host.test"))
                .isInstanceOf(UnknownHostException.class)
                .hasMessage("mail-less-host.test: no A or AAAA records");
    }

    @Test
    void resolveHostReportsServerFailures() {
        dns.servfail("sick.example.test");

        assertThatThrownBy(() -> resolver.resolveHost("sick.example.test"))
                .isInstanceOf(UnknownHostException.class)
                .hasMessageContaining("sick.example.test")
                .hasMessageContaining("SERVFAIL");
    }

    @Test
    void resolveHostTimesOutWithinTheBound() {
        dns.silent("quiet.example.test");
        MxResolver impatient = resolverFor(DnsServers.parse(dns.address()).withTimeout(SHORT));

        long start = System.nanoTime();
        assertThatThrownBy(() -> impatient.resolveHost("quiet.example.test"))
                .isInstanceOf(UnknownHostException.class)
                .hasMessage("quiet.example.test: request timed out");
        // A and AAAA are asked at the same time, so one round of attempts, not two.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SHORT.multipliedBy(2).multipliedBy(3));
    }

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal); // literals only: no lookup happens
    }

    /** A loopback UDP port with nothing bound to it (bound, noted, released). */
    private static InetSocketAddress closedUdpPort() throws IOException {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
            return new InetSocketAddress(loopback, s.getLocalPort());
        }
    }
}

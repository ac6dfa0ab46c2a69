package dev.reacher.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The fixture seen from a plain dnsjava client, so the fixture's own behaviour is pinned down. */
class DnsFixtureTest {
    private DnsFixture dns;
    private SimpleResolver client;

    @BeforeEach
    void start() throws IOException {
        dns = DnsFixture.start();
        client = new SimpleResolver(dns.socketAddress());
        client.setTimeout(Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private Message ask(String name, int type) throws IOException {
        return client.send(Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN)));
    }

    @Test
    void listensOnLoopbackWithTheSamePortForUdpAndTcp() {
        assertThat(dns.address()).isEqualTo("127.0.0.1:" + dns.port());
        assertThat(dns.socketAddress().getAddress().isLoopbackAddress()).isTrue();
        assertThat(dns.port()).isPositive();
    }

    @Test
    void answersMxRecordsInInsertionOrder() throws IOException {
        dns.mx("example.test", 20, "b.example.test").mx("example.test", 10, "a.example.test");

        Message reply = ask("example.test", Type.MX);

        assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(reply.getHeader().getFlag(Flags.AA)).isTrue();
        List<Record> answer = reply.getSection(Section.ANSWER);
        assertThat(answer).extracting(r -> ((MXRecord) r).getTarget().toString())
                .containsExactly("b.example.test.", "a.example.test.");
        assertThat(dns.queries("example.test.")).isEqualTo(1);
    }

    @Test
    void namesAreCaseInsensitive() throws IOException {
        dns.mx("example.test", 10, "mx.example.test");

        assertThat(ask("EXAMPLE.Test", Type.MX).getSection(Section.ANSWER)).hasSize(1);
        assertThat(dns.queries("Example.test")).isEqualTo(1);
    }

    @Test
    void unknownNameIsNxdomainAndKnownNameWithoutTheTypeIsNodata() throws IOException {
        dns.a("host.test", "127.0.0.2");

        assertThat(ask("nowhere.test", Type.MX).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        Message nodata = ask("host.test", Type.MX);
        assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
        assertThat(dns.totalQueries()).isEqualTo(2);
    }

    @Test
    void scriptedFailures() throws IOException {
        dns.servfail("sf.test").refused("ref.test").silent("quiet.test");

        assertThat(ask("sf.test", Type.MX).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(ask("ref.test", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);
        client.setTimeout(Duration.ofMillis(200));
        assertThatThrownBy(() -> ask("quiet.test", Type.MX)).isInstanceOf(IOException.class);
        assertThat(dns.queries("quiet.test")).isEqualTo(1);
    }

    @Test
    void delayHoldsTheReplyBack() throws IOException {
        dns.a("slow.test", "127.0.0.3").delay("slow.test", Duration.ofMillis(300));

        long start = System.nanoTime();
        Message reply = ask("slow.test", Type.A);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(reply.getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void followsCnames() throws IOException {
        dns.cname("alias.test", "real.test").mx("real.test", 5, "mx.real.test");

        List<Record> answer = ask("alias.test", Type.MX).getSection(Section.ANSWER);

        assertThat(answer).extracting(Record::getType).containsExactly(Type.CNAME, Type.MX);
    }

    @Test
    void truncatesLargeUdpRepliesAndServesThemOverTcp() throws IOException {
        for (int i = 0; i < 60; i++) {
            dns.mx("big.test", i, "mail-exchanger-with-a-rather-long-name-" + i + ".big.test");
        }

        Message reply = ask("big.test", Type.MX); // dnsjava retries over TCP on TC

        assertThat(reply.getSection(Section.ANSWER)).hasSize(60);
        assertThat(reply.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(dns.tcpQueries()).isEqualTo(1);
        assertThat(dns.queries("big.test")).isEqualTo(2);
    }

    @Test
    void rejectsNonLiteralAddresses() {
        assertThatThrownBy(() -> dns.a("h.test", "localhost")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> dns.aaaa("h.test", "127.0.0.1")).isInstanceOf(IllegalArgumentException.class);
    }
}

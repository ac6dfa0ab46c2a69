package dev.reacher.core.mx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class DnsServersTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1:5353                  | 127.0.0.1:5353
            127.0.0.1                       | 127.0.0.1:53
            ' 10.0.0.2:53 '                 | 10.0.0.2:53
            [::1]:5353                      | [0:0:0:0:0:0:0:1]:5353
            [::1]                           | [0:0:0:0:0:0:0:1]:53
            ::1                             | [0:0:0:0:0:0:0:1]:53
            2001:db8::53                    | [2001:db8:0:0:0:0:0:53]:53
            127.0.0.1:5353,10.0.0.2:53      | 127.0.0.1:5353,10.0.0.2:53
            '127.0.0.1:5353 , [::1]:53'     | 127.0.0.1:5353,[0:0:0:0:0:0:0:1]:53
            """)
    void parsesGoodEntries(String spec, String expected) {
        DnsServers servers = DnsServers.parse(spec);

        assertThat(servers.spec()).isEqualTo(expected);
        assertThat(servers.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(servers.attempts()).isEqualTo(2);
        assertThat(DnsServers.parse(servers.spec())).isEqualTo(servers);
    }

    @Test
    void keepsTheOrderGiven() {
        DnsServers servers = DnsServers.parse("10.0.0.9,127.0.0.1:5353");

        assertThat(servers.servers()).extracting(s -> s.getAddress().getHostAddress() + ":" + s.getPort())
                .containsExactly("10.0.0.9:53", "127.0.0.1:5353");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  "})
    void blankMeansTheSystemResolvers(String spec) {
        DnsServers servers = DnsServers.parse(spec);

        assertThat(servers.usesSystemResolvers()).isTrue();
        assertThat(servers).isEqualTo(DnsServers.system());
        assertThat(servers.toString()).contains("system");
    }

    @ParameterizedTest(name = "\"{1}\" in \"{0}\"")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1:5353,dns.example.test:53 | dns.example.test:53
            localhost                          | localhost
            127.0.0.1:0                        | 127.0.0.1:0
            127.0.0.1:65536                    | 127.0.0.1:65536
            127.0.0.1:abc                      | 127.0.0.1:abc
            127.0.0.1:                         | 127.0.0.1:
            '127.0.0.1:+53'                    | 127.0.0.1:+53
            256.1.1.1                          | 256.1.1.1
            1.2.3                              | 1.2.3
            [::1                               | [::1
            [::1]x                             | [::1]x
            [127.0.0.1]:53                     | [127.0.0.1]:53
            '127.0.0.1,,10.0.0.2'              | ''
            '127.0.0.1,'                       | ''
            """)
    void rejectsBadEntriesNamingThem(String spec, String badEntry) {
        assertThatThrownBy(() -> DnsServers.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid DNS server \"" + (badEntry == null ? "" : badEntry) + "\" in \"" + spec + "\"");
    }

    @Test
    void hostNamesAreRejectedWithAReason() {
        assertThatThrownBy(() -> DnsServers.parse("resolver.test"))
                .hasMessageContaining("host names are not accepted");
    }

    @Test
    void timeoutAndAttemptsAreValidated() {
        DnsServers servers = DnsServers.parse("127.0.0.1:5353");

        assertThat(servers.withTimeout(Duration.ofMillis(300)).withAttempts(1))
                .isEqualTo(new DnsServers(servers.servers(), Duration.ofMillis(300), 1));
        assertThatThrownBy(() -> servers.withTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> servers.withTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> servers.withAttempts(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cacheIsOffUnlessAskedForAndSurvivesTheOtherWithers() {
        assertThat(DnsServers.system().cachesAnswers()).isFalse();
        assertThat(DnsServers.parse("127.0.0.1").cacheMaxTtl()).isEqualTo(Duration.ZERO);
        assertThat(DnsServers.of().cachesAnswers()).isFalse();

        DnsServers cached = DnsServers.parse("127.0.0.1:5353").withCacheMaxTtl(Duration.ofSeconds(300));

        assertThat(cached.withTimeout(Duration.ofMillis(300)).withAttempts(1).cacheMaxTtl())
                .isEqualTo(Duration.ofSeconds(300));
        assertThat(cached.toString()).isEqualTo("DnsServers[127.0.0.1:5353, timeout=PT5S, attempts=2, cacheMaxTtl=PT5M]");
        assertThat(cached.withCacheMaxTtl(Duration.ZERO).toString())
                .isEqualTo("DnsServers[127.0.0.1:5353, timeout=PT5S, attempts=2]");
        assertThatThrownBy(() -> cached.withCacheMaxTtl(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void serverListIsImmutable() {
        DnsServers servers = DnsServers.parse("127.0.0.1");

        assertThatThrownBy(() -> servers.servers().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(servers.servers()).isEqualTo(List.copyOf(servers.servers()));
    }
}

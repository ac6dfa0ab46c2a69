package dev.reacher.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.Postfix;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole verification path (DNS fixture, MX lookup, SMTP client, optionally a real microsocks)
 * against the real Postfix MTA rather than the project's scripted server. Besides the verdicts,
 * Postfix's own log must show one clean session per verification: ended by QUIT, and no
 * "improper command pipelining", which is what Postfix logs when a client sends commands ahead of
 * time where RFC 2920 does not allow it.
 */
class PostfixPeerTest {
    private static final String LISTED = "alice@example.test";
    private static final String UNLISTED = "zed.unknown@example.test";
    /** Connections through the proxy come from this address, so Postfix's log tells the routes apart. */
    private static final String PROXY_BIND = "127.0.0.7";
    private static final Duration LOG_WAIT = Duration.ofSeconds(5);
    private static final Pattern DISCONNECT = Pattern.compile("(?m)^.* disconnect from (\\S+) (.*)$");

    /** How the verifier reaches Postfix. */
    enum Route { DIRECT, MICROSOCKS }

    /** The Postfix instances, one per configuration, all running at once. */
    enum Peer {
        /** Postfix's defaults: advertises PIPELINING, tolerates pipelining violations. */
        PLAIN,
        /** Disconnects clients that violate RFC 2920's pipelining rules. */
        FORBID_UNAUTH_PIPELINING,
        /** As above and does not advertise PIPELINING (Postfix itself does not police MAIL/RCPT then). */
        FORBID_WITHOUT_PIPELINING_KEYWORD,
        /** As above in a HELO session: any pipelined command gets 554 and the connection is closed. */
        FORBID_IN_HELO_SESSION;

        Postfix.Builder configure(Postfix.Builder builder) {
            return switch (this) {
                case PLAIN -> builder;
                case FORBID_UNAUTH_PIPELINING -> builder.forbidUnauthPipelining(true);
                case FORBID_WITHOUT_PIPELINING_KEYWORD ->
                    builder.forbidUnauthPipelining(true).discardEhloKeywords("pipelining");
                case FORBID_IN_HELO_SESSION -> builder.forbidUnauthPipelining(true).answerEhloAsHelo(true);
            };
        }
    }

    private static final List<Postfix> POSTFIXES = new ArrayList<>();
    private static DnsFixture dns;
    private static Microsocks proxy;
    private static EmailVerifier verifier;

    @BeforeAll
    static void start() throws Exception {
        for (Peer peer : Peer.values()) {
            POSTFIXES.add(peer.configure(Postfix.builder().recipients(LISTED)).start());
        }
        proxy = Microsocks.builder().bindAddress(PROXY_BIND).start();
        dns = DnsFixture.start()
                .mx("example.test", 10, "mx.example.test")
                .a("mx.example.test", "127.0.0.1");
        // LOCAL: the MX name is resolved here (by the DNS fixture), not by microsocks.
        verifier = EmailVerifier.builder()
                .dnsServers(DnsServers.parse(dns.address()).withTimeout(Duration.ofMillis(500)))
                .proxyDns(SmtpVerifier.ProxyDns.LOCAL)
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (verifier != null) {
            verifier.close();
        }
        Stream.of(proxy, dns).filter(Objects::nonNull).forEach(c -> {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        POSTFIXES.forEach(Postfix::close);
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Peer peer : Peer.values()) {
            for (Route route : Route.values()) {
                cases.add(Arguments.of(peer, route, LISTED, "safe"));
                cases.add(Arguments.of(peer, route, UNLISTED, "invalid"));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}: {2} is {3}")
    @MethodSource("cases")
    void verdictAndACleanSessionInPostfixsLog(Peer peer, Route route, String email, String expected) {
        Postfix postfix = POSTFIXES.get(peer.ordinal());
        int logMark = postfix.log().length();

        CheckEmailOutput out = verifier.verify(input(email, postfix, route));

        String log = postfix.awaitLogSince(logMark, l -> DISCONNECT.matcher(l).find(), LOG_WAIT);
        String context = postfix + " logged:\n" + log;
        assertThat(out.isReachable().json()).as(context).isEqualTo(expected);
        boolean listed = email.equals(LISTED);
        assertThat(out.smtpDetails()).as(context).isEqualTo(new SmtpDetails(true, false, false, listed, false));

        assertThat(log).as(context).doesNotContain("improper command pipelining").doesNotContain("lost connection");
        List<String> disconnects = DISCONNECT.matcher(log).results().map(m -> m.group(0)).toList();
        assertThat(disconnects).as(context).singleElement().asString()
                // The session came the way it should (through the proxy's bind address, or not)...
                .contains(" disconnect from unknown[" + (route == Route.MICROSOCKS ? PROXY_BIND : "127.0.0.1") + "] ")
                // ...greeted once, one transaction, and ended with QUIT.
                .containsPattern(peer == Peer.FORBID_IN_HELO_SESSION ? " helo=1 " : " ehlo=1 ")
                .contains(" mail=1 ")
                .contains(" quit=1 ");
        String rejected = "reject: RCPT from unknown[";
        String unknownUser = "550 5.1.1 <" + email + ">: Recipient address rejected: User unknown in local recipient table";
        if (listed) {
            assertThat(log).as(context).doesNotContain("<" + email + ">: Recipient address rejected");
        } else {
            assertThat(log).as(context).contains(rejected).contains(unknownUser);
        }
    }

    private static CheckEmailInput input(String email, Postfix postfix, Route route) {
        SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, postfix.port(), Duration.ofSeconds(5), 1);
        ProxyConfig viaProxy = route == Route.MICROSOCKS ? new ProxyConfig(proxy.host(), proxy.port()) : null;
        return CheckEmailInput.of(email).withVerifMethod(VerifMethod.sameForAll(viaProxy, config));
    }
}

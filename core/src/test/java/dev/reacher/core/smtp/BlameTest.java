package dev.reacher.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.smtp.Blame.Ending;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.socks5.Socks5Exception.Phase;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way an attempt can end, and whom it counts against: the whole outcome table in one place. */
class BlameTest {

    static Stream<Arguments> endings() {
        return Stream.of(
                // verdict
                row("a verdict about the mailbox", Ending.VERDICT, Outcome.VERDICT),
                // ip_blacklisted: a negative reply whose text blames our IP, 5xx or 4xx
                row("550 listed by spamhaus", reply(550, "5.7.1 Service unavailable; listed by Spamhaus"),
                        Outcome.IP_BLACKLISTED),
                row("554 poor reputation", reply(554, "Connection rejected due to poor reputation"),
                        Outcome.IP_BLACKLISTED),
                row("450 blocked (4xx too)", reply(450, "4.7.1 Client host blocked"), Outcome.IP_BLACKLISTED),
                row("550 needs reverse DNS", reply(550, "Cannot find your reverse hostname"), Outcome.IP_BLACKLISTED),
                // greylisted: any other 4xx
                row("450 greylisted", reply(450, "4.2.0 Greylisted, try again later"), Outcome.GREYLISTED),
                row("421 too busy", reply(421, "Too many connections"), Outcome.GREYLISTED),
                // target_fault: any other 5xx reply
                row("550 no such user (unclassified text)", reply(550, "5.1.1 Recipient address rejected"),
                        Outcome.TARGET_FAULT),
                row("502 command not implemented", reply(502, "Command not implemented"), Outcome.TARGET_FAULT),
                // proxy_fault: the proxy itself
                row("proxy unreachable / timeout_ms", socks(Phase.PROXY_CONNECT, -1, false), Outcome.PROXY_FAULT),
                row("deadline while connecting to the proxy", socks(Phase.PROXY_CONNECT, -1, true), Outcome.PROXY_FAULT),
                row("method negotiation refused or broken", socks(Phase.GREETING, -1, false), Outcome.PROXY_FAULT),
                row("silent during the greeting", socks(Phase.GREETING, -1, true), Outcome.PROXY_FAULT),
                row("password rejected", socks(Phase.AUTH, -1, false), Outcome.PROXY_FAULT),
                row("silent during auth", socks(Phase.AUTH, -1, true), Outcome.PROXY_FAULT),
                row("CONNECT reply 1 general failure", socks(Phase.CONNECT, 1, false), Outcome.PROXY_FAULT),
                row("CONNECT reply 2 ruleset", socks(Phase.CONNECT, 2, false), Outcome.PROXY_FAULT),
                row("CONNECT reply 7 command not supported", socks(Phase.CONNECT, 7, false), Outcome.PROXY_FAULT),
                row("CONNECT reply 8 address type", socks(Phase.CONNECT, 8, false), Outcome.PROXY_FAULT),
                row("CONNECT reply 9 unknown", socks(Phase.CONNECT, 9, false), Outcome.PROXY_FAULT),
                row("proxy drops or garbles the CONNECT reply", socks(Phase.CONNECT, -1, false), Outcome.PROXY_FAULT),
                row("connection dropped and the proxy no longer answers", socks(Phase.TUNNEL, -1, false),
                        Outcome.PROXY_FAULT),
                // target_fault: the path from the proxy to the MX, or the MX itself
                row("CONNECT reply 3 network unreachable", socks(Phase.CONNECT, 3, false), Outcome.TARGET_FAULT),
                row("CONNECT reply 4 host unreachable", socks(Phase.CONNECT, 4, false), Outcome.TARGET_FAULT),
                row("CONNECT reply 5 connection refused", socks(Phase.CONNECT, 5, false), Outcome.TARGET_FAULT),
                row("CONNECT reply 6 TTL expired", socks(Phase.CONNECT, 6, false), Outcome.TARGET_FAULT),
                row("CONNECT pending at the deadline (silent MX)", socks(Phase.CONNECT, -1, true), Outcome.TARGET_FAULT),
                row("target name cannot be sent", socks(Phase.REQUEST, -1, false), Outcome.TARGET_FAULT),
                row("DNS, TCP connect, MX timeout, EOF through a live proxy, bad reply", Ending.TARGET,
                        Outcome.TARGET_FAULT));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("endings")
    void eachEndingCountsAgainstTheRightParty(String why, Ending ending, Outcome expected) {
        assertThat(Blame.of(ending)).as(why).isEqualTo(expected);
    }

    @ParameterizedTest(name = "every outcome is reachable: {0}")
    @EnumSource(Outcome.class)
    void everyOutcomeHasARow(Outcome outcome) {
        assertThat(endings().map(a -> (Outcome) a.get()[2])).contains(outcome);
    }

    private static Arguments row(String why, Ending ending, Outcome outcome) {
        return Arguments.of(why, ending, outcome);
    }

    private static Ending reply(int code, String text) {
        SmtpReply reply = new SmtpReply(code, List.of(text));
        return new Ending.Reply(reply, ReplyClassifier.toError(reply));
    }

    private static Ending socks(Phase phase, int replyCode, boolean timedOut) {
        return new Ending.Socks(phase, replyCode, timedOut);
    }
}

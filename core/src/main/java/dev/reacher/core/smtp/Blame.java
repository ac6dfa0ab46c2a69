package dev.reacher.core.smtp;

import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.socks5.Socks5Exception;
import dev.reacher.core.socks5.Socks5TimeoutException;

/**
 * Decides whom one SMTP attempt's ending counts against: the one place where a failure is blamed on
 * the proxy (so the pool fails over and its health counts it) or on the target. The parts of an
 * attempt (SOCKS5 connect, MX connect, conversation) only say what happened, as an {@link Ending};
 * the attempt asks {@link #of} once when it ends.
 *
 * <table>
 *   <caption>Outcome by ending</caption>
 *   <tr><th>ending</th><th>outcome</th></tr>
 *   <tr><td>a verdict about the mailbox</td><td>{@code verdict}</td></tr>
 *   <tr><td>a negative reply whose text names a blacklist or missing reverse DNS</td><td>{@code ip_blacklisted}</td></tr>
 *   <tr><td>any other 4xx reply</td><td>{@code greylisted}</td></tr>
 *   <tr><td>SOCKS5: connect to the proxy, greeting, auth, a dead tunnel; a CONNECT the proxy
 *       fails with a code other than 3-6, or drops, or answers malformed</td><td>{@code proxy_fault}</td></tr>
 *   <tr><td>SOCKS5: the CONNECT answered 3-6 (network/host unreachable, refused, TTL expired), a
 *       CONNECT that is still pending at the deadline (the proxy waits on the MX), a target name
 *       that cannot be sent</td><td>{@code target_fault}</td></tr>
 *   <tr><td>the MX: DNS, TCP connect, timeout, dropped connection through a live proxy or
 *       directly, a broken reply, any other 5xx, anything unexpected</td><td>{@code target_fault}</td></tr>
 * </table>
 */
public final class Blame {
    private Blame() {}

    /** Whom {@code ending} counts against. */
    public static Outcome of(Ending ending) {
        return switch (ending) {
            case Ending.Verdict v -> Outcome.VERDICT;
            case Ending.Reply r -> r.error().description() != null ? Outcome.IP_BLACKLISTED
                    : r.reply().isTransient() ? Outcome.GREYLISTED : Outcome.TARGET_FAULT;
            case Ending.Socks s -> socks(s.phase(), s.replyCode(), s.timedOut());
            case Ending.Target t -> Outcome.TARGET_FAULT;
        };
    }

    private static Outcome socks(Socks5Exception.Phase phase, int replyCode, boolean timedOut) {
        return switch (phase) {
            case PROXY_CONNECT, GREETING, AUTH, TUNNEL -> Outcome.PROXY_FAULT;
            case REQUEST -> Outcome.TARGET_FAULT;
            // Codes 3-6 describe the path from the proxy to the MX; a pending CONNECT usually means
            // the proxy is still waiting on a silent MX. Anything else is the proxy's own failure.
            case CONNECT -> timedOut || (replyCode >= 3 && replyCode <= 6) ? Outcome.TARGET_FAULT : Outcome.PROXY_FAULT;
        };
    }

    /** What happened at the end of an attempt, as the part that saw it reports it. */
    public sealed interface Ending {
        /** The conversation reached a verdict about the mailbox. */
        record Verdict() implements Ending {}

        /** The MX answered negatively (greeting, EHLO/HELO, MAIL FROM or RCPT TO). */
        record Reply(SmtpReply reply, SmtpError error) implements Ending {}

        /** A SOCKS5 step failed: which one, the CONNECT reply code (else -1), and whether it timed out. */
        record Socks(Socks5Exception.Phase phase, int replyCode, boolean timedOut) implements Ending {}

        /** The MX or the way to it failed outside SOCKS5: DNS, TCP, timeout, dropped connection, bad reply. */
        record Target() implements Ending {}

        Ending VERDICT = new Verdict();
        Ending TARGET = new Target();

        static Ending of(Socks5Exception e) {
            return new Socks(e.phase(), e.replyCode(), false);
        }

        static Ending of(Socks5TimeoutException e) {
            return new Socks(e.phase(), -1, true);
        }
    }
}

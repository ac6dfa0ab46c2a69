package dev.reacher.core.smtp;

import dev.reacher.core.smtp.SharedSessions.Key;
import dev.reacher.core.smtp.SmtpAttempt.SharedSession;
import dev.reacher.core.smtp.SmtpConversation.Ended;
import dev.reacher.core.smtp.SmtpVerifier.AttemptResult;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * One SMTP session shared by several addresses: connect, greeting, EHLO, then transactions of
 * MAIL FROM and one RCPT TO per address, {@code RSET} between them, QUIT. Each domain's catch-all
 * answer is asked once per session (or taken from the cache). Every address gets what its own
 * session would have given: a failure before the first RCPT (connect, greeting, EHLO, MAIL FROM)
 * is every address's result, a verdict or a negative reply to an address's RCPT is that address's.
 *
 * <p>The batch ends, and the addresses not yet answered go back to the line for a new session
 * ({@link #run} returns them), when the server says it has had enough: {@code 421} (closing),
 * "too many recipients" ({@code 452 4.5.3}), or an answer much slower than the session's first
 * (the tarpit of a server's soft error limit); or when the connection drops or times out. An
 * address whose RCPT went out without an answer is marked so ({@link SessionWaiter#unanswered}).
 */
final class SharedConversation {
    /** An RCPT answer slower than this many times the session's first, and at least {@link #SLOW_FLOOR}, is a tarpit. */
    private static final int SLOW_FACTOR = 4;
    private static final Duration SLOW_FLOOR = Duration.ofSeconds(1);

    /** What every session needs from the verifier. */
    record Parts(Rules rules, RandomGenerator random, MxConnector connector, Clock clock, CatchAllCache catchAll) {}

    /** Claims up to the session's remaining room for another transaction ({@code sent}: recipients so far). */
    interface More {
        List<SessionWaiter> claim(int sent);
    }

    private record Answered(SessionWaiter waiter, Ended end, boolean catchAllCached, Duration after) {}

    private final Parts parts;
    private final Key key;
    private final More more;
    private final Map<String, SmtpSession.CatchAll> catchAllByDomain = new HashMap<>();
    private final List<Answered> answered = new ArrayList<>();
    private final List<SessionWaiter> unserved = new ArrayList<>();
    private Instant start;
    private Duration firstAnswer;

    SharedConversation(Parts parts, Key key, More more) {
        this.parts = parts;
        this.key = key;
        this.more = more;
    }

    /** Holds the session; returns the addresses that go back to the line, all others are completed. */
    List<SessionWaiter> run(List<SessionWaiter> batch) {
        Clock clock = parts.clock();
        start = clock.instant();
        Instant deadline = start.plus(key.limit());
        SmtpRequest first = batch.get(0).request;
        MxConnector.Connected connected;
        try {
            connected = parts.connector().open(first.mxHosts(), key.port(), key.route(), deadline, key.limit());
        } catch (AttemptFailure f) {
            AttemptResult failed = new AttemptResult(null, f.error, f.host, Blame.of(f.ending), elapsed(),
                    f.unreachable, false);
            batch.forEach(w -> w.complete(failed));
            return List.of();
        }
        SmtpSession session = new SmtpSession(parts.random(), parts.connector(), clock, connected, key.route(),
                parts.catchAll());
        try {
            session.start().handshake(first.config(), deadline);
        } catch (IOException | RuntimeException e) {
            Ended end = session.failure(e, deadline, key.limit());
            session.close();
            AttemptResult failed = result(connected, new Answered(null, end, false, elapsed()), null);
            batch.forEach(w -> w.complete(failed));
            return List.of();
        }
        try {
            boolean open = transactions(session, batch, deadline);
            if (open) {
                session.quietQuit(clock.instant().plus(key.limit()));
            }
        } finally {
            session.close();
        }
        int size = answered.size();
        for (int i = 0; i < size; i++) {
            Answered a = answered.get(i);
            a.waiter().complete(result(connected, a, new SharedSession(i + 1, size)));
        }
        return unserved;
    }

    /** The transactions of the session; false when the connection is no longer usable. */
    private boolean transactions(SmtpSession session, List<SessionWaiter> batch, Instant deadline) {
        List<SessionWaiter> current = batch;
        while (true) {
            for (int i = 0; i < current.size(); i++) {
                SessionWaiter w = current.get(i);
                Ending ending = ask(session, w, answered.isEmpty() ? deadline : parts.clock().instant().plus(key.limit()));
                if (ending != Ending.NONE) {
                    unserved.addAll(current.subList(i + 1, current.size()));
                    return ending == Ending.QUIT;
                }
            }
            List<SessionWaiter> next = more.claim(answered.size());
            if (next.isEmpty()) {
                return true;
            }
            Instant txDeadline = parts.clock().instant().plus(key.limit());
            try {
                session.reset(txDeadline);
                session.mailFrom(next.get(0).request.config(), txDeadline);
            } catch (IOException | RuntimeException e) {
                unserved.addAll(next); // their RCPT never went out: a new session asks them
                return false;
            }
            current = next;
        }
    }

    /** How asking one address ended the batch, if it did. */
    private enum Ending { NONE, QUIT, LOST }

    /** The catch-all answer of the address's domain, then its RCPT. */
    private Ending ask(SmtpSession session, SessionWaiter w, Instant deadline) {
        SmtpRequest r = w.request;
        boolean firstInSession = answered.isEmpty();
        try {
            SmtpSession.CatchAll catchAll = catchAll(session, r, deadline);
            if (catchAll != null && catchAll.catchAll()) {
                answered.add(new Answered(w, new Ended(SmtpConversation.catchAllDetails(), null, Blame.Ending.VERDICT),
                        catchAll.cached(), elapsed()));
                return Ending.NONE;
            }
            Instant sent = parts.clock().instant();
            SmtpReply reply = session.rcpt(r.toEmail(), deadline);
            Duration took = Duration.between(sent, parts.clock().instant());
            if (reply.code() == 421) {
                w.unanswered(firstInSession);
                unserved.add(w);
                return Ending.LOST;
            }
            if (tooManyRecipients(reply)) {
                w.tooMany(firstInSession);
                unserved.add(w);
                return Ending.QUIT;
            }
            answered.add(new Answered(w, SmtpConversation.verdict(reply, r.toEmail()),
                    catchAll != null && catchAll.cached(), elapsed()));
            return tarpitted(took) ? Ending.QUIT : Ending.NONE;
        } catch (IOException | RuntimeException e) {
            w.unanswered(firstInSession); // a drop or a timeout: the address is asked again, never guessed
            unserved.add(w);
            return Ending.LOST;
        }
    }

    /** The domain's catch-all answer, asked once per session; null when a rule skips the probe. */
    private SmtpSession.CatchAll catchAll(SmtpSession session, SmtpRequest r, Instant deadline) throws IOException {
        if (parts.rules().has(r.domain(), session.host(), Rules.Rule.SkipCatchAll)) {
            return null;
        }
        String domain = r.domain().toLowerCase(Locale.ROOT);
        SmtpSession.CatchAll known = catchAllByDomain.get(domain);
        if (known == null) {
            known = session.catchAll(r.domain(), r.toEmail(), deadline);
            catchAllByDomain.put(domain, known);
        }
        return known;
    }

    /** "Too many recipients" in this transaction ({@code 452 4.5.3}; older servers {@code 552 5.5.3}). */
    static boolean tooManyRecipients(SmtpReply reply) {
        if (reply.isPositive()) {
            return false;
        }
        String text = reply.text().toLowerCase(Locale.ROOT);
        return text.contains("too many recipients") || text.startsWith("4.5.3") || text.startsWith("5.5.3");
    }

    /** Whether this answer came so much slower than the first that the server has started to tarpit us. */
    private boolean tarpitted(Duration took) {
        if (firstAnswer == null) {
            firstAnswer = took;
            return false;
        }
        Duration slow = firstAnswer.multipliedBy(SLOW_FACTOR);
        return took.compareTo(slow.compareTo(SLOW_FLOOR) > 0 ? slow : SLOW_FLOOR) > 0;
    }

    private AttemptResult result(MxConnector.Connected connected, Answered a, SharedSession shared) {
        Ended end = a.end();
        return new AttemptResult(end.details(), end.error(), connected.host(), Blame.of(end.ending()), a.after(),
                connected.unreachable(), a.catchAllCached(), shared);
    }

    private Duration elapsed() {
        Duration d = Duration.between(start, parts.clock().instant());
        return d.isNegative() ? Duration.ZERO : d;
    }
}

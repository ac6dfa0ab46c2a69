package dev.reacher.core.smtp;

import dev.reacher.core.smtp.ReplyClassifier.MailboxState;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * The SMTP dialogue for one address on one open connection, as upstream runs it: greeting, EHLO
 * (HELO when EHLO is refused with 5xx, the RFC 5321 fallback), MAIL FROM, a catch-all probe with a
 * random local part (unless a rule skips it or the domain's answer is cached), RCPT TO, QUIT. Unlike
 * upstream, commands are pipelined (RFC 2920) when the server offers it. A failing QUIT after a
 * verdict keeps the verdict. Ends with what happened ({@link Ended}), never an exception; the socket
 * is closed at the end.
 */
final class SmtpConversation {
    private final Rules rules;
    private final SmtpSession session;
    private boolean catchAllCached;

    /**
     * How the conversation ended: details (a verdict) or an error, what happened for {@link Blame},
     * and whether the catch-all answer came from the cache instead of a probe.
     */
    record Ended(SmtpDetails details, SmtpError error, Blame.Ending ending, boolean catchAllCached) {
        Ended(SmtpDetails details, SmtpError error, Blame.Ending ending) {
            this(details, error, ending, false);
        }
    }

    SmtpConversation(Rules rules, SmtpSession session) {
        this.rules = rules;
        this.session = session;
    }

    Ended run(SmtpRequest request, Instant deadline, Duration limit) {
        try {
            session.start();
            Ended end = talk(request, deadline);
            return new Ended(end.details(), end.error(), end.ending(), catchAllCached);
        } catch (IOException | RuntimeException e) {
            return session.failure(e, deadline, limit);
        } finally {
            session.close();
        }
    }

    private Ended talk(SmtpRequest request, Instant deadline) throws IOException {
        SmtpConfig config = request.config();
        String domain = request.domain();
        String toEmail = request.toEmail();
        session.greet(config, deadline);
        boolean probe = !rules.has(domain, session.host(), Rules.Rule.SkipCatchAll);
        Boolean catchAll = probe ? session.cachedCatchAll(domain) : Boolean.FALSE;
        catchAllCached = probe && catchAll != null;
        // Commands are held and their replies read in order: a server offering PIPELINING gets MAIL
        // FROM with the probe (or with the address's RCPT and QUIT when no probe is needed) in one
        // write; any other server gets them one at a time, as upstream sends them.
        session.hold(SmtpSession.mailFromLine(config));
        if (catchAll == null) {
            session.holdProbe(domain);
        } else {
            holdRest(catchAll, toEmail);
        }
        SmtpSession.expectPositive(session.reply(deadline));
        if (catchAll == null) {
            catchAll = session.probeAnswer(domain, toEmail, session.reply(deadline));
            holdRest(catchAll, toEmail);
        }
        if (catchAll) {
            session.quietQuit(deadline);
            return new Ended(catchAllDetails(), null, Blame.Ending.VERDICT);
        }
        SmtpReply reply;
        try {
            reply = session.reply(deadline);
        } catch (EOFException incomplete) {
            // Upstream: the server closed mid-reply; reconnect once and ask again, without a new probe.
            session.reconnect(config, deadline);
            reply = session.rcpt(toEmail, deadline);
        }
        Ended end = verdict(reply, toEmail);
        // Upstream turns a failed QUIT into an error; the verdict is already known, so we keep it.
        session.quietQuit(deadline);
        return end;
    }

    /**
     * What follows MAIL FROM and the probe: the address's RCPT unless its domain is catch-all, then
     * QUIT, which comes whatever the replies say and so may go in the same write.
     */
    private void holdRest(boolean catchAll, String toEmail) {
        if (!catchAll) {
            session.hold(SmtpSession.rcptLine(toEmail));
        }
        session.hold("QUIT");
    }

    /** The details of an address at a catch-all domain: its RCPT is not asked. */
    static SmtpDetails catchAllDetails() {
        return new SmtpDetails(true, false, true, true, false);
    }

    /** What the reply to an address's RCPT says: a verdict, or the error of a reply that says nothing about it. */
    static Ended verdict(SmtpReply reply, String toEmail) {
        MailboxState state = ReplyClassifier.classifyRcpt(reply, toEmail);
        if (state == null) {
            SmtpError error = ReplyClassifier.toError(reply);
            return new Ended(null, error, new Blame.Ending.Reply(reply, error));
        }
        SmtpDetails details = switch (state) {
            case DELIVERABLE -> new SmtpDetails(true, false, false, true, false);
            case DISABLED -> new SmtpDetails(true, false, false, false, true);
            case FULL_INBOX -> new SmtpDetails(true, true, false, false, false);
            case INVALID -> new SmtpDetails(true, false, false, false, false);
        };
        return new Ended(details, null, Blame.Ending.VERDICT);
    }
}

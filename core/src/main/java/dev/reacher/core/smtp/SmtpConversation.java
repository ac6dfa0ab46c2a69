package dev.reacher.core.smtp;

import dev.reacher.core.smtp.ReplyClassifier.MailboxState;
import dev.reacher.core.socks5.Socks5Connector;
import dev.reacher.core.socks5.Socks5Exception;
import dev.reacher.core.socks5.Socks5TimeoutException;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP dialogue on one open connection, as upstream runs it: greeting, EHLO (HELO when EHLO is
 * refused with 5xx, the RFC 5321 fallback), MAIL FROM, a catch-all probe with a random local part
 * (unless a rule skips it), RCPT TO, QUIT. A failing QUIT after a verdict keeps the verdict. Ends
 * with what happened ({@link Ended}), never an exception; the socket is closed at the end.
 */
final class SmtpConversation {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpConversation.class);
    private static final Duration QUIT_WAIT = Duration.ofSeconds(2);
    /** How long a proxy may take to answer after a proxied connection dropped, before it is blamed. */
    private static final Duration PROXY_PROBE_WAIT = Duration.ofSeconds(1);
    private static final String PROBE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final Rules rules;
    private final RandomGenerator random;
    private final MxConnector connector;
    private final Clock clock;
    private final String host;
    private final SmtpRoute route;
    private Socket socket;
    private SmtpReplyReader reader;
    private OutputStream out;

    /** How the conversation ended: details (a verdict) or an error, and what happened for {@link Blame}. */
    record Ended(SmtpDetails details, SmtpError error, Blame.Ending ending) {}

    SmtpConversation(Rules rules, RandomGenerator random, MxConnector connector, Clock clock,
            MxConnector.Connected connected, SmtpRoute route) {
        this.rules = rules;
        this.random = random;
        this.connector = connector;
        this.clock = clock;
        this.host = connected.host();
        this.route = route;
        this.socket = connected.socket();
    }

    Ended run(SmtpRequest request, Instant deadline, Duration limit) {
        try {
            attach(socket);
            return talk(request, deadline);
        } catch (NegativeReply n) {
            quietQuit(deadline);
            return new Ended(null, n.error, new Blame.Ending.Reply(n.reply, n.error));
        } catch (EOFException | SocketException e) {
            return connectionLost(e, deadline);
        } catch (SmtpProtocolException e) {
            return new Ended(null, SmtpError.asyncSmtp("parsing: " + e.getMessage(), null), Blame.Ending.TARGET);
        } catch (AttemptFailure f) {
            return new Ended(null, f.error, f.ending); // the reconnect failed
        } catch (SocketTimeoutException e) {
            return new Ended(null, SmtpError.timeout(limit),
                    e instanceof Socks5TimeoutException t ? Blame.Ending.of(t) : Blame.Ending.TARGET);
        } catch (IOException | RuntimeException e) {
            // Anything unexpected still ends as a classified, readable error, never an exception.
            LOG.debug("SMTP attempt to {} failed unexpectedly", host, e);
            return new Ended(null, SmtpError.asyncSmtp("io: " + e.getMessage(), null), Blame.Ending.TARGET);
        } finally {
            closeQuietly(socket);
        }
    }

    private Ended talk(SmtpRequest request, Instant deadline) throws IOException {
        SmtpConfig config = request.config();
        handshake(config, deadline);
        if (!rules.has(request.domain(), host, Rules.Rule.SkipCatchAll) && probeCatchAll(request, deadline)) {
            quietQuit(deadline);
            return new Ended(new SmtpDetails(true, false, true, true, false), null, Blame.Ending.VERDICT);
        }
        SmtpReply reply;
        try {
            reply = command("RCPT TO:<" + request.toEmail() + ">", deadline);
        } catch (EOFException incomplete) {
            // Upstream: the server closed mid-reply; reconnect once and ask again, without a new probe.
            closeQuietly(socket);
            attach(connector.connect(host, config.smtpPort(), route, deadline));
            handshake(config, deadline);
            reply = command("RCPT TO:<" + request.toEmail() + ">", deadline);
        }
        MailboxState state = ReplyClassifier.classifyRcpt(reply, request.toEmail());
        if (state == null) {
            SmtpError error = ReplyClassifier.toError(reply);
            quietQuit(deadline);
            return new Ended(null, error, new Blame.Ending.Reply(reply, error));
        }
        SmtpDetails details = switch (state) {
            case DELIVERABLE -> new SmtpDetails(true, false, false, true, false);
            case DISABLED -> new SmtpDetails(true, false, false, false, true);
            case FULL_INBOX -> new SmtpDetails(true, true, false, false, false);
            case INVALID -> new SmtpDetails(true, false, false, false, false);
        };
        // Upstream turns a failed QUIT into an error; the verdict is already known, so we keep it.
        quietQuit(deadline);
        return new Ended(details, null, Blame.Ending.VERDICT);
    }

    /**
     * The connection dropped (EOF, reset) before a verdict. Through a proxy, the drop may be the
     * proxy dying rather than the MX hanging up: the SOCKS5 layer checks whether the proxy still
     * answers. Direct connections and cancelled attempts are the MX's, as upstream.
     */
    private Ended connectionLost(IOException e, Instant deadline) {
        String message = e instanceof EOFException ? "io: incomplete" : "io: " + e.getMessage();
        Blame.Ending ending = Blame.Ending.TARGET;
        Instant now = clock.instant();
        if (!route.isDirect() && !Thread.currentThread().isInterrupted() && now.isBefore(deadline)) {
            Instant probeDeadline = now.plus(PROXY_PROBE_WAIT).isBefore(deadline) ? now.plus(PROXY_PROBE_WAIT) : deadline;
            Socks5Exception lost = Socks5Connector.tunnelLost(route.proxy(), probeDeadline, clock);
            if (lost != null) {
                ending = Blame.Ending.of(lost);
                message += " (" + lost.getMessage() + ")";
            }
        }
        return new Ended(null, SmtpError.asyncSmtp(message, null), ending);
    }

    private void attach(Socket s) throws IOException {
        this.socket = s;
        this.reader = new SmtpReplyReader(s);
        this.out = s.getOutputStream();
    }

    /** Greeting, EHLO (or HELO), MAIL FROM. */
    private void handshake(SmtpConfig config, Instant deadline) throws IOException {
        expectPositive(reader.read(deadline));
        String hello = sanitizeHello(config.helloName());
        SmtpReply ehlo = command("EHLO " + hello, deadline);
        if (!ehlo.isPositive()) {
            if (ehlo.isTransient()) {
                expectPositive(ehlo);
            }
            // A server that predates ESMTP refuses EHLO with 5xx; HELO is the RFC 5321 §4.1.4 fallback.
            expectPositive(command("HELO " + hello, deadline));
        }
        expectPositive(command("MAIL FROM:<" + sanitizeFrom(config.fromEmail()) + ">", deadline));
    }

    /** True when a random address is accepted; errors are swallowed as upstream does. */
    private boolean probeCatchAll(SmtpRequest request, Instant deadline) throws IOException {
        SmtpReply reply = command("RCPT TO:<" + probeAddress(request.domain()) + ">", deadline);
        return ReplyClassifier.classifyRcpt(reply, request.toEmail()) == MailboxState.DELIVERABLE;
    }

    private String probeAddress(String domain) {
        StringBuilder sb = new StringBuilder(15 + 1 + domain.length());
        for (int i = 0; i < 15; i++) {
            sb.append(PROBE_ALPHABET.charAt(random.nextInt(PROBE_ALPHABET.length())));
        }
        return sb.append('@').append(domain).toString();
    }

    private SmtpReply command(String line, Instant deadline) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return reader.read(deadline);
    }

    private static void expectPositive(SmtpReply reply) throws NegativeReply {
        if (!reply.isPositive()) {
            throw new NegativeReply(reply, ReplyClassifier.toError(reply));
        }
    }

    /** Sends QUIT and waits briefly for its answer; whatever happens is ignored. */
    private void quietQuit(Instant deadline) {
        Instant quitDeadline = clock.instant().plus(QUIT_WAIT);
        if (quitDeadline.isAfter(deadline)) {
            quitDeadline = deadline;
        }
        try {
            command("QUIT", quitDeadline);
        } catch (IOException | RuntimeException ignored) {
            // The verdict does not depend on QUIT.
        }
    }

    /** Upstream's fallback when {@code from_email} fails async-smtp's sanity check. */
    static String sanitizeFrom(String from) {
        for (int i = 0; i < from.length(); i++) {
            char c = from.charAt(i);
            if (c > 127 || Character.isISOControl(c) || Character.isWhitespace(c) || c == '<' || c == '>') {
                LOG.warn("from_email is not a valid address, using user@example.org instead");
                return "user@example.org";
            }
        }
        return from;
    }

    /** EHLO/HELO argument with anything that could end the command line removed. */
    static String sanitizeHello(String hello) {
        String cleaned = hello.replaceAll("[\\s\\p{Cntrl}]", "");
        return cleaned.isEmpty() ? "localhost" : cleaned;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    /** A negative reply at greeting, EHLO/HELO or MAIL FROM. */
    private static final class NegativeReply extends IOException {
        private static final long serialVersionUID = 1L;
        final transient SmtpReply reply;
        final transient SmtpError error;

        NegativeReply(SmtpReply reply, SmtpError error) {
            super(error.message());
            this.reply = reply;
            this.error = error;
        }
    }
}

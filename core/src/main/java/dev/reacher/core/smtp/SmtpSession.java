package dev.reacher.core.smtp;

import dev.reacher.core.smtp.ReplyClassifier.MailboxState;
import dev.reacher.core.smtp.SmtpConversation.Ended;
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
import java.util.ArrayDeque;
import java.util.List;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open SMTP connection and the commands both conversations send on it: the handshake
 * (greeting, EHLO or HELO, MAIL FROM), RCPT, the catch-all probe (or its cached answer), QUIT; and
 * how a failure on it ends ({@link #failure}), so that a verification of one address
 * ({@link SmtpConversation}) and a shared bulk session ({@link SharedConversation}) report the same
 * errors with the same blame.
 *
 * <p>Commands can be held ({@link #hold}) and their replies read later, in order ({@link #reply}).
 * When the server's EHLO offers PIPELINING (RFC 2920), the held commands go out in one write and
 * their replies usually come back in one segment: one round trip instead of one per command.
 * Otherwise each held command is written only when the previous reply has been read, exactly as
 * without holding.
 */
final class SmtpSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);
    private static final Duration QUIT_WAIT = Duration.ofSeconds(2);
    /** How long a proxy may take to answer after a proxied connection dropped, before it is blamed. */
    private static final Duration PROXY_PROBE_WAIT = Duration.ofSeconds(1);
    private static final String PROBE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final RandomGenerator random;
    private final MxConnector connector;
    private final Clock clock;
    private final String host;
    private final SmtpRoute route;
    private final CatchAllCache catchAll;
    private Socket socket;
    private SmtpReplyReader reader;
    private OutputStream out;
    /** The server's EHLO offered PIPELINING. */
    private boolean pipelining;
    /** Commands held, not yet written. */
    private final ArrayDeque<String> held = new ArrayDeque<>(4);
    /** Commands written whose replies have not been read yet. */
    private int awaited;
    private boolean quitSent;

    /** A domain's catch-all answer and whether it came from the cache instead of a probe. */
    record CatchAll(boolean catchAll, boolean cached) {}

    SmtpSession(RandomGenerator random, MxConnector connector, Clock clock, MxConnector.Connected connected,
            SmtpRoute route, CatchAllCache catchAll) {
        this.random = random;
        this.connector = connector;
        this.clock = clock;
        this.host = connected.host();
        this.route = route;
        this.catchAll = catchAll;
        this.socket = connected.socket();
    }

    String host() {
        return host;
    }

    /** Starts reading and writing on the connection it was opened with. */
    SmtpSession start() throws IOException {
        attach(socket);
        return this;
    }

    /** Upstream: the server closed mid-reply; connect to the same host again and repeat the handshake. */
    void reconnect(SmtpConfig config, Instant deadline) throws IOException {
        closeQuietly(socket);
        attach(connector.connect(host, config.smtpPort(), route, deadline));
        handshake(config, deadline);
    }

    private void attach(Socket s) throws IOException {
        this.socket = s;
        this.reader = new SmtpReplyReader(s);
        this.out = s.getOutputStream();
        this.pipelining = false;
        this.held.clear();
        this.awaited = 0;
        this.quitSent = false;
    }

    /** Greeting, EHLO (or HELO), MAIL FROM. */
    void handshake(SmtpConfig config, Instant deadline) throws IOException {
        greet(config, deadline);
        mailFrom(config, deadline);
    }

    /** Greeting and EHLO (or HELO): what must be answered before any command may be held. */
    void greet(SmtpConfig config, Instant deadline) throws IOException {
        expectPositive(reader.read(deadline));
        String hello = sanitizeHello(config.helloName());
        SmtpReply ehlo = command("EHLO " + hello, deadline);
        if (ehlo.isPositive()) {
            pipelining = offersPipelining(ehlo);
            return;
        }
        if (ehlo.isTransient()) {
            expectPositive(ehlo);
        }
        // A server that predates ESMTP refuses EHLO with 5xx; HELO is the RFC 5321 §4.1.4 fallback.
        expectPositive(command("HELO " + hello, deadline));
    }

    /** Whether an EHLO reply lists the PIPELINING keyword (RFC 2920 §3; keywords are case-insensitive). */
    static boolean offersPipelining(SmtpReply ehlo) {
        List<String> lines = ehlo.lines();
        // The first line is the server's name and greeting, never a keyword.
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.regionMatches(true, 0, "PIPELINING", 0, 10)
                    && (line.length() == 10 || line.charAt(10) == ' ')) {
                return true;
            }
        }
        return false;
    }

    /** MAIL FROM: opens a transaction (after the handshake, or after RSET). */
    void mailFrom(SmtpConfig config, Instant deadline) throws IOException {
        expectPositive(command(mailFromLine(config), deadline));
    }

    static String mailFromLine(SmtpConfig config) {
        return "MAIL FROM:<" + sanitizeFrom(config.fromEmail()) + ">";
    }

    static String rcptLine(String address) {
        return "RCPT TO:<" + address + ">";
    }

    /**
     * Holds a command until a reply is asked for ({@link #reply}). QUIT must be the last command held
     * (RFC 2920 §3.1: a command that changes the session's state ends a pipelined group).
     */
    void hold(String line) {
        held.add(line);
    }

    /**
     * The reply to the oldest command sent or held and not yet answered. With PIPELINING every held
     * command is written first, in one write; without, the next held command is written only when
     * all earlier replies have been read.
     */
    SmtpReply reply(Instant deadline) throws IOException {
        if (!held.isEmpty() && (pipelining || awaited == 0)) {
            write(pipelining ? held.size() : 1);
        }
        if (awaited == 0) {
            throw new IllegalStateException("no command awaits a reply");
        }
        SmtpReply reply = reader.read(deadline);
        awaited--;
        return reply;
    }

    private void write(int commands) throws IOException {
        StringBuilder group = new StringBuilder(64 * commands);
        for (int i = 0; i < commands; i++) {
            String line = held.poll();
            quitSent |= line.equals("QUIT");
            group.append(line).append("\r\n");
        }
        awaited += commands;
        out.write(group.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** RSET: ends the transaction, so that the next MAIL FROM starts a fresh recipient count. */
    void reset(Instant deadline) throws IOException {
        expectPositive(command("RSET", deadline));
    }

    SmtpReply rcpt(String address, Instant deadline) throws IOException {
        return command(rcptLine(address), deadline);
    }

    /** The domain's cached catch-all answer, else the probe's. */
    CatchAll catchAll(String domain, String toEmail, Instant deadline) throws IOException {
        Boolean cached = cachedCatchAll(domain);
        if (cached != null) {
            return new CatchAll(cached, true);
        }
        holdProbe(domain);
        return new CatchAll(probeAnswer(domain, toEmail, reply(deadline)), false);
    }

    /** The domain's cached catch-all answer; null when it must be probed. */
    Boolean cachedCatchAll(String domain) {
        return catchAll.get(domain);
    }

    /** Holds the catch-all probe: an RCPT of a random address at the domain. */
    void holdProbe(String domain) {
        hold(rcptLine(probeAddress(domain)));
    }

    /**
     * True when the probe's random address was accepted; errors are swallowed as upstream does. Only
     * a definite answer is cached: accepted (2xx), or refused as an unknown user; a deferral, a
     * blacklist reply or anything unclear is asked again next time, as an uncached run would.
     */
    boolean probeAnswer(String domain, String toEmail, SmtpReply reply) {
        MailboxState state = ReplyClassifier.classifyRcpt(reply, toEmail);
        if (reply.isPositive()) {
            catchAll.put(domain, true);
        } else if (state == MailboxState.INVALID) {
            catchAll.put(domain, false);
        }
        return state == MailboxState.DELIVERABLE;
    }

    private String probeAddress(String domain) {
        StringBuilder sb = new StringBuilder(15 + 1 + domain.length());
        for (int i = 0; i < 15; i++) {
            sb.append(PROBE_ALPHABET.charAt(random.nextInt(PROBE_ALPHABET.length())));
        }
        return sb.append('@').append(domain).toString();
    }

    private SmtpReply command(String line, Instant deadline) throws IOException {
        hold(line);
        return reply(deadline);
    }

    static void expectPositive(SmtpReply reply) throws NegativeReply {
        if (!reply.isPositive()) {
            throw new NegativeReply(reply, ReplyClassifier.toError(reply));
        }
    }

    /**
     * Sends QUIT unless it went out already, and waits briefly for its answer; whatever happens is
     * ignored. Commands still held are dropped; replies still owed are read first, so the connection
     * is closed with nothing unread (an unread byte would make the close a reset).
     */
    void quietQuit(Instant deadline) {
        Instant quitDeadline = clock.instant().plus(QUIT_WAIT);
        if (quitDeadline.isAfter(deadline)) {
            quitDeadline = deadline;
        }
        try {
            if (!quitSent) {
                held.clear();
                hold("QUIT");
            }
            while (awaited > 0 || !held.isEmpty()) {
                reply(quitDeadline);
            }
        } catch (IOException | RuntimeException ignored) {
            // The verdict does not depend on QUIT.
        }
    }

    /**
     * How a session that failed with {@code e} ends: the error to report and what happened, for
     * {@link Blame}. A negative reply is answered with QUIT first.
     *
     * @param limit the attempt's time limit, for the timeout error
     */
    Ended failure(Exception e, Instant deadline, Duration limit) {
        return switch (e) {
            case NegativeReply n -> {
                quietQuit(deadline);
                yield new Ended(null, n.error, new Blame.Ending.Reply(n.reply, n.error));
            }
            case EOFException eof -> connectionLost(eof, deadline);
            case SocketException lost -> connectionLost(lost, deadline);
            case SmtpProtocolException p ->
                new Ended(null, SmtpError.asyncSmtp("parsing: " + p.getMessage(), null), Blame.Ending.TARGET);
            case AttemptFailure f -> new Ended(null, f.error, f.ending); // a reconnect failed
            case SocketTimeoutException t -> new Ended(null, SmtpError.timeout(limit),
                    t instanceof Socks5TimeoutException s ? Blame.Ending.of(s) : Blame.Ending.TARGET);
            default -> {
                // Anything unexpected still ends as a classified, readable error, never an exception.
                LOG.debug("SMTP session with {} failed unexpectedly", host, e);
                yield new Ended(null, SmtpError.asyncSmtp("io: " + e.getMessage(), null), Blame.Ending.TARGET);
            }
        };
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
        // The regex [\s\p{Cntrl}] spelled out (ASCII whitespace and control characters), without a
        // Pattern compiled per session.
        StringBuilder cleaned = null;
        for (int i = 0; i < hello.length(); i++) {
            char c = hello.charAt(i);
            boolean drop = c < 0x20 || c == 0x7F || c == ' ';
            if (drop && cleaned == null) {
                cleaned = new StringBuilder(hello.length()).append(hello, 0, i);
            } else if (!drop && cleaned != null) {
                cleaned.append(c);
            }
        }
        String result = cleaned == null ? hello : cleaned.toString();
        return result.isEmpty() ? "localhost" : result;
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    /** A negative reply at greeting, EHLO/HELO, MAIL FROM or RSET. */
    static final class NegativeReply extends IOException {
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

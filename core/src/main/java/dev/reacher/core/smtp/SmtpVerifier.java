package dev.reacher.core.smtp;

import dev.reacher.core.smtp.ReplyClassifier.MailboxState;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.socks5.Socks5Connector;
import dev.reacher.core.socks5.Socks5Exception;
import dev.reacher.core.socks5.Socks5TimeoutException;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs upstream's SMTP conversation for one address (reacher-core.md §2.7–§2.11): connect (direct
 * or via SOCKS5), greeting, EHLO (HELO if EHLO is refused), MAIL FROM, a catch-all probe with a
 * random local part, RCPT TO, QUIT. {@code retries} is the total number of attempts; only errors
 * without a description are retried, as upstream.
 *
 * <p>Improvements over upstream, each documented in {@code docs/compatibility.md}: every attempt
 * has a deadline even without {@code smtp_timeout}; when the best MX cannot be reached the next
 * one by preference is tried; a failing QUIT after a verdict keeps the verdict; EHLO falls back to
 * HELO. Never throws for anything the network does.
 */
public final class SmtpVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpVerifier.class);
    private static final Duration MAX_CONNECT = Duration.ofSeconds(10);
    private static final Duration QUIT_WAIT = Duration.ofSeconds(2);
    /** How long a proxy may take to answer after a proxied connection dropped, before it is blamed. */
    private static final Duration PROXY_PROBE_WAIT = Duration.ofSeconds(1);
    private static final Duration RULE_45S = Duration.ofSeconds(45);
    private static final String PROBE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final HostResolver resolver;
    private final Rules rules;
    private final RandomGenerator random;
    private final ProxyDns proxyDns;

    /** Who resolves the MX host name when a connection goes through a SOCKS5 proxy. */
    public enum ProxyDns {
        /** The proxy does (SOCKS5 domain-name address type), as upstream: no DNS query leaves from here. */
        REMOTE,
        /** We do, with our resolver, and hand the proxy an IP address (for proxies without DNS). */
        LOCAL
    }

    public SmtpVerifier(HostResolver resolver) {
        this(resolver, Rules.bundled(), new SecureRandom(), ProxyDns.REMOTE);
    }

    public SmtpVerifier(HostResolver resolver, Rules rules, RandomGenerator random) {
        this(resolver, rules, random, ProxyDns.REMOTE);
    }

    public SmtpVerifier(HostResolver resolver, Rules rules, RandomGenerator random, ProxyDns proxyDns) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.random = Objects.requireNonNull(random, "random");
        this.proxyDns = Objects.requireNonNull(proxyDns, "proxyDns");
    }

    /** Verifies {@code request.toEmail()} through {@code request.route()}; never throws. */
    public SmtpOutcome verify(SmtpRequest request) {
        return verify(request, AttemptRoutes.fixed(request.route()));
    }

    /**
     * Verifies through the routes a plan hands out: {@code retries} attempts for failures without a
     * description (as upstream), plus failover to another proxy, up to {@link AttemptRoutes#maxAttempts},
     * when a proxy fails or is blacklisted. Never repeats a verdict. All attempts together stay
     * within one overall deadline.
     */
    public SmtpOutcome verify(SmtpRequest request, AttemptRoutes routes) {
        SmtpConfig config = request.config();
        int retriesLeft = config.attempts() - 1;
        int failoversLeft = routes.maxAttempts() - 1;
        Instant deadline = Instant.now().plus(attemptLimit(request).multipliedBy(config.attempts() + failoversLeft));
        List<SmtpAttempt> attempts = new ArrayList<>();
        SmtpConfig used = config;
        AttemptResult last = null;
        boolean failover = false;
        while (true) {
            AttemptRoutes.Next next = routes.next(failover, deadline);
            if (next.error() != null) {
                if (last == null || last.outcome == Outcome.PROXY_FAULT || last.outcome == Outcome.IP_BLACKLISTED) {
                    return new SmtpOutcome(null, next.error(), last == null ? request.mxHosts().get(0) : last.host,
                            attempts, used);
                }
                break;
            }
            used = identity(config, next).withProxy(next.route().proxyId());
            last = attempt(new SmtpRequest(request.toEmail(), request.domain(), request.mxHosts(), used, next.route()),
                    next.route());
            routes.report(last.outcome, last.duration);
            attempts.add(last.toAttempt(next.route()));
            if (last.details != null || !Instant.now().isBefore(deadline)) {
                break;
            }
            boolean proxyToBlame = last.outcome == Outcome.PROXY_FAULT
                    || (last.outcome == Outcome.IP_BLACKLISTED && routes.retryOnBlacklist());
            if (proxyToBlame && failoversLeft > 0) {
                failoversLeft--;
                failover = true;
            } else if (!proxyToBlame && last.error.retryable() && retriesLeft > 0) {
                retriesLeft--;
                failover = false;
            } else {
                break;
            }
        }
        return new SmtpOutcome(last.details, last.error, last.host, attempts, used);
    }

    /** A proxy's own EHLO name and MAIL FROM win over the provider's, when it has them. */
    private static SmtpConfig identity(SmtpConfig config, AttemptRoutes.Next next) {
        if (next.helloName() == null && next.fromEmail() == null) {
            return config;
        }
        return config.withIdentity(next.helloName() != null ? next.helloName() : config.helloName(),
                next.fromEmail() != null ? next.fromEmail() : config.fromEmail());
    }

    /**
     * One attempt through one route, bounded by the attempt deadline. Public so that a caller that
     * chooses routes itself (the proxy pool) can run attempts one by one.
     */
    public AttemptResult attempt(SmtpRequest request, SmtpRoute route) {
        Instant start = Instant.now();
        Duration limit = attemptLimit(request);
        Instant deadline = start.plus(limit);
        String host = request.mxHosts().get(0);
        Stage stage = new Stage();
        try {
            Conversation c = openConversation(request, route, deadline, stage);
            host = c.host;
            return c.run(request, deadline, stage, start);
        } catch (AttemptFailure f) {
            return new AttemptResult(null, f.error, f.host != null ? f.host : host, f.outcome, elapsed(start), stage.unreachable);
        } catch (SocketTimeoutException e) {
            // A proxy stuck before CONNECT is the proxy's fault; one waiting on a silent MX is not.
            Outcome outcome = e instanceof Socks5TimeoutException t
                    ? (t.fault() == Socks5Exception.Fault.PROXY ? Outcome.PROXY_FAULT : Outcome.TARGET_FAULT)
                    : stage.inProxyHandshake ? Outcome.PROXY_FAULT : Outcome.TARGET_FAULT;
            return new AttemptResult(null, SmtpError.timeout(limit), stage.host != null ? stage.host : host,
                    outcome, elapsed(start), stage.unreachable);
        } catch (IOException | RuntimeException e) {
            // Anything unexpected still ends as a classified, readable error, never an exception.
            LOG.debug("SMTP attempt to {} failed unexpectedly", host, e);
            return new AttemptResult(null, SmtpError.asyncSmtp("io: " + e.getMessage(), null),
                    stage.host != null ? stage.host : host, Outcome.TARGET_FAULT, elapsed(start), stage.unreachable);
        }
    }

    private Duration attemptLimit(SmtpRequest request) {
        Duration limit = request.config().attemptTimeout();
        if (rules.has(request.domain(), request.mxHosts().get(0), Rules.Rule.SmtpTimeout45s)
                && limit.compareTo(RULE_45S) < 0) {
            limit = RULE_45S;
        }
        return limit;
    }

    /** Connects to the first reachable MX host (by preference) and reads its greeting. */
    private Conversation openConversation(SmtpRequest request, SmtpRoute route, Instant deadline, Stage stage)
            throws IOException {
        AttemptFailure firstFailure = null;
        for (String host : request.mxHosts()) {
            stage.host = host;
            try {
                Socket socket = connect(host, request.config().smtpPort(), route, deadline, stage);
                return new Conversation(host, socket, route);
            } catch (AttemptFailure f) {
                if (f.outcome != Outcome.TARGET_FAULT) {
                    throw f; // the proxy failed: another MX will not help
                }
                LOG.debug("MX {} unreachable ({}), trying the next one", host, f.error.message());
                stage.unreachable.add(host + " " + f.error.message());
                if (firstFailure == null) {
                    firstFailure = f;
                }
            }
        }
        throw firstFailure;
    }

    private Socket connect(String host, int port, SmtpRoute route, Instant deadline, Stage stage)
            throws IOException {
        String cleanHost = stripTrailingDots(host);
        if (!route.isDirect()) {
            return connectViaProxy(host, cleanHost, port, route, deadline, stage);
        }
        List<InetAddress> addresses = resolve(host, cleanHost);
        IOException lastError = null;
        for (InetAddress address : addresses) {
            Socket socket = new Socket();
            try {
                long remaining = Duration.between(Instant.now(), deadline).toMillis();
                if (remaining <= 0) {
                    socket.close();
                    throw new SocketTimeoutException("deadline passed");
                }
                socket.connect(new InetSocketAddress(address, port), (int) Math.min(remaining, MAX_CONNECT.toMillis()));
                socket.setTcpNoDelay(true);
                return socket;
            } catch (SocketTimeoutException e) {
                socket.close();
                if (!Instant.now().isBefore(deadline)) {
                    throw e;
                }
                lastError = e;
            } catch (IOException e) {
                socket.close();
                lastError = e;
            }
        }
        String message = lastError == null ? "no address for " + cleanHost : lastError.getMessage();
        throw new AttemptFailure(SmtpError.io(message), Outcome.TARGET_FAULT, host);
    }

    private List<InetAddress> resolve(String host, String cleanHost) throws AttemptFailure {
        try {
            return resolver.resolve(cleanHost);
        } catch (IOException e) {
            throw new AttemptFailure(SmtpError.io("could not resolve hostname " + cleanHost + ": " + e.getMessage()),
                    Outcome.TARGET_FAULT, host);
        }
    }

    private Socket connectViaProxy(String host, String cleanHost, int port, SmtpRoute route, Instant deadline,
            Stage stage) throws IOException {
        // REMOTE (upstream): the proxy resolves the name. LOCAL: each of our addresses in turn.
        List<String> targets = proxyDns == ProxyDns.REMOTE ? List.of(cleanHost)
                : resolve(host, cleanHost).stream().map(InetAddress::getHostAddress).toList();
        AttemptFailure last = null;
        for (String target : targets) {
            stage.inProxyHandshake = true;
            try {
                Socket s = Socks5Connector.connect(route.proxy(), target, port, deadline);
                stage.inProxyHandshake = false;
                return s;
            } catch (Socks5Exception e) {
                if (e.fault() == Socks5Exception.Fault.PROXY) {
                    throw new AttemptFailure(SmtpError.socks5(e.getMessage()), Outcome.PROXY_FAULT, host);
                }
                last = new AttemptFailure(SmtpError.socks5(e.getMessage()), Outcome.TARGET_FAULT, host);
            }
        }
        throw last;
    }

    private String probeAddress(String domain) {
        StringBuilder sb = new StringBuilder(15 + 1 + domain.length());
        for (int i = 0; i < 15; i++) {
            sb.append(PROBE_ALPHABET.charAt(random.nextInt(PROBE_ALPHABET.length())));
        }
        return sb.append('@').append(domain).toString();
    }

    static String stripTrailingDots(String host) {
        int end = host.length();
        while (end > 0 && host.charAt(end - 1) == '.') {
            end--;
        }
        return host.substring(0, end);
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

    private static Duration elapsed(Instant start) {
        Duration d = Duration.between(start, Instant.now());
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** Mutable progress marker, so a timeout can be blamed on the right party. */
    private static final class Stage {
        String host;
        boolean inProxyHandshake;
        /** Better-preference MX hosts that could not be reached before {@code host}, with why. */
        final List<String> unreachable = new ArrayList<>();
    }

    /** One open SMTP connection and the dialogue on it. */
    private final class Conversation {
        final String host;
        final SmtpRoute route;
        Socket socket;
        SmtpReplyReader reader;
        OutputStream out;

        Conversation(String host, Socket socket, SmtpRoute route) throws IOException {
            this.host = host;
            this.route = route;
            attach(socket);
        }

        private void attach(Socket s) throws IOException {
            this.socket = s;
            this.reader = new SmtpReplyReader(s);
            this.out = s.getOutputStream();
        }

        AttemptResult run(SmtpRequest request, Instant deadline, Stage stage, Instant start) throws IOException {
            try {
                SmtpConfig config = request.config();
                handshake(config, deadline);
                boolean catchAll = false;
                if (!rules.has(request.domain(), host, Rules.Rule.SkipCatchAll)) {
                    catchAll = probeCatchAll(request.domain(), request.toEmail(), deadline);
                }
                SmtpDetails details;
                if (catchAll) {
                    details = new SmtpDetails(true, false, true, true, false);
                } else {
                    SmtpReply reply;
                    try {
                        reply = command("RCPT TO:<" + request.toEmail() + ">", deadline);
                    } catch (EOFException incomplete) {
                        // Upstream: the server closed mid-reply; reconnect once and ask again, without a new probe.
                        reconnect(request, deadline, stage);
                        handshake(config, deadline);
                        reply = command("RCPT TO:<" + request.toEmail() + ">", deadline);
                    }
                    MailboxState state = ReplyClassifier.classifyRcpt(reply, request.toEmail());
                    if (state == null) {
                        SmtpError error = ReplyClassifier.toError(reply);
                        quietQuit(deadline);
                        return new AttemptResult(null, error, host, outcomeOf(reply, error), elapsed(start), stage.unreachable);
                    }
                    details = switch (state) {
                        case DELIVERABLE -> new SmtpDetails(true, false, false, true, false);
                        case DISABLED -> new SmtpDetails(true, false, false, false, true);
                        case FULL_INBOX -> new SmtpDetails(true, true, false, false, false);
                        case INVALID -> new SmtpDetails(true, false, false, false, false);
                    };
                }
                // Upstream turns a failed QUIT into an error; the verdict is already known, so we keep it.
                quietQuit(deadline);
                return new AttemptResult(details, null, host, Outcome.VERDICT, elapsed(start), stage.unreachable);
            } catch (NegativeReply n) {
                quietQuit(deadline);
                return new AttemptResult(null, n.error, host, outcomeOf(n.reply, n.error), elapsed(start), stage.unreachable);
            } catch (EOFException | SocketException e) {
                return connectionLost(e, deadline, stage, start);
            } catch (SmtpProtocolException e) {
                return new AttemptResult(null, SmtpError.asyncSmtp("parsing: " + e.getMessage(), null), host,
                        Outcome.TARGET_FAULT, elapsed(start), stage.unreachable);
            } finally {
                closeQuietly(socket);
            }
        }

        /**
         * The connection dropped (EOF, reset) before a verdict. Through a proxy, the drop may be the
         * proxy dying rather than the MX hanging up, and the two look the same from here: so ask the
         * proxy. One that no longer answers is blamed ({@code PROXY_FAULT}: the pool fails over to
         * another member); one that answers passes the drop on from the MX ({@code TARGET_FAULT}, as
         * upstream). Direct connections and cancelled attempts are the MX's as before.
         */
        private AttemptResult connectionLost(IOException e, Instant deadline, Stage stage, Instant start) {
            String message = e instanceof EOFException ? "io: incomplete" : "io: " + e.getMessage();
            Outcome outcome = Outcome.TARGET_FAULT;
            Instant now = Instant.now();
            if (!route.isDirect() && !Thread.currentThread().isInterrupted() && now.isBefore(deadline)) {
                Instant probeDeadline = now.plus(PROXY_PROBE_WAIT).isBefore(deadline) ? now.plus(PROXY_PROBE_WAIT) : deadline;
                if (!Socks5Connector.answers(route.proxy(), probeDeadline)) {
                    outcome = Outcome.PROXY_FAULT;
                    message += " (proxy " + route.proxy().address() + " no longer answers)";
                }
            }
            return new AttemptResult(null, SmtpError.asyncSmtp(message, null), host, outcome, elapsed(start),
                    stage.unreachable);
        }

        private void reconnect(SmtpRequest request, Instant deadline, Stage stage) throws IOException {
            closeQuietly(socket);
            attach(connect(host, request.config().smtpPort(), route, deadline, stage));
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
        private boolean probeCatchAll(String domain, String toEmail, Instant deadline) throws IOException {
            SmtpReply reply = command("RCPT TO:<" + probeAddress(domain) + ">", deadline);
            return ReplyClassifier.classifyRcpt(reply, toEmail) == MailboxState.DELIVERABLE;
        }

        private SmtpReply command(String line, Instant deadline) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reader.read(deadline);
        }

        private void expectPositive(SmtpReply reply) throws NegativeReply {
            if (!reply.isPositive()) {
                throw new NegativeReply(reply, ReplyClassifier.toError(reply));
            }
        }

        /** Sends QUIT and waits briefly for its answer; whatever happens is ignored. */
        private void quietQuit(Instant deadline) {
            Instant quitDeadline = Instant.now().plus(QUIT_WAIT);
            if (quitDeadline.isAfter(deadline)) {
                quitDeadline = deadline;
            }
            try {
                command("QUIT", quitDeadline);
            } catch (IOException | RuntimeException ignored) {
                // The verdict does not depend on QUIT.
            }
        }
    }

    private static Outcome outcomeOf(SmtpReply reply, SmtpError error) {
        if (error.description() != null) {
            return Outcome.IP_BLACKLISTED;
        }
        return reply.isTransient() ? Outcome.GREYLISTED : Outcome.TARGET_FAULT;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    /**
     * How one attempt ended.
     *
     * @param outcome whom the result counts against (drives proxy failover and health)
     */
    public record AttemptResult(SmtpDetails details, SmtpError error, String host, Outcome outcome, Duration duration,
            List<String> unreachableMx) {
        public AttemptResult {
            unreachableMx = List.copyOf(unreachableMx);
        }

        SmtpAttempt toAttempt(SmtpRoute route) {
            String errorText = error == null ? null
                    : error.type() == SmtpError.Type.TIMEOUT ? "timeout" : error.message();
            return new SmtpAttempt(route.proxyId(), host, outcome, duration, errorText, unreachableMx);
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

    /** An attempt that ended before a conversation could start. */
    private static final class AttemptFailure extends IOException {
        private static final long serialVersionUID = 1L;
        final transient SmtpError error;
        final transient Outcome outcome;
        final String host;

        AttemptFailure(SmtpError error, Outcome outcome, String host) {
            super(error.message());
            this.error = error;
            this.outcome = outcome;
            this.host = host;
        }
    }
}

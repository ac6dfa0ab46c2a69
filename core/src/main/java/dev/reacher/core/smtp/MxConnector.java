package dev.reacher.core.smtp;

import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.smtp.SmtpVerifier.ProxyDns;
import dev.reacher.core.socks5.Socks5Connector;
import dev.reacher.core.socks5.Socks5Exception;
import dev.reacher.core.socks5.Socks5TimeoutException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the TCP connection of one SMTP attempt: to the best MX host that can be reached (the next
 * one by preference when one cannot), directly or through the route's SOCKS5 proxy, which resolves
 * the MX name itself unless {@link ProxyDns#LOCAL} asks for our resolver. Failures say what happened
 * ({@link AttemptFailure}); whom they blame is left to {@link Blame}.
 */
final class MxConnector {
    private static final Logger LOG = LoggerFactory.getLogger(MxConnector.class);
    private static final Duration MAX_CONNECT = Duration.ofSeconds(10);

    private final HostResolver resolver;
    private final ProxyDns proxyDns;
    private final Clock clock;

    MxConnector(HostResolver resolver, ProxyDns proxyDns, Clock clock) {
        this.resolver = resolver;
        this.proxyDns = proxyDns;
        this.clock = clock;
    }

    /** An open connection to {@code host}, with the better MX hosts that could not be reached first. */
    record Connected(String host, Socket socket, List<String> unreachable) {}

    /**
     * Connects to the first reachable MX host by preference. Only the target's failures move on to
     * the next host: when the proxy failed, another MX will not help.
     *
     * @param limit the attempt's time limit, for the timeout error
     * @throws AttemptFailure for every failure, with the host being tried
     */
    Connected open(List<String> mxHosts, int port, SmtpRoute route, Instant deadline, Duration limit)
            throws AttemptFailure {
        List<String> unreachable = new ArrayList<>();
        AttemptFailure firstFailure = null;
        for (String host : mxHosts) {
            try {
                return new Connected(host, connect(host, port, route, deadline), unreachable);
            } catch (AttemptFailure f) {
                if (Blame.of(f.ending) != Outcome.TARGET_FAULT) {
                    throw f.withUnreachable(unreachable);
                }
                LOG.debug("MX {} unreachable ({}), trying the next one", host, f.error.message());
                unreachable.add(host + " " + f.error.message());
                if (firstFailure == null) {
                    firstFailure = f;
                }
            } catch (SocketTimeoutException e) {
                Blame.Ending ending = e instanceof Socks5TimeoutException t ? Blame.Ending.of(t) : Blame.Ending.TARGET;
                throw new AttemptFailure(SmtpError.timeout(limit), ending, host, unreachable);
            } catch (IOException | RuntimeException e) {
                // Anything unexpected still ends as a classified, readable error, never an exception.
                LOG.debug("Connecting to MX {} failed unexpectedly", host, e);
                throw new AttemptFailure(SmtpError.asyncSmtp("io: " + e.getMessage(), null), Blame.Ending.TARGET,
                        host, unreachable);
            }
        }
        throw firstFailure.withUnreachable(unreachable);
    }

    /** One connection to {@code host}; a timeout passes through as {@link SocketTimeoutException}. */
    Socket connect(String host, int port, SmtpRoute route, Instant deadline) throws IOException {
        String cleanHost = stripTrailingDots(host);
        if (!route.isDirect()) {
            return connectViaProxy(host, cleanHost, port, route, deadline);
        }
        IOException lastError = null;
        for (InetAddress address : resolve(host, cleanHost)) {
            // NO_PROXY: a plain socket. new Socket() wraps it in java.net's SOCKS layer, which asks the
            // default ProxySelector (building a URI) on every connect.
            Socket socket = new Socket(Proxy.NO_PROXY);
            try {
                long remaining = Duration.between(clock.instant(), deadline).toMillis();
                if (remaining <= 0) {
                    socket.close();
                    throw new SocketTimeoutException("deadline passed");
                }
                socket.connect(new InetSocketAddress(address, port), (int) Math.min(remaining, MAX_CONNECT.toMillis()));
                socket.setTcpNoDelay(true);
                return socket;
            } catch (SocketTimeoutException e) {
                socket.close();
                if (!clock.instant().isBefore(deadline)) {
                    throw e;
                }
                lastError = e;
            } catch (IOException e) {
                socket.close();
                lastError = e;
            }
        }
        String message = lastError == null ? "no address for " + cleanHost : lastError.getMessage();
        throw new AttemptFailure(SmtpError.io(message), Blame.Ending.TARGET, host);
    }

    private List<InetAddress> resolve(String host, String cleanHost) throws AttemptFailure {
        try {
            return resolver.resolve(cleanHost);
        } catch (IOException e) {
            throw new AttemptFailure(SmtpError.io("could not resolve hostname " + cleanHost + ": " + e.getMessage()),
                    Blame.Ending.TARGET, host);
        }
    }

    private Socket connectViaProxy(String host, String cleanHost, int port, SmtpRoute route, Instant deadline)
            throws IOException {
        // REMOTE (upstream): the proxy resolves the name. LOCAL: each of our addresses in turn.
        List<String> targets = proxyDns == ProxyDns.REMOTE ? List.of(cleanHost)
                : resolve(host, cleanHost).stream().map(InetAddress::getHostAddress).toList();
        AttemptFailure last = null;
        for (String target : targets) {
            try {
                return Socks5Connector.connect(route.proxy(), target, port, deadline, clock);
            } catch (Socks5Exception e) {
                last = new AttemptFailure(SmtpError.socks5(e.getMessage()), Blame.Ending.of(e), host);
                if (Blame.of(last.ending) != Outcome.TARGET_FAULT) {
                    throw last; // the proxy failed: another address of the same MX will not help
                }
            }
        }
        throw last;
    }

    static String stripTrailingDots(String host) {
        int end = host.length();
        while (end > 0 && host.charAt(end - 1) == '.') {
            end--;
        }
        return host.substring(0, end);
    }
}

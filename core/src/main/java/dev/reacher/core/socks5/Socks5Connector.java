package dev.reacher.core.socks5;

import dev.reacher.core.socks5.Socks5Exception.Phase;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jdk.net.ExtendedSocketOptions;

/**
 * Opens a TCP stream to {@code host:port} through a SOCKS5 proxy: RFC 1928 CONNECT with the target
 * sent as a domain name (the proxy resolves it, as upstream does; IP literals go as IPs), and RFC
 * 1929 username/password when the proxy config carries both. Credentials are per call: there is no
 * JVM-global state ({@link java.net.Authenticator} is never touched).
 *
 * <p>Blocking I/O, meant for virtual threads. The caller's deadline bounds every step (proxy
 * lookup, TCP connect, each read of the handshake). The proxy's {@code timeout_ms} additionally
 * bounds the TCP connect to the proxy, in milliseconds (upstream floors it to whole seconds, so any
 * value below 1000 fails at once there; {@code 0} still fails at once here, as upstream).
 *
 * <p>Every failure closes the socket and says which step failed: {@link Socks5Exception} or
 * {@link Socks5TimeoutException}, both with a {@link Phase} (and the CONNECT reply code when the
 * proxy sent one). Whom that blames is the caller's decision. Messages never contain the password.
 */
public final class Socks5Connector {
    /** Upstream's (fast-socks5) text for a proxy connect that hit {@code timeout_ms}. */
    static final String CONNECT_TIMEOUT_MESSAGE = "Error with reply: Connection timeout.";

    private static final boolean QUICK_ACK_SUPPORTED = quickAckSupported();

    private Socks5Connector() {}

    private static boolean quickAckSupported() {
        try (Socket probe = new Socket()) {
            return probe.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Connects to the proxy, authenticates and asks it to CONNECT to the target.
     *
     * @param targetHost a host name (sent to the proxy, which resolves it) or an IPv4/IPv6 literal;
     *     one trailing dot and IPv6 brackets are removed
     * @return a connected socket whose streams now talk to the target, with SO_TIMEOUT reset to 0;
     *     the caller owns and closes it
     * @throws Socks5Exception if the proxy fails or refuses, with the {@link Phase} that failed and,
     *     for an error reply to the CONNECT, its {@link Socks5Exception#replyCode()}
     * @throws Socks5TimeoutException if the deadline passes while waiting on the proxy (also when it
     *     had already passed before anything was sent: phase {@link Phase#PROXY_CONNECT})
     * @throws InterruptedIOException if the calling thread is interrupted (the interrupt status stays set)
     * @throws IllegalArgumentException if {@code targetPort} is not 1-65535
     */
    public static Socket connect(ProxyConfig proxy, String targetHost, int targetPort, Instant deadline)
            throws IOException {
        return connect(proxy, targetHost, targetPort, deadline, Clock.systemUTC());
    }

    /** As {@link #connect(ProxyConfig, String, int, Instant)}, with {@code deadline} read on {@code clock}. */
    public static Socket connect(ProxyConfig proxy, String targetHost, int targetPort, Instant deadline, Clock clock)
            throws IOException {
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(targetHost, "targetHost");
        Objects.requireNonNull(deadline, "deadline");
        if (targetPort < 1 || targetPort > 65535) {
            throw new IllegalArgumentException("target port must be 1-65535, got " + targetPort);
        }
        byte[] request = Socks5Handshake.connectRequest(Socks5Address.cleanHost(targetHost), targetPort);
        String target = Socks5Address.cleanHost(targetHost) + ":" + targetPort;
        return open(proxy, target, deadline, clock, handshake -> handshake.run(request));
    }

    /**
     * A health check of {@code proxy} alone: connects, negotiates the method and authenticates
     * (username/password when the config carries both), then closes. Nothing is asked of any target.
     *
     * @throws Socks5Exception naming the {@link Phase} that failed ({@link Phase#PROXY_CONNECT},
     *     {@link Phase#GREETING} or {@link Phase#AUTH})
     * @throws Socks5TimeoutException if the deadline passes first, with the phase it passed in
     * @throws InterruptedIOException if the calling thread is interrupted
     */
    public static void probe(ProxyConfig proxy, Instant deadline) throws IOException {
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(deadline, "deadline");
        open(proxy, null, deadline, Clock.systemUTC(), Socks5Handshake::negotiateOnly).close();
    }

    private interface HandshakeStep {
        void run(Socks5Handshake handshake) throws IOException;
    }

    /** Connects to the proxy within the deadline and {@code timeout_ms}, then runs {@code step} on the socket. */
    private static Socket open(ProxyConfig proxy, String target, Instant deadline, Clock clock, HandshakeStep step)
            throws IOException {
        int remaining;
        try {
            remaining = remainingMillis(deadline, clock);
        } catch (SocketTimeoutException e) {
            throw new Socks5TimeoutException(Phase.PROXY_CONNECT, "deadline passed", e);
        }
        Long timeoutMs = proxy.timeoutMs();
        if (timeoutMs != null && timeoutMs == 0) {
            // A zero bound: upstream's 0 s tokio timeout fails before the connect can complete.
            throw new Socks5Exception(Phase.PROXY_CONNECT, CONNECT_TIMEOUT_MESSAGE);
        }
        boolean proxyBound = timeoutMs != null && timeoutMs < remaining;
        int connectMs = proxyBound ? timeoutMs.intValue() : remaining;
        long connectStart = System.nanoTime();

        InetAddress proxyAddress = resolveProxy(proxy, connectMs, proxyBound);
        connectMs -= (int) TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectStart);
        if (connectMs <= 0) {
            throw connectTimeout(proxy, proxyBound, null);
        }

        Socket socket = new Socket(Proxy.NO_PROXY); // we speak SOCKS5 ourselves: no java.net SOCKS layer
        boolean connected = false;
        try {
            try {
                socket.connect(new InetSocketAddress(proxyAddress, proxy.port()), connectMs);
            } catch (SocketTimeoutException e) {
                throw connectTimeout(proxy, proxyBound, e);
            } catch (IOException e) {
                throw interruptedOr(e, new Socks5Exception(Phase.PROXY_CONNECT,
                        "i/o error: " + e.getMessage() + " (proxy " + proxy.address() + ").", -1, e));
            }
            socket.setTcpNoDelay(true);
            step.run(new Socks5Handshake(socket, proxy, target, deadline, clock));
            socket.setSoTimeout(0);
            quickAck(socket);
            connected = true;
            return socket;
        } finally {
            if (!connected) {
                socket.close();
            }
        }
    }

    /**
     * Called after a connection through {@code proxy} dropped (EOF, reset) before its user was done:
     * the drop may be the proxy dying or the target hanging up, which look the same from here. So
     * a new TCP connection asks the proxy for a SOCKS5 method negotiation (closed after the first
     * reply byte) before {@code deadline}.
     *
     * @return a {@link Phase#TUNNEL} failure when the proxy no longer answers, or null when it does
     *     (the drop came from the target)
     */
    public static Socks5Exception tunnelLost(ProxyConfig proxy, Instant deadline, Clock clock) {
        Objects.requireNonNull(proxy, "proxy");
        try {
            InetAddress address = resolveProxy(proxy, remainingMillis(deadline, clock), false);
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(address, proxy.port()), remainingMillis(deadline, clock));
                probe.setSoTimeout(remainingMillis(deadline, clock));
                probe.getOutputStream().write(Socks5Handshake.noAuthGreeting());
                if (probe.getInputStream().read() == Socks5Handshake.VERSION) {
                    return null;
                }
            }
        } catch (IOException e) {
            // no answer: fall through
        }
        return new Socks5Exception(Phase.TUNNEL, "proxy " + proxy.address() + " no longer answers");
    }

    /**
     * Asks Linux to acknowledge at once what has arrived ({@code TCP_QUICKACK}), where the option
     * exists; elsewhere does nothing.
     *
     * <p>Why, after the handshake: the proxy writes its CONNECT reply and, as soon as the MX greets,
     * the greeting, as two small segments. Without {@code TCP_NODELAY} on the proxy (microsocks has
     * none), Nagle holds the greeting until we ACK the reply, and our kernel delays that ACK (about
     * 40 ms) because we have nothing to send until the greeting comes: every proxied conversation
     * then starts 40 ms late. Setting the option sends the held ACK now. The kernel clears the
     * option again after a while; setting it before every SMTP read as well was measured and made
     * no difference (an MX writes each reply at once, so nothing waits on our ACK), so only the
     * handshake does it.
     */
    private static void quickAck(Socket socket) {
        if (QUICK_ACK_SUPPORTED) {
            try {
                socket.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
            } catch (IOException | UnsupportedOperationException e) {
                // Only a latency optimisation: a closed socket or an odd platform fails later, clearly.
            }
        }
    }

    /**
     * An interrupted virtual thread's socket I/O fails with "Closed by interrupt": that is the caller
     * cancelling the attempt, not the proxy failing, so it must not count against the proxy.
     */
    static IOException interruptedOr(IOException cause, IOException otherwise) {
        if (Thread.currentThread().isInterrupted()) {
            InterruptedIOException interrupted = new InterruptedIOException("interrupted during the SOCKS5 connect");
            interrupted.initCause(cause);
            return interrupted;
        }
        return otherwise;
    }

    private static IOException connectTimeout(ProxyConfig proxy, boolean proxyBound, Throwable cause) {
        if (proxyBound) {
            return new Socks5Exception(Phase.PROXY_CONNECT, CONNECT_TIMEOUT_MESSAGE, -1, cause);
        }
        return new Socks5TimeoutException(Phase.PROXY_CONNECT,
                "Timed out connecting to proxy " + proxy.address() + " (deadline reached).", cause);
    }

    /**
     * Resolves the proxy host locally (first address, as upstream). The JDK resolver has no timeout,
     * so a name lookup runs on its own virtual thread and is abandoned at the connect bound.
     */
    private static InetAddress resolveProxy(ProxyConfig proxy, int timeoutMs, boolean proxyBound) throws IOException {
        InetAddress literal = Socks5Address.ipLiteral(proxy.host());
        if (literal != null) {
            return literal;
        }
        FutureTask<InetAddress> lookup = new FutureTask<>(() -> InetAddress.getByName(proxy.host()));
        Thread.ofVirtual().name("socks5-proxy-lookup").start(lookup);
        try {
            return lookup.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            lookup.cancel(true);
            throw connectTimeout(proxy, proxyBound, e);
        } catch (ExecutionException e) {
            String why = e.getCause() instanceof UnknownHostException ? "unknown host" : String.valueOf(e.getCause());
            throw new Socks5Exception(Phase.PROXY_CONNECT,
                    "i/o error: cannot resolve proxy host " + proxy.address() + ": " + why + ".", -1, e.getCause());
        } catch (InterruptedException e) {
            lookup.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while resolving proxy host " + proxy.address());
        }
    }

    static int remainingMillis(Instant deadline, Clock clock) throws SocketTimeoutException {
        long ms = Duration.between(clock.instant(), deadline).toMillis();
        if (ms <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }
}

package dev.reacher.core.socks5;

import dev.reacher.core.socks5.Socks5Exception.Phase;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
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
    private static final int VERSION = 5;
    private static final int METHOD_NONE = 0;
    private static final int METHOD_USER_PASS = 2;
    private static final int NO_ACCEPTABLE = 0xFF;
    private static final int CMD_CONNECT = 1;
    private static final int ATYP_IPV4 = 1;
    private static final int ATYP_DOMAIN = 3;
    private static final int ATYP_IPV6 = 4;

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
        byte[] request = connectRequest(cleanHost(targetHost), targetPort);
        String target = cleanHost(targetHost) + ":" + targetPort;

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
            new Handshake(socket, proxy, target, deadline, clock).run(request);
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
                probe.getOutputStream().write(new byte[] {VERSION, 1, METHOD_NONE});
                if (probe.getInputStream().read() == VERSION) {
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
    private static IOException interruptedOr(IOException cause, IOException otherwise) {
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
        InetAddress literal = ipLiteral(proxy.host());
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

    /** One handshake on a connected socket; keeps the streams and the phase for error messages. */
    private static final class Handshake {
        private final Socket socket;
        private final ProxyConfig proxy;
        private final String target;
        private final Instant deadline;
        private final Clock clock;
        private final InputStream in;
        private final OutputStream out;
        private Phase phase = Phase.GREETING;

        Handshake(Socket socket, ProxyConfig proxy, String target, Instant deadline, Clock clock) throws IOException {
            this.socket = socket;
            this.clock = clock;
            this.proxy = proxy;
            this.target = target;
            this.deadline = deadline;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        void run(byte[] connectRequest) throws IOException {
            try {
                negotiate();
                phase = Phase.CONNECT;
                // Requests are at most 262 bytes, far below any socket send buffer, so this write
                // cannot block on a proxy that does not read; reads carry the deadline.
                out.write(connectRequest);
                out.flush();
                readReply();
            } catch (Socks5Exception | Socks5TimeoutException e) {
                throw e;
            } catch (SocketTimeoutException e) {
                throw new Socks5TimeoutException(phase, "Proxy " + proxy.address()
                        + " did not finish " + phase.description() + (phase == Phase.CONNECT ? " to " + target : "")
                        + " before the deadline.", e);
            } catch (EOFException e) {
                throw new Socks5Exception(phase, "Malformed proxy reply: proxy " + proxy.address()
                        + " closed the connection during " + phase.description() + ".", -1, e);
            } catch (IOException e) {
                throw interruptedOr(e, new Socks5Exception(phase, "i/o error: " + e.getMessage() + " (proxy "
                        + proxy.address() + ", during " + phase.description() + ").", -1, e));
            }
        }

        /** RFC 1928 §3: offer no-auth, plus username/password when both are configured. */
        private void negotiate() throws IOException {
            boolean offerPassword = proxy.hasCredentials();
            out.write(offerPassword
                    ? new byte[] {VERSION, 2, METHOD_NONE, METHOD_USER_PASS}
                    : new byte[] {VERSION, 1, METHOD_NONE});
            out.flush();
            byte[] answer = readExactly(2);
            expectVersion(answer[0]);
            int method = answer[1] & 0xFF;
            if (method == METHOD_NONE) {
                return;
            }
            if (method == METHOD_USER_PASS && offerPassword) {
                phase = Phase.AUTH;
                authenticate();
                return;
            }
            String why;
            if (method == NO_ACCEPTABLE) {
                why = offerPassword
                        ? "proxy " + proxy.address() + " accepts neither no authentication nor username/password."
                        : "proxy " + proxy.address() + " requires authentication, but no username and password"
                                + " are configured for it.";
            } else {
                why = "proxy " + proxy.address() + " chose a method that was not offered.";
            }
            throw new Socks5Exception(Phase.GREETING, "Auth method unacceptable `[" + method + "]`: " + why);
        }

        /** RFC 1929. The reply's version byte is not checked: servers send 1 or 5. */
        private void authenticate() throws IOException {
            byte[] user = proxy.username().getBytes(StandardCharsets.UTF_8);
            byte[] pass = proxy.password().getBytes(StandardCharsets.UTF_8);
            if (user.length > 255 || pass.length > 255) {
                throw new Socks5Exception(Phase.AUTH,
                        "Authentication failed `the proxy username or password is longer than 255 bytes`.");
            }
            ByteArrayOutputStream request = new ByteArrayOutputStream(3 + user.length + pass.length);
            request.write(1);
            request.write(user.length);
            request.write(user, 0, user.length);
            request.write(pass.length);
            request.write(pass, 0, pass.length);
            out.write(request.toByteArray());
            out.flush();
            int status = readExactly(2)[1] & 0xFF;
            if (status != 0) {
                throw new Socks5Exception(Phase.AUTH, "Authentication rejected `username " + proxy.username()
                        + ", status " + status + "`: proxy " + proxy.address()
                        + " refused the username or password.");
            }
        }

        /** RFC 1928 §6. The bound address is read and discarded. */
        private void readReply() throws IOException {
            byte[] head = readExactly(4);
            expectVersion(head[0]);
            int rep = head[1] & 0xFF;
            if (rep != 0) {
                // The bound address of a failure reply is not needed, and some servers cut it short.
                throw Socks5Exception.forReply(rep);
            }
            int atyp = head[3] & 0xFF;
            int addressLength = switch (atyp) {
                case ATYP_IPV4 -> 4;
                case ATYP_IPV6 -> 16;
                case ATYP_DOMAIN -> readExactly(1)[0] & 0xFF;
                default -> throwMalformed("address type `" + atyp + "` in the CONNECT reply");
            };
            readExactly(addressLength + 2);
        }

        private int throwMalformed(String what) throws Socks5Exception {
            throw new Socks5Exception(phase, "Malformed proxy reply: " + what + " from proxy " + proxy.address() + ".");
        }

        private void expectVersion(byte version) throws Socks5Exception {
            if (version != VERSION) {
                throwMalformed("unsupported SOCKS version `" + (version & 0xFF) + "` during " + phase.description());
            }
        }

        /** Reads exactly n bytes; each read waits at most until the deadline. */
        private byte[] readExactly(int n) throws IOException {
            byte[] buffer = new byte[n];
            int offset = 0;
            while (offset < n) {
                socket.setSoTimeout(remainingMillis(deadline, clock));
                int read = in.read(buffer, offset, n - offset);
                if (read < 0) {
                    throw new EOFException();
                }
                offset += read;
            }
            return buffer;
        }
    }

    /** The CONNECT request (RFC 1928 §4), built before connecting so a bad target fails without I/O. */
    private static byte[] connectRequest(String host, int port) throws Socks5Exception {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(VERSION);
        request.write(CMD_CONNECT);
        request.write(0);
        byte[] ip = ipLiteralBytes(host);
        if (ip != null) {
            request.write(ip.length == 4 ? ATYP_IPV4 : ATYP_IPV6);
            request.write(ip, 0, ip.length);
        } else {
            if (host.isEmpty() || host.length() > 255 || !StandardCharsets.US_ASCII.newEncoder().canEncode(host)) {
                throw new Socks5Exception(Phase.REQUEST, "Invalid target host name `" + host
                        + "`: must be 1-255 ASCII characters (IDNA-encode it first).");
            }
            byte[] name = host.getBytes(StandardCharsets.US_ASCII);
            request.write(ATYP_DOMAIN);
            request.write(name.length);
            request.write(name, 0, name.length);
        }
        request.write(port >>> 8);
        request.write(port & 0xFF);
        return request.toByteArray();
    }

    /** Upstream's {@code clean_host}: one trailing dot removed; also IPv6 brackets. */
    static String cleanHost(String host) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".") && h.length() > 1) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    /** The address bytes (4 or 16) of an IPv4 or IPv6 literal, parsed as Rust's {@code IpAddr}; null for a name. */
    static byte[] ipLiteralBytes(String host) {
        byte[] v4 = parseIpv4(host);
        if (v4 != null) {
            return v4;
        }
        if (host.indexOf(':') < 0 || !host.matches("[0-9A-Fa-f:.]+")) {
            return null;
        }
        try {
            // Contains ':' so the JDK parses it as an IPv6 literal and never does a lookup.
            InetAddress address = InetAddress.getByName(host);
            byte[] raw = address.getAddress();
            if (address instanceof Inet4Address) {
                // "::ffff:a.b.c.d" comes back as IPv4; it was written as IPv6, so send it as IPv6.
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xFF;
                mapped[11] = (byte) 0xFF;
                System.arraycopy(raw, 0, mapped, 12, 4);
                return mapped;
            }
            return raw;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An IPv4 or IPv6 literal as an address without any DNS lookup; null for a host name. */
    static InetAddress ipLiteral(String host) {
        byte[] raw = ipLiteralBytes(cleanHost(host));
        if (raw == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Strict dotted quad: four decimal octets 0-255 without leading zeros (as Rust's Ipv4Addr). */
    private static byte[] parseIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] raw = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (part.length() > 1 && part.charAt(0) == '0')) {
                return null;
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                return null;
            }
            raw[i] = (byte) value;
        }
        return raw;
    }

    private static int remainingMillis(Instant deadline, Clock clock) throws SocketTimeoutException {
        long ms = Duration.between(clock.instant(), deadline).toMillis();
        if (ms <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }
}

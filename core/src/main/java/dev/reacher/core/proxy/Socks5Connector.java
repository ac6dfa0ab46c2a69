package dev.reacher.core.proxy;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * Opens a TCP stream to {@code host:port} through a SOCKS5 proxy: RFC 1928 CONNECT with the target
 * sent as a domain name (the proxy resolves it, as upstream does), and RFC 1929 username/password
 * when the proxy config carries both. Credentials are per call: there is no JVM-global state
 * ({@link java.net.Authenticator} is never touched).
 *
 * <p>Blocking I/O, meant for virtual threads. Every step is bounded by the caller's deadline; the
 * proxy's own {@code timeout_ms} additionally bounds the TCP connect to the proxy.
 */
public final class Socks5Connector {
    private static final int VERSION = 5;
    private static final int METHOD_NONE = 0;
    private static final int METHOD_USER_PASS = 2;
    private static final int NO_ACCEPTABLE = 0xFF;

    private Socks5Connector() {}

    /**
     * Connects to the proxy, authenticates and asks it to CONNECT to the target.
     *
     * @return a socket whose streams now talk to the target; the caller owns and closes it
     * @throws Socks5Exception if the proxy fails or refuses, with {@link Socks5Exception#fault()} set
     * @throws SocketTimeoutException if the deadline passes
     */
    public static Socket connect(ProxyConfig proxy, String targetHost, int targetPort, Instant deadline)
            throws IOException {
        Socket socket = new Socket();
        boolean done = false;
        try {
            int connectMs = remainingMillis(deadline);
            if (proxy.timeoutMs() != null) {
                connectMs = (int) Math.max(1, Math.min(connectMs, proxy.timeoutMs()));
            }
            try {
                socket.connect(new InetSocketAddress(proxy.host(), proxy.port()), connectMs);
            } catch (SocketTimeoutException e) {
                throw new Socks5Exception(Socks5Exception.Fault.PROXY,
                        "Error with reply: Connection timeout.", -1, e);
            } catch (IOException e) {
                throw new Socks5Exception(Socks5Exception.Fault.PROXY,
                        "Cannot connect to proxy " + proxy.address() + ": " + e.getMessage(), -1, e);
            }
            socket.setTcpNoDelay(true);
            handshake(socket, proxy, targetHost, targetPort, deadline);
            done = true;
            return socket;
        } finally {
            if (!done) {
                socket.close();
            }
        }
    }

    private static void handshake(Socket socket, ProxyConfig proxy, String host, int port, Instant deadline)
            throws IOException {
        OutputStream out = new BufferedOutputStream(socket.getOutputStream());
        DataInputStream in = new DataInputStream(socket.getInputStream());
        try {
            // Method negotiation (RFC 1928 §3).
            if (proxy.hasCredentials()) {
                out.write(new byte[] {VERSION, 2, METHOD_NONE, METHOD_USER_PASS});
            } else {
                out.write(new byte[] {VERSION, 1, METHOD_NONE});
            }
            out.flush();
            expectVersion(read(socket, in, deadline));
            int method = read(socket, in, deadline);
            if (method == METHOD_USER_PASS && proxy.hasCredentials()) {
                authenticate(socket, in, out, proxy, deadline);
            } else if (method == NO_ACCEPTABLE) {
                throw new Socks5Exception(Socks5Exception.Fault.PROXY,
                        proxy.hasCredentials() ? "Auth method unacceptable `[0, 2]`."
                                : "Auth method unacceptable `[0]`: the proxy requires credentials.");
            } else if (method != METHOD_NONE) {
                throw new Socks5Exception(Socks5Exception.Fault.PROXY, "Auth method unacceptable `" + method + "`.");
            }

            // CONNECT request (RFC 1928 §4).
            out.write(new byte[] {VERSION, 1, 0});
            writeAddress(out, host);
            out.write(port >>> 8);
            out.write(port & 0xFF);
            out.flush();

            // Reply (RFC 1928 §6).
            expectVersion(read(socket, in, deadline));
            int rep = read(socket, in, deadline);
            read(socket, in, deadline); // RSV
            int atyp = read(socket, in, deadline);
            int addressLength = switch (atyp) {
                case 1 -> 4;
                case 4 -> 16;
                case 3 -> read(socket, in, deadline);
                default -> throw new Socks5Exception(Socks5Exception.Fault.PROXY,
                        "Malformed proxy reply: address type " + atyp + ".");
            };
            for (int i = 0; i < addressLength + 2; i++) {
                read(socket, in, deadline);
            }
            if (rep != 0) {
                throw Socks5Exception.forReply(rep);
            }
            socket.setSoTimeout(0);
        } catch (EOFException e) {
            throw new Socks5Exception(Socks5Exception.Fault.PROXY,
                    "Malformed proxy reply: the proxy closed the connection during the handshake.", -1, e);
        }
    }

    private static void authenticate(Socket socket, DataInputStream in, OutputStream out, ProxyConfig proxy,
            Instant deadline) throws IOException {
        byte[] user = proxy.username().getBytes(StandardCharsets.UTF_8);
        byte[] pass = proxy.password().getBytes(StandardCharsets.UTF_8);
        if (user.length > 255 || pass.length > 255) {
            throw new Socks5Exception(Socks5Exception.Fault.PROXY, "Proxy username or password longer than 255 bytes.");
        }
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.write(1);
        req.write(user.length);
        req.write(user);
        req.write(pass.length);
        req.write(pass);
        out.write(req.toByteArray());
        out.flush();
        read(socket, in, deadline); // sub-negotiation version; servers differ (1 or 5), so not checked
        int status = read(socket, in, deadline);
        if (status != 0) {
            throw new Socks5Exception(Socks5Exception.Fault.PROXY,
                    "Authentication rejected `status " + status + "`: wrong proxy username or password.");
        }
    }

    private static void writeAddress(OutputStream out, String host) throws IOException {
        InetAddress literal = ipLiteral(host);
        if (literal != null) {
            byte[] raw = literal.getAddress();
            out.write(raw.length == 4 ? 1 : 4);
            out.write(raw);
            return;
        }
        byte[] name = host.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length > 255) {
            throw new Socks5Exception(Socks5Exception.Fault.TARGET, "Invalid target host name `" + host + "`.");
        }
        out.write(3);
        out.write(name.length);
        out.write(name);
    }

    /** Parses an IPv4 or bracket-free IPv6 literal without any DNS lookup; null for a host name. */
    static InetAddress ipLiteral(String host) {
        boolean v4 = host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = host.indexOf(':') >= 0 && host.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(host); // a literal: no lookup happens
        } catch (IOException e) {
            return null;
        }
    }

    private static int read(Socket socket, InputStream in, Instant deadline) throws IOException {
        socket.setSoTimeout(remainingMillis(deadline));
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    private static void expectVersion(int version) throws Socks5Exception {
        if (version != VERSION) {
            throw new Socks5Exception(Socks5Exception.Fault.PROXY,
                    "Malformed proxy reply: version " + version + " is not SOCKS5.");
        }
    }

    private static int remainingMillis(Instant deadline) throws SocketTimeoutException {
        long ms = Duration.between(Instant.now(), deadline).toMillis();
        if (ms <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }
}

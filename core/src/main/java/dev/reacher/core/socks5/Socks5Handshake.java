package dev.reacher.core.socks5;

import dev.reacher.core.socks5.Socks5Exception.Phase;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;

/**
 * The SOCKS5 handshake on a socket connected to the proxy: RFC 1928 method negotiation, RFC 1929
 * username/password when offered and chosen, the CONNECT request and its reply. Each failure is a
 * {@link Socks5Exception} or {@link Socks5TimeoutException} naming the {@link Phase} it happened in.
 */
final class Socks5Handshake {
    static final int VERSION = 5;
    private static final int METHOD_NONE = 0;
    private static final int METHOD_USER_PASS = 2;
    private static final int NO_ACCEPTABLE = 0xFF;
    private static final int CMD_CONNECT = 1;
    private static final int ATYP_IPV4 = 1;
    private static final int ATYP_DOMAIN = 3;
    private static final int ATYP_IPV6 = 4;

    private final Socket socket;
    private final ProxyConfig proxy;
    private final String target;
    private final Instant deadline;
    private final Clock clock;
    private final InputStream in;
    private final OutputStream out;
    private Phase phase = Phase.GREETING;

    Socks5Handshake(Socket socket, ProxyConfig proxy, String target, Instant deadline, Clock clock) throws IOException {
        this.socket = socket;
        this.clock = clock;
        this.proxy = proxy;
        this.target = target;
        this.deadline = deadline;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    void run(byte[] connectRequest) throws IOException {
        translated(() -> {
            negotiate();
            phase = Phase.CONNECT;
            // Requests are at most 262 bytes, far below any socket send buffer, so this write
            // cannot block on a proxy that does not read; reads carry the deadline.
            out.write(connectRequest);
            out.flush();
            readReply();
        });
    }

    /** Only the method negotiation and, when chosen, the authentication: what a health check asks. */
    void negotiateOnly() throws IOException {
        translated(this::negotiate);
    }

    private interface Step {
        void run() throws IOException;
    }

    /** Runs {@code step}, turning every I/O failure into one that names the phase it happened in. */
    private void translated(Step step) throws IOException {
        try {
            step.run();
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
            throw Socks5Connector.interruptedOr(e, new Socks5Exception(phase, "i/o error: " + e.getMessage() + " (proxy "
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
                    : proxy.username() != null
                            ? "proxy " + proxy.address() + " requires authentication; a username is configured for"
                                    + " it but the password is missing."
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
            socket.setSoTimeout(Socks5Connector.remainingMillis(deadline, clock));
            int read = in.read(buffer, offset, n - offset);
            if (read < 0) {
                throw new EOFException();
            }
            offset += read;
        }
        return buffer;
    }

    /** The CONNECT request (RFC 1928 §4), built before connecting so a bad target fails without I/O. */
    static byte[] connectRequest(String host, int port) throws Socks5Exception {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(VERSION);
        request.write(CMD_CONNECT);
        request.write(0);
        byte[] ip = Socks5Address.ipLiteralBytes(host);
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

    /** A method negotiation offering only "no authentication". */
    static byte[] noAuthGreeting() {
        return new byte[] {VERSION, 1, METHOD_NONE};
    }
}

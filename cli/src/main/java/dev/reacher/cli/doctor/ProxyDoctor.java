package dev.reacher.cli.doctor;

import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.socks5.Socks5Connector;
import dev.reacher.core.socks5.Socks5Exception;
import dev.reacher.core.socks5.Socks5TimeoutException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks SOCKS5 proxies the way a verification uses them, one step at a time, and says in plain
 * words which step failed and why: TCP connect to the proxy, SOCKS5 method negotiation,
 * username/password, CONNECT to the target (the target's name is sent to the proxy, which resolves
 * it), the SMTP greeting through the tunnel, and {@code EHLO}. The SOCKS5 part is core's
 * {@link Socks5Connector}, so the doctor sees exactly what the verifier would.
 *
 * <p>Each step waits at most {@code timeout}; proxies are checked in parallel on virtual threads.
 * Messages are written here from the step that failed and never quote an exception that could hold
 * a password.
 */
public final class ProxyDoctor {
    /** The default target: Gmail's MX, the one commercial proxies most often block port 25 to. */
    public static final String DEFAULT_TARGET = "gmail-smtp-in.l.google.com:25";

    private static final int MAX_REPLY_LINE = 1024;
    private static final int MAX_REPLY_LINES = 64;
    private static final Duration PROBE_LIMIT = Duration.ofSeconds(2);
    /** An address literal in brackets, as MX servers echo the client: {@code [203.0.113.7]}, {@code [IPv6:2001:db8::1]}. */
    private static final Pattern BRACKETED_IP = Pattern.compile(
            "\\[(?:IPv6:)?((?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)]");

    private final String targetHost;
    private final int targetPort;
    private final Duration timeout;

    /**
     * @param targetHost the host to CONNECT to through each proxy (a name is resolved by the proxy)
     * @param targetPort its SMTP port
     * @param timeout the limit for each step
     */
    public ProxyDoctor(String targetHost, int targetPort, Duration timeout) {
        this.targetHost = Objects.requireNonNull(targetHost, "targetHost");
        if (targetPort < 1 || targetPort > 65535) {
            throw new IllegalArgumentException("target port must be 1-65535, got " + targetPort);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        this.targetPort = targetPort;
        this.timeout = timeout;
    }

    /** One proxy to check: its id, its connection settings and the EHLO name to use through it. */
    public record Candidate(String id, ProxyConfig proxy, String helloName) {
        public Candidate {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(proxy, "proxy");
            Objects.requireNonNull(helloName, "helloName");
        }
    }

    /**
     * Checks every candidate at once (one virtual thread each) and hands the results to {@code sink}
     * in the candidates' order, each as soon as it and those before it are done.
     */
    public void checkAll(List<Candidate> candidates, Consumer<CheckResult> sink) throws InterruptedException {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<CheckResult>> running = new ArrayList<>();
            for (Candidate c : candidates) {
                running.add(threads.submit(() -> check(c)));
            }
            for (Future<CheckResult> result : running) {
                try {
                    sink.accept(result.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("proxy check crashed", e.getCause());
                }
            }
        }
    }

    /** Runs every step against one proxy. */
    public CheckResult check(Candidate candidate) {
        ProxyConfig proxy = candidate.proxy();
        long start = System.nanoTime();
        Socket tunnel;
        try {
            tunnel = Socks5Connector.connect(proxy, targetHost, targetPort, Instant.now().plus(timeout));
        } catch (IOException e) {
            Failure f = socksFailure(proxy, e);
            return new CheckResult(candidate.id(), proxy.address(), f.stage(), f.error(), elapsedMs(start), null, null);
        }
        String greeting = null;
        try (tunnel) {
            OutputStream out = tunnel.getOutputStream();
            InputStream in = tunnel.getInputStream();
            List<String> hello = readReply(tunnel, in);
            if (hello == null) {
                return smtpFailure(candidate, start, null, "no SMTP greeting within " + seconds(timeout)
                        + " through the tunnel");
            }
            greeting = hello.get(0);
            if (!greeting.startsWith("220")) {
                return smtpFailure(candidate, start, greeting, "the target did not greet with 220 but `"
                        + abbreviate(greeting) + "`");
            }
            out.write(("EHLO " + candidate.helloName() + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            List<String> ehlo = readReply(tunnel, in);
            if (ehlo == null) {
                return smtpFailure(candidate, start, greeting, "no answer to EHLO within " + seconds(timeout)
                        + " through the tunnel");
            }
            if (!ehlo.get(0).startsWith("250")) {
                return smtpFailure(candidate, start, greeting, "the target refused EHLO " + candidate.helloName()
                        + ": `" + abbreviate(ehlo.get(0)) + "`");
            }
            long latency = elapsedMs(start);
            quietly(() -> out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII)));
            List<String> seen = new ArrayList<>(hello);
            seen.addAll(ehlo);
            return new CheckResult(candidate.id(), proxy.address(), Stage.OK, null, latency, greeting, exitIp(seen));
        } catch (EOFException e) {
            return smtpFailure(candidate, start, greeting, greeting == null
                    ? "the connection closed before an SMTP greeting (the proxy or the target hung up)"
                    : "the connection closed before the EHLO answer");
        } catch (IOException e) {
            return smtpFailure(candidate, start, greeting, "the tunnel broke: " + plain(e));
        }
    }

    private CheckResult smtpFailure(Candidate candidate, long start, String greeting, String error) {
        return new CheckResult(candidate.id(), candidate.proxy().address(), Stage.SMTP, error, elapsedMs(start),
                greeting, null);
    }

    /** A failed step and the words for it. */
    private record Failure(Stage stage, String error) {}

    /**
     * Turns a failure of {@link Socks5Connector#connect} into the step and plain words. The step comes
     * from the exception's type, reply code and the step its message names; the words are ours.
     */
    private Failure socksFailure(ProxyConfig proxy, IOException e) {
        String target = targetHost + ":" + targetPort;
        String message = String.valueOf(e.getMessage());
        if (e instanceof Socks5Exception s && s.replyCode() >= 0) {
            return new Failure(Stage.TUNNEL, tunnelReply(s.replyCode(), target));
        }
        Stage stage = stageOf(e, message);
        return switch (stage) {
            case CONNECT -> new Failure(Stage.CONNECT, connectError(proxy, e, message));
            case AUTH -> new Failure(Stage.AUTH, authError(proxy, message));
            case TUNNEL -> new Failure(Stage.TUNNEL, e instanceof SocketTimeoutException
                    ? "the proxy did not connect to " + target + " within " + seconds(timeout) + " (port " + targetPort
                            + " may be blocked at the proxy, or the target does not answer)"
                    : "the proxy closed the connection instead of answering the CONNECT to " + target);
            default -> new Failure(Stage.GREETING, notSocks5(proxy, e instanceof SocketTimeoutException));
        };
    }

    /**
     * Which step a SOCKS5 failure without a reply code happened in, from the phase core reports. A
     * proxy that answered the negotiation correctly but accepts none of our methods spoke SOCKS5
     * fine: that is an authentication problem, not a wrong server.
     */
    private static Stage stageOf(IOException e, String message) {
        Socks5Exception.Phase phase = e instanceof Socks5Exception s ? s.phase()
                : e instanceof Socks5TimeoutException t ? t.phase() : Socks5Exception.Phase.PROXY_CONNECT;
        return switch (phase) {
            case PROXY_CONNECT -> Stage.CONNECT;
            case GREETING -> message.startsWith("Auth method unacceptable") ? Stage.AUTH : Stage.GREETING;
            case AUTH -> Stage.AUTH;
            case REQUEST, CONNECT, TUNNEL -> Stage.TUNNEL;
        };
    }

    private String connectError(ProxyConfig proxy, IOException e, String message) {
        if (e instanceof SocketTimeoutException || message.startsWith("Error with reply: Connection timeout")) {
            long limit = proxy.timeoutMs() != null && proxy.timeoutMs() < timeout.toMillis() ? proxy.timeoutMs()
                    : timeout.toMillis();
            return "cannot connect to the proxy within " + seconds(Duration.ofMillis(limit))
                    + " (nothing answers at " + proxy.address() + ")";
        }
        if (message.contains("cannot resolve proxy host")) {
            return "cannot resolve the proxy's host name " + proxy.host();
        }
        if (e.getCause() instanceof ConnectException) {
            return "cannot connect to the proxy: connection refused (nothing listens on " + proxy.address() + ")";
        }
        return "cannot connect to the proxy: " + plain(e.getCause() instanceof IOException io ? io : e);
    }

    private static String authError(ProxyConfig proxy, String message) {
        if (message.startsWith("Auth method unacceptable")) {
            return proxy.hasCredentials()
                    ? "the proxy accepts neither no authentication nor username/password"
                    : "the proxy requires a username/password, and none is configured for it";
        }
        if (message.contains("longer than 255 bytes")) {
            return "the username or password is longer than SOCKS5 allows (255 bytes)";
        }
        if (message.startsWith("Authentication rejected")) {
            return "the proxy rejected the username/password";
        }
        return "the proxy did not finish the username/password authentication";
    }

    /**
     * The greeting failed: something else may listen there. A second connection sends an HTTP
     * request and looks at the first bytes of any answer (an SMTP or SSH server speaks first).
     */
    private String notSocks5(ProxyConfig proxy, boolean timedOut) {
        String answer = probe(proxy);
        if (answer.startsWith("HTTP/")) {
            return "not a SOCKS5 server (it answered like an HTTP server)";
        }
        if (answer.startsWith("220")) {
            return "not a SOCKS5 server (it answered like an SMTP server)";
        }
        if (answer.startsWith("SSH-")) {
            return "not a SOCKS5 server (it answered like an SSH server)";
        }
        if (timedOut) {
            return "no answer to the SOCKS5 greeting within " + seconds(timeout) + " (not a SOCKS5 server, or a hung one)";
        }
        return "not a SOCKS5 server (it did not answer the SOCKS5 greeting correctly)";
    }

    private String probe(ProxyConfig proxy) {
        Duration limit = timeout.compareTo(PROBE_LIMIT) < 0 ? timeout : PROBE_LIMIT;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(proxy.host(), proxy.port()), (int) limit.toMillis());
            socket.setSoTimeout((int) limit.toMillis());
            socket.getOutputStream().write("HEAD / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] head = new byte[8];
            int n = socket.getInputStream().readNBytes(head, 0, head.length);
            return new String(head, 0, n, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tunnelReply(int rep, String target) {
        String port = target.substring(target.lastIndexOf(':') + 1);
        return switch (rep) {
            case 1 -> "the proxy could not connect to " + target + " (SOCKS reply 1: general failure;"
                    + " some proxies answer this when port " + port + " is blocked)";
            case 2 -> "the proxy does not allow connections to " + target + " (SOCKS reply 2: not allowed by ruleset)";
            case 3 -> "the proxy has no route to " + target + " (SOCKS reply 3: network unreachable)";
            case 4 -> "the proxy cannot reach " + target + " (SOCKS reply 4: host unreachable)";
            case 5 -> "port " + port + " is closed at this proxy (SOCKS reply 5: connection refused)";
            case 6 -> "the proxy timed out connecting to " + target + " (SOCKS reply 6: TTL expired)";
            case 7 -> "the proxy does not support CONNECT (SOCKS reply 7: command not supported)";
            case 8 -> "the proxy does not accept this kind of target address (SOCKS reply 8: address type not supported)";
            default -> "the proxy refused the CONNECT to " + target + " (SOCKS reply " + rep + ")";
        };
    }

    /**
     * Reads one SMTP reply (all its lines) within the timeout; null when none came in time.
     *
     * @throws EOFException when the connection closes first
     */
    private List<String> readReply(Socket socket, InputStream in) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (lines.size() < MAX_REPLY_LINES) {
                long left = Duration.between(Instant.now(), deadline).toMillis();
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) left);
                int b = in.read();
                if (b < 0) {
                    throw new EOFException();
                }
                if (b != '\n') {
                    if (b != '\r' && line.size() < MAX_REPLY_LINE) {
                        line.write(b);
                    }
                    continue;
                }
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                lines.add(text);
                if (text.length() < 4 || text.charAt(3) != '-') {
                    return lines;
                }
            }
            return lines;
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** The client address the target echoed in its greeting or EHLO reply, if any. */
    static String exitIp(List<String> lines) {
        for (String line : lines) {
            Matcher m = BRACKETED_IP.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    /** {@code 10 s}, {@code 1.5 s}, {@code 800 ms}. */
    static String seconds(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** An I/O failure in a few words: the JDK's message, lowercased ("connection reset"). */
    private static String plain(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.toLowerCase(java.util.Locale.ROOT);
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "…";
    }

    private static long elapsedMs(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void quietly(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            // QUIT is a courtesy; the check already passed.
        }
    }
}

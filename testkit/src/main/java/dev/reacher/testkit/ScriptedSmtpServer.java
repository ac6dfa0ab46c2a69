package dev.reacher.testkit;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * An SMTP server on loopback whose every reply is scripted, per recipient and per command, including
 * hostile behaviours (silence, slow trickle, garbage, dropped connections, huge lines, non-UTF-8).
 * It records each session's peer address and commands, so tests can see which proxy a
 * verification went through; a long-running load rig turns that off ({@link #recordSessions}) and
 * keeps only counts: sessions per peer, commands per verb.
 *
 * <pre>{@code
 * try (var smtp = ScriptedSmtpServer.start()) {
 *     smtp.onRcpt("alice@example.test", Reply.lines("250 2.1.5 OK"));
 *     smtp.defaultRcpt(Reply.lines("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"));
 *     ... connect to smtp.port() ...
 * }
 * }</pre>
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    /** What the server does in answer to one command (or on connect, for the greeting). */
    public sealed interface Reply {
        /** Reply lines without CRLF; {@code {rcpt}} is replaced by the RCPT address. */
        static Reply lines(String... lines) {
            return new Lines(List.of(lines));
        }

        /** Bytes sent exactly as given (garbage, bare LF, a 1 MiB line, non-UTF-8 text). */
        static Reply raw(byte[] bytes) {
            return new Raw(bytes.clone());
        }

        /** Close the connection without answering. */
        static Reply close() {
            return new Close();
        }

        /** Never answer; keep the connection open until the client gives up. */
        static Reply silent() {
            return new Silent();
        }

        /** Wait, then do {@code then}. */
        static Reply delayed(Duration delay, Reply then) {
            return new Delayed(delay, then);
        }

        /** Send the reply one byte at a time with a pause before each byte. */
        static Reply trickle(Duration perByte, String... lines) {
            return new Trickle(perByte, List.of(lines));
        }

        /** Send the reply, then close the connection. */
        static Reply thenClose(String... lines) {
            return new ThenClose(List.of(lines));
        }
    }

    record Lines(List<String> lines) implements Reply {}
    record Raw(byte[] bytes) implements Reply {}
    record Close() implements Reply {}
    record Silent() implements Reply {}
    record Delayed(Duration delay, Reply then) implements Reply {}
    record Trickle(Duration perByte, List<String> lines) implements Reply {}
    record ThenClose(List<String> lines) implements Reply {}

    /** One client connection as the server saw it, and when it was accepted. */
    public record Session(InetAddress peer, List<String> commands, java.time.Instant at) {}

    private final ServerSocket server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** In arrival order; a queue, not a copy-on-write list: a load run adds hundreds of thousands. */
    private final ConcurrentLinkedQueue<Session> sessions = new ConcurrentLinkedQueue<>();
    private final Map<InetAddress, LongAdder> sessionsByPeer = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> commandsByVerb = new ConcurrentHashMap<>();
    private volatile boolean recordSessions = true;
    private final Map<String, Reply> rcptReplies = new ConcurrentHashMap<>();
    private final Map<String, Reply> rcptRepliesByPeer = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger activeSessions = new AtomicInteger();
    private final AtomicInteger peakSessions = new AtomicInteger();
    private volatile Reply greeting = Reply.lines("220 mx.scripted.test ESMTP scripted");
    private volatile Reply ehlo = Reply.lines("250-mx.scripted.test", "250-PIPELINING", "250 8BITMIME");
    private volatile Reply helo = Reply.lines("250 mx.scripted.test");
    private volatile Reply mail = Reply.lines("250 2.1.0 Ok");
    private volatile Reply quit = Reply.lines("221 2.0.0 Bye");
    private volatile Reply defaultRcpt = Reply.lines("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown");
    private volatile Reply catchAllProbe; // null: probes are answered like any other unknown recipient
    private volatile int rcptLimitPerSession = Integer.MAX_VALUE;
    private volatile int recipientLimit = Integer.MAX_VALUE;
    private volatile int softErrorLimit = Integer.MAX_VALUE;
    private volatile int hardErrorLimit = Integer.MAX_VALUE;
    private volatile Duration errorSleep = Duration.ZERO;
    private volatile int closeWith421AtRcpt = Integer.MAX_VALUE;
    private volatile int dropAtRcpt = Integer.MAX_VALUE;

    private ScriptedSmtpServer(ServerSocket server) {
        this.server = server;
        Thread.ofVirtual().name("scripted-smtp-accept").start(this::acceptLoop);
    }

    /** Starts on 127.0.0.1 and a free port. */
    public static ScriptedSmtpServer start() throws IOException {
        return start(InetAddress.getLoopbackAddress(), 0);
    }

    public static ScriptedSmtpServer start(InetAddress bind, int port) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(bind, port), 512);
        return new ScriptedSmtpServer(ss);
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetAddress address() {
        return server.getInetAddress();
    }

    public ScriptedSmtpServer greeting(Reply r) { this.greeting = r; return this; }
    public ScriptedSmtpServer onEhlo(Reply r) { this.ehlo = r; return this; }
    public ScriptedSmtpServer onHelo(Reply r) { this.helo = r; return this; }
    public ScriptedSmtpServer onMail(Reply r) { this.mail = r; return this; }
    public ScriptedSmtpServer onQuit(Reply r) { this.quit = r; return this; }
    public ScriptedSmtpServer defaultRcpt(Reply r) { this.defaultRcpt = r; return this; }

    /** The reply to {@code RCPT TO:<address>} (case-insensitive address). */
    public ScriptedSmtpServer onRcpt(String address, Reply r) {
        rcptReplies.put(address.toLowerCase(Locale.ROOT), r);
        return this;
    }

    /**
     * The reply to {@code RCPT TO:<address>} in sessions from {@code peer} only (which proxy a
     * session came through, with proxies bound to distinct loopback addresses); wins over
     * {@link #onRcpt}.
     */
    public ScriptedSmtpServer onRcptFrom(String address, InetAddress peer, Reply r) {
        rcptRepliesByPeer.put(peer.getHostAddress() + "|" + address.toLowerCase(Locale.ROOT), r);
        return this;
    }

    /** Accept every recipient, as a catch-all domain does. */
    public ScriptedSmtpServer catchAll() {
        this.defaultRcpt = Reply.lines("250 2.1.5 Ok");
        return this;
    }

    /**
     * The reply to recipients that look like a catch-all probe (15 random alphanumerics), overriding
     * {@link #defaultRcpt}; lets a test reject the probe but script the real address.
     */
    public ScriptedSmtpServer onCatchAllProbe(Reply r) {
        this.catchAllProbe = r;
        return this;
    }

    /** After this many RCPT commands in one session, the next one gets its reply and the connection drops. */
    public ScriptedSmtpServer dropAfterRcpts(int n) {
        this.rcptLimitPerSession = n;
        return this;
    }

    /**
     * Postfix's {@code smtpd_recipient_limit}: more than {@code n} recipients in one transaction
     * (since MAIL FROM or RSET) are answered {@code 452 4.5.3 Error: too many recipients}.
     */
    public ScriptedSmtpServer recipientLimit(int n) {
        this.recipientLimit = n;
        return this;
    }

    /**
     * Postfix's {@code smtpd_soft_error_limit} and {@code smtpd_hard_error_limit}: once a session
     * has had {@code soft} bad recipients (5xx replies to RCPT), every further reply waits
     * {@code sleep} (a tarpit); at {@code hard} bad recipients the server answers
     * {@code 421 4.7.0 Error: too many errors} and closes.
     */
    public ScriptedSmtpServer errorLimits(int soft, int hard, Duration sleep) {
        this.softErrorLimit = soft;
        this.hardErrorLimit = hard;
        this.errorSleep = sleep;
        return this;
    }

    /** The {@code n}-th RCPT of each session (from 1, probes included) is answered {@code 421} and the connection closes. */
    public ScriptedSmtpServer closeWith421AtRcpt(int n) {
        this.closeWith421AtRcpt = n;
        return this;
    }

    /** The {@code n}-th RCPT of each session (from 1, probes included) gets no answer: the connection drops. */
    public ScriptedSmtpServer dropAtRcpt(int n) {
        this.dropAtRcpt = n;
        return this;
    }

    /**
     * Whether each session's peer and commands are kept for {@link #sessions()} and the methods built
     * on it (the default). A load rig that serves millions of sessions turns it off: their memory, and
     * the collector's work over it, would weigh on the very machine being measured.
     * {@link #sessionCountsByPeer()}, {@link #commandCountsByVerb()} and {@link #connectionCount()}
     * count either way.
     */
    public ScriptedSmtpServer recordSessions(boolean record) {
        this.recordSessions = record;
        return this;
    }

    /** How many sessions each peer address opened, recorded or not. */
    public Map<InetAddress, Long> sessionCountsByPeer() {
        Map<InetAddress, Long> counts = new TreeMap<>(Comparator.comparing(InetAddress::getHostAddress));
        sessionsByPeer.forEach((peer, n) -> counts.put(peer, n.sum()));
        return counts;
    }

    /** How many commands of each verb ({@code EHLO}, {@code RCPT}, …) all sessions sent, recorded or not. */
    public Map<String, Long> commandCountsByVerb() {
        Map<String, Long> counts = new TreeMap<>();
        commandsByVerb.forEach((verb, n) -> counts.put(verb, n.sum()));
        return counts;
    }

    /** Sessions that sent at least one RCPT for which {@code test} is true. */
    public List<Session> sessionsWith(java.util.function.Predicate<String> test) {
        return recorded().stream().filter(s -> s.commands().stream()
                .anyMatch(c -> c.regionMatches(true, 0, "RCPT TO:", 0, 8) && test.test(stripBrackets(c.substring(8)))))
                .toList();
    }

    public List<Session> sessions() {
        return List.copyOf(recorded());
    }

    private ConcurrentLinkedQueue<Session> recorded() {
        if (!recordSessions) {
            throw new IllegalStateException("this server does not record sessions (recordSessions(false))");
        }
        return sessions;
    }

    public int connectionCount() {
        return connections.get();
    }

    /**
     * The most sessions that were open at the same time, counted from accept to {@code QUIT} (before
     * its reply, so a client that waits for the reply has certainly left), or to the close.
     */
    public int peakConcurrentSessions() {
        return peakSessions.get();
    }

    /** {@code RCPT TO} commands that looked like a catch-all probe (15 random alphanumerics). */
    public long probeRecipients() {
        return recipients().stream().filter(ScriptedSmtpServer::looksLikeProbe).count();
    }

    /** Peer addresses of all sessions, in order of arrival. */
    public List<InetAddress> peers() {
        return recorded().stream().map(Session::peer).toList();
    }

    /** Every {@code RCPT TO} address received, over all sessions. */
    public List<String> recipients() {
        List<String> all = new ArrayList<>();
        for (Session s : recorded()) {
            for (String c : s.commands()) {
                if (c.regionMatches(true, 0, "RCPT TO:", 0, 8)) {
                    all.add(stripBrackets(c.substring(8)));
                }
            }
        }
        return all;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                executor.execute(() -> serve(s));
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private void serve(Socket socket) {
        sessionsByPeer.computeIfAbsent(socket.getInetAddress(), peer -> new LongAdder()).increment();
        List<String> commands = recordSessions ? new CopyOnWriteArrayList<>() : null;
        if (commands != null) {
            sessions.add(new Session(socket.getInetAddress(), commands, java.time.Instant.now()));
        }
        peakSessions.accumulateAndGet(activeSessions.incrementAndGet(), Math::max);
        boolean ended = false;
        try (socket) {
            // Buffered both ways, as Postfix: replies are sent when the server would wait for the
            // next command, so the replies to a pipelined group leave together (RFC 2920 §3.2).
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            CommandReader in = new CommandReader(socket.getInputStream(), out);
            try {
                if (!send(out, greeting, null)) {
                    return;
                }
                int rcpts = 0;
                int inTransaction = 0;
                int bad = 0;
                boolean inMail = false;
                String line;
                while ((line = in.readLine()) != null) {
                    if (commands != null) {
                        commands.add(line);
                    }
                    String upper = line.toUpperCase(Locale.ROOT);
                    commandsByVerb.computeIfAbsent(verb(upper), v -> new LongAdder()).increment();
                    Reply reply;
                    String rcpt = null;
                    if (upper.startsWith("EHLO")) {
                        reply = ehlo;
                    } else if (upper.startsWith("HELO")) {
                        reply = helo;
                    } else if (upper.startsWith("MAIL FROM:")) {
                        reply = mail;
                        inMail = !isNegative(reply);
                        inTransaction = 0;
                    } else if (upper.startsWith("RCPT TO:") && !inMail) {
                        // What Postfix answers an RCPT pipelined after a refused MAIL FROM.
                        reply = Reply.lines("503 5.5.1 Error: need MAIL command");
                    } else if (upper.startsWith("RCPT TO:")) {
                        rcpt = stripBrackets(line.substring(8));
                        rcpts++;
                        inTransaction++;
                        if (rcpts >= dropAtRcpt) {
                            return;
                        }
                        if (rcpts >= closeWith421AtRcpt || bad >= hardErrorLimit) {
                            send(out, Reply.thenClose("421 4.7.0 mx.scripted.test Error: too many errors"), rcpt);
                            return;
                        }
                        reply = inTransaction > recipientLimit ? Reply.lines("452 4.5.3 Error: too many recipients")
                                : rcptReply(rcpt, socket.getInetAddress());
                        if (bad >= softErrorLimit) {
                            reply = Reply.delayed(errorSleep, reply);
                        }
                        if (isPermanentFailure(reply)) {
                            bad++;
                        }
                    } else if (upper.startsWith("RSET")) {
                        reply = Reply.lines("250 2.0.0 Ok");
                        inTransaction = 0;
                        inMail = false;
                    } else if (upper.startsWith("QUIT")) {
                        ended = true;
                        activeSessions.decrementAndGet();
                        send(out, quit, null);
                        return;
                    } else if (upper.startsWith("NOOP")) {
                        reply = Reply.lines("250 2.0.0 Ok");
                    } else {
                        reply = Reply.lines("502 5.5.2 Error: command not recognized");
                    }
                    if (!send(out, reply, rcpt)) {
                        return;
                    }
                    if (rcpts > rcptLimitPerSession) {
                        return;
                    }
                }
            } finally {
                // Replies written before the session ended still go out before the socket closes.
                flushQuietly(out);
            }
        } catch (IOException | InterruptedException e) {
            // the client went away or the server is closing: the session simply ends
        } finally {
            open.remove(socket);
            if (!ended) {
                activeSessions.decrementAndGet();
            }
        }
    }

    /** {@code MAIL} of {@code MAIL FROM:<…>}, {@code EHLO} of {@code EHLO name}. */
    private static String verb(String upperCaseLine) {
        int end = 0;
        while (end < upperCaseLine.length() && end < 8 && Character.isLetter(upperCaseLine.charAt(end))) {
            end++;
        }
        return upperCaseLine.substring(0, end);
    }

    private static void flushQuietly(OutputStream out) {
        try {
            out.flush();
        } catch (IOException ignored) {
            // the client is gone: nothing left to deliver
        }
    }

    /** A scripted reply whose first line is a 4xx or 5xx. */
    private static boolean isNegative(Reply reply) {
        String first = firstLine(reply);
        return first.startsWith("4") || first.startsWith("5");
    }

    /** A scripted reply whose first line is a 5xx (what Postfix counts as a bad recipient). */
    private static boolean isPermanentFailure(Reply reply) {
        return firstLine(reply).startsWith("5");
    }

    /** The first line a scripted reply sends, or "" when it sends no lines (raw bytes, silence, a close). */
    private static String firstLine(Reply reply) {
        List<String> lines = switch (reply) {
            case Lines l -> l.lines();
            case ThenClose t -> t.lines();
            case Trickle t -> t.lines();
            case Delayed d -> List.of(firstLine(d.then()));
            default -> List.of();
        };
        return lines.isEmpty() ? "" : lines.get(0);
    }

    private Reply rcptReply(String rcpt, InetAddress peer) {
        Reply fromPeer = rcptRepliesByPeer.get(peer.getHostAddress() + "|" + rcpt.toLowerCase(Locale.ROOT));
        if (fromPeer != null) {
            return fromPeer;
        }
        Reply scripted = rcptReplies.get(rcpt.toLowerCase(Locale.ROOT));
        if (scripted != null) {
            return scripted;
        }
        if (catchAllProbe != null && looksLikeProbe(rcpt)) {
            return catchAllProbe;
        }
        return defaultRcpt;
    }

    private static boolean looksLikeProbe(String rcpt) {
        int at = rcpt.indexOf('@');
        return at == 15 && rcpt.substring(0, at).chars().allMatch(Character::isLetterOrDigit);
    }

    /**
     * Returns false when the connection must end. A plain reply stays buffered until the server would
     * wait for the next command ({@link CommandReader}); every other kind first sends what is
     * buffered, so that its scripted timing holds.
     */
    private boolean send(OutputStream out, Reply reply, String rcpt)
            throws IOException, InterruptedException {
        if (!(reply instanceof Lines)) {
            out.flush();
        }
        switch (reply) {
            case Lines l -> {
                out.write(render(l.lines(), rcpt));
                return true;
            }
            case ThenClose t -> {
                out.write(render(t.lines(), rcpt));
                out.flush();
                return false;
            }
            case Raw r -> {
                out.write(r.bytes());
                out.flush();
                return true;
            }
            case Close c -> {
                return false;
            }
            case Silent s -> {
                Thread.sleep(Duration.ofHours(1));
                return false;
            }
            case Delayed d -> {
                Thread.sleep(d.delay());
                return send(out, d.then(), rcpt);
            }
            case Trickle t -> {
                for (byte b : render(t.lines(), rcpt)) {
                    Thread.sleep(t.perByte());
                    out.write(b);
                    out.flush();
                }
                return true;
            }
        }
    }

    private static byte[] render(List<String> lines, String rcpt) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(rcpt == null ? l : l.replace("{rcpt}", rcpt)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads command lines from a buffer, sending the buffered replies before it waits for more. */
    private static final class CommandReader {
        private final InputStream in;
        private final OutputStream replies;
        private final byte[] buffer = new byte[4096];
        private int pos;
        private int limit;

        CommandReader(InputStream in, OutputStream replies) {
            this.in = in;
            this.replies = replies;
        }

        /** A line without its CRLF (or bare LF); null when the client closed the connection. */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                if (pos == limit) {
                    replies.flush();
                    int n = in.read(buffer);
                    if (n < 0) {
                        return null;
                    }
                    pos = 0;
                    limit = n;
                }
                byte b = buffer[pos++];
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.UTF_8);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                if (line.size() > 64 * 1024) {
                    throw new SocketException("command line too long");
                }
                line.write(b);
            }
        }
    }

    private static String stripBrackets(String s) {
        String t = s.trim();
        int sp = t.indexOf(' ');
        if (sp > 0) {
            t = t.substring(0, sp);
        }
        if (t.startsWith("<") && t.endsWith(">")) {
            t = t.substring(1, t.length() - 1);
        }
        return t;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        executor.shutdownNow();
    }
}

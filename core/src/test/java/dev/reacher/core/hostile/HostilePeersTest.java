package dev.reacher.core.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.smtp.SmtpAttempt;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.Reachable;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import dev.reacher.testkit.ScriptedSmtpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile peers against the whole pipeline ({@link EmailVerifier}, MX from a {@link DnsFixture}):
 * SMTP servers that stall, trickle, flood, babble, reset, refuse or hang, and SOCKS5 proxies that
 * never answer or answer the wrong protocol. Each verification must end by its deadline (plus 2 s
 * of slack) with a classified result a client can act on: {@code is_reachable}, the JSON
 * {@code smtp.error.type} and a readable {@code message}, and the attempt's outcome class. Then
 * the whole table, run at once, must leave no platform thread and no file descriptor behind.
 */
class HostilePeersTest {
    /** Per-attempt limit; small so the suite stays quick, large enough to never fire on a healthy exchange. */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SLACK = Duration.ofSeconds(2);
    private static final String DOMAIN = "hostile.test";
    private static final String ALICE = "alice@" + DOMAIN;

    private static DnsFixture dns;
    private static EmailVerifier verifier;

    /** A running misbehaving peer: the SMTP port to use, and a proxy to go through (or null). */
    record Peer(int smtpPort, ProxyConfig proxy, AutoCloseable resource) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            resource.close();
        }
    }

    @FunctionalInterface
    interface PeerFactory {
        Peer start() throws Exception;
    }

    /**
     * What the client must see.
     *
     * @param errorType JSON {@code smtp.error.type}, or null when a verdict is expected
     * @param message regular expression for a string {@code smtp.error.message}; for {@code Timeout}
     *     the message is the configured duration and is checked as such
     * @param outcome the last attempt's outcome class ({@code debug.smtp.attempts[-1].outcome})
     */
    record Expect(Reachable reachable, String errorType, String message, SmtpAttempt.Outcome outcome, int attempts) {}

    record Case(String name, PeerFactory peer, String email, int retries, Expect expect) {
        Duration bound() {
            return TIMEOUT.multipliedBy(retries).plus(SLACK);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        dns = DnsFixture.start().mx(DOMAIN, 10, "mx." + DOMAIN).a("mx." + DOMAIN, "127.0.0.1");
        verifier = EmailVerifier.create(DnsServers.parse(dns.address()).withTimeout(Duration.ofSeconds(1)));
        // Warm up lazily created JDK and dnsjava machinery (selector threads, pollers) before any count.
        try (ScriptedSmtpServer ok = ScriptedSmtpServer.start().onRcpt(ALICE, Reply.lines("250 2.1.5 OK"))) {
            assertThat(verify(ALICE, new Peer(ok.port(), null, ok), 1).isReachable()).isEqualTo(Reachable.SAFE);
        }
    }

    @AfterAll
    static void stop() {
        verifier.close();
        dns.close();
    }

    private static CheckEmailOutput verify(String email, Peer peer, int retries) {
        SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, peer.smtpPort(), TIMEOUT, retries);
        return verifier.verify(CheckEmailInput.of(email).withVerifMethod(VerifMethod.sameForAll(peer.proxy(), config)));
    }

    // ---- the table ---------------------------------------------------------------------------------

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        Expect timeout = new Expect(Reachable.UNKNOWN, "Timeout", null, SmtpAttempt.Outcome.TARGET_FAULT, 1);
        String oneMiB = "220 " + "x".repeat(1024 * 1024) + "\r\n";

        c.add(new Case("(a) never sends a greeting",
                smtp(s -> s.greeting(Reply.silent())), ALICE, 1, timeout));
        c.add(new Case("(b) sends one byte per second",
                smtp(s -> s.greeting(Reply.trickle(Duration.ofSeconds(1), "220 mx.hostile.test ESMTP slow"))),
                ALICE, 1, timeout));
        c.add(new Case("(b) sends one byte per second only in its RCPT reply",
                smtp(s -> s.onRcpt(ALICE, Reply.trickle(Duration.ofSeconds(1), "250 2.1.5 OK"))),
                ALICE, 1, timeout));
        c.add(new Case("(c) sends a 1 MiB greeting line",
                smtp(s -> s.greeting(Reply.raw(oneMiB.getBytes(StandardCharsets.US_ASCII)))), ALICE, 1,
                new Expect(Reachable.UNKNOWN, "AsyncSmtpError", "parsing: reply line longer than 16384 bytes",
                        SmtpAttempt.Outcome.TARGET_FAULT, 1)));
        c.add(new Case("(c) sends a 1 MiB line as its RCPT reply",
                smtp(s -> s.onRcpt(ALICE, Reply.raw(oneMiB.replace("220", "250").getBytes(StandardCharsets.US_ASCII)))),
                ALICE, 1, new Expect(Reachable.UNKNOWN, "AsyncSmtpError",
                        "parsing: reply line longer than 16384 bytes", SmtpAttempt.Outcome.TARGET_FAULT, 1)));
        c.add(new Case("(d) sends binary garbage",
                smtp(s -> s.greeting(Reply.raw(new byte[] {0, (byte) 0xff, 0x13, 'G', 'A', 'R', 'B', '\r', '\n'}))),
                ALICE, 1, new Expect(Reachable.UNKNOWN, "AsyncSmtpError", "parsing: invalid reply code `.*`",
                        SmtpAttempt.Outcome.TARGET_FAULT, 1)));
        c.add(new Case("(d) speaks HTTP",
                smtp(s -> s.greeting(Reply.lines("HTTP/1.1 400 Bad Request", "Content-Length: 0", ""))),
                ALICE, 1, new Expect(Reachable.UNKNOWN, "AsyncSmtpError", "parsing: invalid reply code `HTT`",
                        SmtpAttempt.Outcome.TARGET_FAULT, 1)));
        c.add(new Case("(d) puts garbage after the code",
                smtp(s -> s.onEhlo(Reply.lines("250xmx.hostile.test"))), ALICE, 1,
                new Expect(Reachable.UNKNOWN, "AsyncSmtpError", "parsing: invalid reply line `250xmx.hostile.test`",
                        SmtpAttempt.Outcome.TARGET_FAULT, 1)));
        c.add(new Case("(e) resets the connection (RST) after RCPT",
                raw(HostilePeersTest::resetAfterRcpt), ALICE, 1,
                new Expect(Reachable.UNKNOWN, "AsyncSmtpError", "io: Connection reset.*",
                        SmtpAttempt.Outcome.TARGET_FAULT, 1)));
        c.add(new Case("(e) closes the connection (FIN) at RCPT, also after the reconnect",
                smtp(s -> s.onCatchAllProbe(Reply.lines("550 5.1.1 no such user")).onRcpt(ALICE, Reply.close())),
                ALICE, 1, new Expect(Reachable.UNKNOWN, "AsyncSmtpError", "io: incomplete",
                        SmtpAttempt.Outcome.TARGET_FAULT, 1)));
        c.add(new Case("(f) answers 421 and closes at the greeting",
                smtp(s -> s.greeting(Reply.thenClose("421 4.3.2 Service not available, closing transmission channel"))),
                ALICE, 1, new Expect(Reachable.UNKNOWN, "AsyncSmtpError",
                        "transient: 4\\.3\\.2 Service not available, closing transmission channel",
                        SmtpAttempt.Outcome.GREYLISTED, 1)));
        c.add(new Case("(f) answers 421 and closes at RCPT",
                smtp(s -> s.onCatchAllProbe(Reply.lines("550 5.1.1 no such user"))
                        .onRcpt(ALICE, Reply.thenClose("421 4.7.0 Too many connections, closing"))),
                ALICE, 1, new Expect(Reachable.UNKNOWN, "AsyncSmtpError",
                        "transient: 4\\.7\\.0 Too many connections, closing", SmtpAttempt.Outcome.GREYLISTED, 1)));
        c.add(new Case("(g) greylists every attempt (2 attempts)",
                smtp(s -> s.defaultRcpt(Reply.lines("451 4.7.1 Greylisted, please try again later"))),
                ALICE, 2, new Expect(Reachable.UNKNOWN, "AsyncSmtpError",
                        "transient: 4\\.7\\.1 Greylisted, please try again later", SmtpAttempt.Outcome.GREYLISTED, 2)));
        c.add(new Case("(h) multi-line RCPT rejection with an empty continuation line",
                smtp(s -> s.onRcpt(ALICE, Reply.lines("550-5.1.1 The email account that you tried to reach",
                        "550-", "550 5.1.1 does not exist."))),
                ALICE, 1, new Expect(Reachable.INVALID, null, null, SmtpAttempt.Outcome.VERDICT, 1)));
        c.add(new Case("(h) unusual but valid code 252 at RCPT",
                smtp(s -> s.onRcpt(ALICE, Reply.lines("252 2.1.5 Cannot VRFY user, but will accept message"))),
                ALICE, 1, new Expect(Reachable.SAFE, null, null, SmtpAttempt.Outcome.VERDICT, 1)));
        c.add(new Case("(h) multi-line EHLO whose lines carry different codes",
                smtp(s -> s.onEhlo(Reply.lines("250-mx.hostile.test", "251-PIPELINING", "250 8BITMIME"))),
                ALICE, 1, new Expect(Reachable.UNKNOWN, "AsyncSmtpError",
                        "parsing: reply lines carry different codes 250 and 251", SmtpAttempt.Outcome.TARGET_FAULT, 1)));
        c.add(new Case("(h) code outside 2xx-5xx",
                smtp(s -> s.onMail(Reply.lines("699 7.0.0 what"))), ALICE, 1,
                new Expect(Reachable.UNKNOWN, "AsyncSmtpError", "parsing: invalid reply code `699`",
                        SmtpAttempt.Outcome.TARGET_FAULT, 1)));
        c.add(new Case("(h) a 10,000-line EHLO reply",
                smtp(s -> s.onEhlo(Reply.lines(manyLines(10_000)))), ALICE, 1,
                new Expect(Reachable.UNKNOWN, "AsyncSmtpError", "parsing: reply longer than 256 lines",
                        SmtpAttempt.Outcome.TARGET_FAULT, 1)));
        c.add(new Case("(i) accepts, then hangs on QUIT",
                smtp(s -> s.onRcpt(ALICE, Reply.lines("250 2.1.5 OK")).onQuit(Reply.silent())),
                ALICE, 1, new Expect(Reachable.SAFE, null, null, SmtpAttempt.Outcome.VERDICT, 1)));
        c.add(new Case("(j) non-UTF-8 (Latin-1) rejection text",
                smtp(s -> s.onRcpt(ALICE, Reply.raw(latin1("550 5.1.1 <alice@hostile.test>: utilisateur inconnu, "
                        + "adresse refus\u00e9e\r\n")))),
                ALICE, 1, new Expect(Reachable.INVALID, null, null, SmtpAttempt.Outcome.VERDICT, 1)));
        c.add(new Case("(j) non-UTF-8 temporary error text",
                smtp(s -> s.greeting(Reply.raw(latin1("220 serveur pr\u00eat \u00ff\r\n")))
                        .onRcpt(ALICE, Reply.raw(latin1("451 4.3.0 r\u00e9essayez plus tard\r\n")))),
                ALICE, 1, new Expect(Reachable.UNKNOWN, "AsyncSmtpError", "transient: 4\\.3\\.0 r\uFFFDessayez plus tard",
                        SmtpAttempt.Outcome.GREYLISTED, 1)));
        c.add(new Case("(k) SOCKS5 proxy that accepts and never answers the handshake",
                viaRawProxy((socket, in, out) -> Thread.sleep(Duration.ofMinutes(5))), ALICE, 1,
                new Expect(Reachable.UNKNOWN, "Timeout", null, SmtpAttempt.Outcome.PROXY_FAULT, 1)));
        c.add(new Case("(k) real microsocks, frozen (SIGSTOP)",
                HostilePeersTest::frozenMicrosocks, ALICE, 1,
                new Expect(Reachable.UNKNOWN, "Timeout", null, SmtpAttempt.Outcome.PROXY_FAULT, 1)));
        c.add(new Case("(l) SOCKS proxy that answers version 4",
                viaRawProxy((socket, in, out) -> {
                    in.readNBytes(3); // 05 01 00: our greeting
                    out.write(new byte[] {4, 0});
                    out.flush();
                    in.read(); // wait for our close
                }), ALICE, 1,
                new Expect(Reachable.UNKNOWN, "Socks5",
                        "Malformed proxy reply: unsupported SOCKS version `4` during the SOCKS5 method negotiation "
                                + "from proxy 127\\.0\\.0\\.1:\\d+\\.",
                        SmtpAttempt.Outcome.PROXY_FAULT, 1)));
        c.add(new Case("(l) SOCKS proxy that answers the CONNECT with an HTTP error",
                viaRawProxy((socket, in, out) -> {
                    in.readNBytes(3);
                    out.write(new byte[] {5, 0}); // no authentication: fine so far
                    out.flush();
                    in.readNBytes(4 + 1);
                    out.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    in.read();
                }), ALICE, 1,
                new Expect(Reachable.UNKNOWN, "Socks5",
                        "Malformed proxy reply: unsupported SOCKS version `72` during the CONNECT request "
                                + "from proxy 127\\.0\\.0\\.1:\\d+\\.",
                        SmtpAttempt.Outcome.PROXY_FAULT, 1)));
        return c;
    }

    // ---- peers -------------------------------------------------------------------------------------

    private interface Script {
        void apply(ScriptedSmtpServer s);
    }

    private static PeerFactory smtp(Script script) {
        return () -> {
            ScriptedSmtpServer s = ScriptedSmtpServer.start();
            script.apply(s);
            return new Peer(s.port(), null, s);
        };
    }

    private static PeerFactory raw(RawPeer.Script script) {
        return () -> {
            RawPeer p = RawPeer.start(script);
            return new Peer(p.port(), null, p);
        };
    }

    /** A raw fake as the proxy, in front of a healthy SMTP server that is never reached. */
    private static PeerFactory viaRawProxy(RawPeer.Script script) {
        return () -> {
            ScriptedSmtpServer target = ScriptedSmtpServer.start().onRcpt(ALICE, Reply.lines("250 2.1.5 OK"));
            RawPeer proxy = RawPeer.start(script);
            return new Peer(target.port(), new ProxyConfig("127.0.0.1", proxy.port()), () -> {
                proxy.close();
                target.close();
            });
        };
    }

    private static Peer frozenMicrosocks() throws IOException {
        ScriptedSmtpServer target = ScriptedSmtpServer.start().onRcpt(ALICE, Reply.lines("250 2.1.5 OK"));
        Microsocks proxy = Microsocks.builder().start();
        proxy.suspend();
        return new Peer(target.port(), new ProxyConfig(proxy.host(), proxy.port()), () -> {
            proxy.close(); // resumes, then stops
            target.close();
        });
    }

    /** An SMTP server that answers normally, then resets the connection when the real RCPT arrives. */
    private static void resetAfterRcpt(Socket socket, InputStream in, java.io.OutputStream out) throws IOException {
        out.write("220 mx.hostile.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String line;
        while ((line = RawPeer.readLine(in)) != null) {
            String upper = line.toUpperCase(java.util.Locale.ROOT);
            if (upper.startsWith("RCPT TO:<" + ALICE.toUpperCase(java.util.Locale.ROOT))) {
                RawPeer.reset(socket);
                return;
            }
            String reply = upper.startsWith("RCPT") ? "550 5.1.1 no such user" : upper.startsWith("QUIT") ? "221 bye" : "250 ok";
            out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    private static String[] manyLines(int n) {
        String[] lines = new String[n];
        Arrays.setAll(lines, i -> (i == n - 1 ? "250 " : "250-") + "X-EXTENSION-" + i);
        return lines;
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---- tests -------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void endsInTimeWithAClassifiedResult(Case c) throws Exception {
        try (Peer peer = c.peer().start()) {
            long t0 = System.nanoTime();
            CheckEmailOutput out = verify(c.email(), peer, c.retries());
            Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
            assertResult(c, out, elapsed);
        }
    }

    /**
     * Postfix with postgrey (the most common greylisting setup) defers with {@code 450 4.2.0 <rcpt>:
     * Recipient address rejected: Greylisted, …}. Upstream's invalid-mailbox table
     * matches {@code address rejected} whatever the reply class, so upstream reports an
     * existing mailbox behind postgrey as {@code invalid}; we never match a 4xx reply against that
     * table (docs/compatibility.md), so it is a temporary error.
     */
    @Test
    void postgreyGreylistingIsATemporaryErrorNotAnInvalidMailbox() throws Exception {
        Case postgrey = new Case("(g) Postfix + postgrey greylisting",
                smtp(s -> s.defaultRcpt(Reply.lines("450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, "
                        + "see http://postgrey.schweikert.ch/help/hostile.test.html"))),
                ALICE, 1, new Expect(Reachable.UNKNOWN, "AsyncSmtpError",
                        "transient: 4\\.2\\.0 <alice@hostile\\.test>: Recipient address rejected: Greylisted, .*",
                        SmtpAttempt.Outcome.GREYLISTED, 1));
        endsInTimeWithAClassifiedResult(postgrey);
    }

    /**
     * Every case at once, twice over, on virtual threads: all end within their bounds, and the JVM's
     * platform threads and open file descriptors come back to where they were.
     */
    @Test
    void theWholeTableAtOnceLeaksNoThreadOrSocket() throws Exception {
        List<Case> table = cases();
        int rounds = 2;
        Snapshot before = Snapshot.take();

        List<Peer> peers = new ArrayList<>();
        Map<String, Throwable> failures = new ConcurrentHashMap<>();
        try {
            for (Case c : table) {
                peers.add(c.peer().start());
            }
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> running = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < table.size(); i++) {
                        Case c = table.get(i);
                        Peer peer = peers.get(i);
                        running.add(pool.submit(() -> {
                            long t0 = System.nanoTime();
                            CheckEmailOutput out = verify(c.email(), peer, c.retries());
                            try {
                                assertResult(c, out, Duration.ofNanos(System.nanoTime() - t0));
                            } catch (Throwable e) {
                                failures.put(c.name(), e);
                            }
                            return null;
                        }));
                    }
                }
                for (Future<?> f : running) {
                    f.get();
                }
            }
        } finally {
            for (Peer p : peers) {
                p.close();
            }
        }
        assertThat(failures).as("cases that failed when run together").isEmpty();

        // Sockets closed by the peers' close() are released asynchronously; wait for the counts to settle.
        // Polled in this thread: Awaitility's own poller thread would count as a new thread.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).pollInSameThread().untilAsserted(() -> {
            Snapshot after = Snapshot.take();
            assertThat(after.sockets()).as("open sockets after %d verifications (new fds: %s)",
                    rounds * table.size(), after.newSince(before)).isLessThanOrEqualTo(before.sockets());
            assertThat(after.fds()).as("open file descriptors other than pipes (new fds: %s)",
                    after.newSince(before)).isLessThanOrEqualTo(before.fds());
            assertThat(after.threads()).as("platform threads other than the virtual-thread carriers")
                    .isLessThanOrEqualTo(before.threads());
        });
    }

    private static void assertResult(Case c, CheckEmailOutput out, Duration elapsed) {
        String json = ReacherJson.write(out);
        JsonNode tree = ReacherJson.mapper().valueToTree(out);
        assertThat(elapsed).as("%s: elapsed (deadline %s + 2 s)", c.name(), TIMEOUT.multipliedBy(c.retries()))
                .isLessThanOrEqualTo(c.bound());
        assertThat(out.isReachable()).as("%s: is_reachable in %s", c.name(), json).isEqualTo(c.expect().reachable());

        JsonNode error = tree.path("smtp").path("error");
        if (c.expect().errorType() == null) {
            assertThat(error.isMissingNode()).as("%s: no error in %s", c.name(), json).isTrue();
        } else {
            assertThat(error.path("type").asText()).as("%s: error type in %s", c.name(), json)
                    .isEqualTo(c.expect().errorType());
            JsonNode message = error.path("message");
            if (c.expect().errorType().equals("Timeout")) {
                // Upstream's shape for Duration: the configured limit, {"secs":2,"nanos":0}.
                assertThat(message.path("secs").asLong()).as("%s: timeout message in %s", c.name(), json)
                        .isEqualTo(TIMEOUT.toSeconds());
                assertThat(message.path("nanos").asLong()).isZero();
            } else {
                assertThat(message.isTextual()).as("%s: message is text in %s", c.name(), json).isTrue();
                assertThat(message.asText()).as("%s: message", c.name()).matches(c.expect().message());
            }
        }
        JsonNode attempts = tree.path("debug").path("smtp").path("attempts");
        assertThat(attempts.size()).as("%s: attempts in %s", c.name(), json).isEqualTo(c.expect().attempts());
        assertThat(attempts.get(attempts.size() - 1).path("outcome").asText()).as("%s: outcome in %s", c.name(), json)
                .isEqualTo(c.expect().outcome().json());
    }

    /**
     * This JVM's open sockets, its other fds except pipes (the testkit's child processes hold
     * pipes, which are not the verifier's), and its platform threads except the pools that grow
     * and shrink by themselves.
     */
    record Snapshot(int sockets, int fds, List<String> fdList, int threads) {
        static Snapshot take() throws IOException {
            List<String> fds = new ArrayList<>();
            try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : list.toList()) {
                    try {
                        fds.add(fd.getFileName() + "->" + Files.readSymbolicLink(fd));
                    } catch (IOException e) {
                        // closed while listing (the listing's own fd, for one)
                    }
                }
            }
            // Virtual-thread carriers (ForkJoinPool-1-worker-n) and the JDK's process reapers come and
            // go with load and child processes; they are pools, not leaks.
            int threads = (int) Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !t.getName().startsWith("ForkJoinPool-") && !t.getName().startsWith("process reaper"))
                    .count();
            int sockets = (int) fds.stream().filter(f -> f.contains("->socket:")).count();
            int others = (int) fds.stream().filter(f -> !f.contains("->pipe:")).count();
            return new Snapshot(sockets, others, fds, threads);
        }

        List<String> newSince(Snapshot earlier) {
            return fdList.stream().filter(f -> !earlier.fdList().contains(f)).toList();
        }
    }
}

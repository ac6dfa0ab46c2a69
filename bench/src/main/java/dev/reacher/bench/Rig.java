package dev.reacher.bench;

import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import dev.reacher.testkit.ScriptedSmtpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

/**
 * A self-contained loopback world to verify addresses against, for load runs and benchmarks: a
 * scripted SMTP server, a scripted DNS server with MX records for a few test domains, and any
 * number of real {@code microsocks} SOCKS5 proxies. Nothing leaves the machine.
 *
 * <p>As a library:
 * <pre>{@code
 * try (Rig rig = Rig.builder().proxies(3).bindProxies(true).start()) {
 *     EmailVerifier v = EmailVerifier.builder().dnsServers(rig.dnsServers()).build();
 *     v.verify(rig.input("alice@" + Rig.DOMAINS.get(0)));
 * }
 * }</pre>
 * As a program ({@code java -cp bench/target/benchmarks.jar dev.reacher.bench.Rig --help}) it
 * prints the addresses and runs until interrupted, for pointing a server or the CLI at it.
 *
 * <p>Every test domain has one MX, {@code localhost.}, and the DNS fixture answers
 * {@code localhost A 127.0.0.1}. That name, unlike a made-up one, also resolves inside microsocks
 * (which resolves the MX name itself, through the OS resolver), so the same domains work directly
 * and through the proxies.
 *
 * <p>Mailboxes: {@code alice@…} and {@code bob@…} exist (250), {@code full@…} has a full inbox
 * (452), everything else is unknown (550). In tarpit mode every reply, greeting included, is held
 * back by the tarpit delay.
 */
public final class Rig implements AutoCloseable {
    /** The test domains that have an MX in the rig's DNS. */
    public static final List<String> DOMAINS = List.of("rig-one.test", "rig-two.test", "rig-three.test",
            "rig-four.test");
    /** The MX host of every test domain; see the class comment for why it is {@code localhost}. */
    public static final String MX_HOST = "localhost";
    /** The first bind address for proxies with {@link Builder#bindProxies}: 127.0.0.11, .12, … */
    public static final int FIRST_BIND_OCTET = 11;

    private final ScriptedSmtpServer smtp;
    private final DnsFixture dns;
    private final List<Microsocks> proxies;
    private final Duration tarpit;

    private Rig(ScriptedSmtpServer smtp, DnsFixture dns, List<Microsocks> proxies, Duration tarpit) {
        this.smtp = smtp;
        this.dns = dns;
        this.proxies = proxies;
        this.tarpit = tarpit;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for a {@link Rig}. */
    public static final class Builder {
        private int proxies;
        private boolean bindProxies;
        private Duration tarpit = Duration.ZERO;
        private int smtpPort;

        private Builder() {}

        /** How many microsocks proxies to start (default none). */
        public Builder proxies(int n) {
            if (n < 0 || n > 200) {
                throw new IllegalArgumentException("proxies must be 0-200, got " + n);
            }
            this.proxies = n;
            return this;
        }

        /**
         * Binds proxy i's outgoing connections to 127.0.0.(11+i), so the SMTP server sees which proxy
         * each session came through ({@link #sessionsByPeer()}).
         */
        public Builder bindProxies(boolean bind) {
            this.bindProxies = bind;
            return this;
        }

        /** Delays every SMTP reply by this much (zero: fast mode). */
        public Builder tarpit(Duration delay) {
            this.tarpit = Objects.requireNonNull(delay);
            return this;
        }

        /** The SMTP port (default: a free one). */
        public Builder smtpPort(int port) {
            this.smtpPort = port;
            return this;
        }

        /**
         * Starts everything; stops what was started if a part fails.
         *
         * @throws dev.reacher.testkit.PeerUnavailableException when proxies are wanted and microsocks is missing
         */
        public Rig start() {
            ScriptedSmtpServer smtp = null;
            DnsFixture dns = null;
            List<Microsocks> started = new ArrayList<>();
            try {
                smtp = ScriptedSmtpServer.start(InetAddress.getByName("127.0.0.1"), smtpPort);
                script(smtp, tarpit);
                dns = DnsFixture.start();
                for (String d : DOMAINS) {
                    dns.mx(d, 10, MX_HOST);
                }
                dns.a(MX_HOST, "127.0.0.1");
                // As a real resolver answers NODATA (RFC 2308): with the zone's SOA, so that the
                // MX host's empty AAAA answer may be cached like any other instead of asked per check.
                dns.soa(MX_HOST, 60, 60);
                for (int i = 0; i < proxies; i++) {
                    Microsocks.Builder b = Microsocks.builder();
                    if (bindProxies) {
                        b.bindAddress("127.0.0." + (FIRST_BIND_OCTET + i));
                    }
                    started.add(b.start());
                }
                return new Rig(smtp, dns, List.copyOf(started), tarpit);
            } catch (IOException | RuntimeException e) {
                started.forEach(Microsocks::close);
                if (dns != null) {
                    dns.close();
                }
                closeQuietly(smtp);
                if (e instanceof IOException io) {
                    throw new UncheckedIOException("cannot start the rig", io);
                }
                throw (RuntimeException) e;
            }
        }
    }

    private static void script(ScriptedSmtpServer smtp, Duration tarpit) {
        // Sessions counted per peer, not recorded: a load run opens millions, and their records (and the
        // collector's work over them) would make the rig slower the longer it runs, on the cores the
        // server under measurement shares.
        smtp.recordSessions(false)
                .greeting(slow(tarpit, Reply.lines("220 mx.rig.test ESMTP rig")))
                .onEhlo(slow(tarpit, Reply.lines("250-mx.rig.test", "250-PIPELINING", "250 8BITMIME")))
                .onHelo(slow(tarpit, Reply.lines("250 mx.rig.test")))
                .onMail(slow(tarpit, Reply.lines("250 2.1.0 Ok")))
                .onQuit(slow(tarpit, Reply.lines("221 2.0.0 Bye")))
                .defaultRcpt(slow(tarpit, Reply.lines("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown")));
        for (String d : DOMAINS) {
            smtp.onRcpt("alice@" + d, slow(tarpit, Reply.lines("250 2.1.5 Ok")))
                    .onRcpt("bob@" + d, slow(tarpit, Reply.lines("250 2.1.5 Ok")))
                    .onRcpt("full@" + d, slow(tarpit, Reply.lines("452 4.2.2 Mailbox full")));
        }
    }

    private static Reply slow(Duration tarpit, Reply reply) {
        return tarpit.isZero() ? reply : Reply.delayed(tarpit, reply);
    }

    public ScriptedSmtpServer smtp() {
        return smtp;
    }

    public int smtpPort() {
        return smtp.port();
    }

    public DnsFixture dns() {
        return dns;
    }

    /** The resolver configuration that points at the rig's DNS server. */
    public DnsServers dnsServers() {
        return DnsServers.parse(dns.address()).withTimeout(Duration.ofSeconds(2));
    }

    public List<Microsocks> proxies() {
        return proxies;
    }

    /** The proxies as pool members {@code proxy1}, {@code proxy2}, … (ids sort like the list up to 9). */
    public List<PoolProxy> poolMembers() {
        List<PoolProxy> members = new ArrayList<>();
        for (int i = 0; i < proxies.size(); i++) {
            Microsocks m = proxies.get(i);
            members.add(PoolProxy.of(proxyId(i), new ProxyConfig(m.host(), m.port(), null, null, 2000L)));
        }
        return members;
    }

    /** The pool id of proxy {@code i} (0-based). */
    public static String proxyId(int i) {
        return "proxy" + (i + 1);
    }

    public Duration tarpit() {
        return tarpit;
    }

    /**
     * An input for {@code email} that talks to the rig's SMTP port with the given per-attempt
     * timeout, one attempt, and no proxy of its own (a pool, when the verifier has one, decides).
     */
    public CheckEmailInput input(String email, Duration smtpTimeout) {
        SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, smtp.port(), smtpTimeout, 1);
        return CheckEmailInput.of(email).withVerifMethod(VerifMethod.sameForAll(null, config))
                .withBackendName("reacher-bench");
    }

    /**
     * The {@code RCH__} variables that point a reacher server ({@code ./reacher serve}, or
     * {@code ReacherServer} from {@code ConfigLoader}) at the rig: its DNS server and SMTP port, and
     * with {@code viaProxies} its microsocks proxies as the members of an enabled
     * {@code round_robin} pool. The HTTP port is left to the caller.
     */
    public Map<String, String> serverEnv(boolean viaProxies) {
        Map<String, String> env = new TreeMap<>();
        env.put("RCH__DNS__SERVERS", dns.address());
        env.put("RCH__SMTP_PORT", Integer.toString(smtp.port()));
        env.put("RCH__SMTP_TIMEOUT", "30");
        if (viaProxies) {
            for (int i = 0; i < proxies.size(); i++) {
                String prefix = "RCH__OVERRIDES__PROXIES__" + proxyId(i).toUpperCase(java.util.Locale.ROOT) + "__";
                env.put(prefix + "HOST", proxies.get(i).host());
                env.put(prefix + "PORT", Integer.toString(proxies.get(i).port()));
            }
            env.put("RCH__PROXY_POOL__ENABLED", "true");
            env.put("RCH__PROXY_POOL__STRATEGY", "round_robin");
        }
        return env;
    }

    /** SMTP sessions so far, counted by the client address the SMTP server saw. */
    public Map<String, Integer> sessionsByPeer() {
        Map<String, Integer> counts = new TreeMap<>();
        smtp.sessionCountsByPeer().forEach((peer, n) -> counts.put(peer.getHostAddress(), Math.toIntExact(n)));
        return Collections.unmodifiableMap(counts);
    }

    /** How many SMTP sessions the server saw and which commands they sent, for comparing clients. */
    public String sessionSummary() {
        return "smtp sessions " + smtp.connectionCount() + ", commands " + smtp.commandCountsByVerb();
    }

    /** A human-readable description of every address, as printed by {@link #main}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("smtp   127.0.0.1:").append(smtp.port())
                .append(tarpit.isZero() ? " (fast)" : " (tarpit: every reply delayed " + tarpit.toMillis() + " ms)")
                .append('\n');
        sb.append("dns    ").append(dns.address()).append(" (UDP+TCP); MX ").append(MX_HOST).append(". for ")
                .append(String.join(", ", DOMAINS)).append('\n');
        for (int i = 0; i < proxies.size(); i++) {
            Microsocks m = proxies.get(i);
            sb.append("socks5 ").append(proxyId(i)).append(' ').append(m.host()).append(':').append(m.port());
            if (m.bindAddress() != null) {
                sb.append(" (outgoing from ").append(m.bindAddress()).append(')');
            }
            sb.append('\n');
        }
        sb.append("mailboxes: alice@, bob@ exist; full@ is full; anything else is unknown\n");
        sb.append("try:   ./reacher check --dns-servers ").append(dns.address()).append(" --smtp-port ")
                .append(smtp.port()).append(" alice@").append(DOMAINS.get(0)).append('\n');
        sb.append("serve: ").append(envLine(serverEnv(false))).append(" ./reacher serve\n");
        if (!proxies.isEmpty()) {
            sb.append("serve through the proxies: ").append(envLine(serverEnv(true))).append(" ./reacher serve\n");
        }
        return sb.toString();
    }

    private static String envLine(Map<String, String> env) {
        StringBuilder sb = new StringBuilder();
        env.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return sb.toString();
    }

    @Override
    public void close() {
        proxies.forEach(Microsocks::close);
        dns.close();
        closeQuietly(smtp);
    }

    private static void closeQuietly(ScriptedSmtpServer s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (IOException e) {
            // shutting down anyway
        }
    }

    /**
     * {@code Rig [--proxies N] [--bind] [--tarpit-ms MS] [--smtp-port P] [--seconds S]}: starts the
     * rig, prints its addresses and runs until Ctrl-C (or for S seconds), then stops everything.
     */
    public static void main(String[] args) throws InterruptedException {
        Args a = Args.parse(args, Map.of("--proxies", "0", "--tarpit-ms", "0", "--smtp-port", "0", "--seconds", "0"),
                java.util.Set.of("--bind"),
                "Rig [--proxies N] [--bind] [--tarpit-ms MS] [--smtp-port P] [--seconds S]\n"
                        + "  starts a scripted SMTP server, a DNS server with MX records and N microsocks proxies on loopback,\n"
                        + "  prints their addresses, and runs until interrupted (or for S seconds when S > 0).");
        Rig rig = builder().proxies(a.integer("--proxies")).bindProxies(a.flag("--bind"))
                .tarpit(Duration.ofMillis(a.integer("--tarpit-ms"))).smtpPort(a.integer("--smtp-port")).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            rig.close();
            System.out.println(rig.sessionSummary());
            stopped.countDown();
        }, "rig-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        // First line for programs that start the rig as a child process (LibraryLoad does).
        System.out.println("RIG smtp=127.0.0.1:" + rig.smtpPort() + " dns=" + rig.dns().address());
        System.out.print(rig.describe());
        System.out.println("running; Ctrl-C stops");
        System.out.flush();
        int seconds = a.integer("--seconds");
        if (seconds > 0) {
            Thread.sleep(Duration.ofSeconds(seconds));
            Runtime.getRuntime().removeShutdownHook(hook);
            rig.close();
            System.out.println(rig.sessionSummary());
            System.out.println("stopped");
        } else {
            stopped.await();
        }
    }
}

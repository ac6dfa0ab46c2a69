package dev.reacher.bench;

import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.Reachable;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * What the receiving mail servers see of a bulk load, with and without {@code [smtp_politeness]}:
 * {@code --addresses} addresses spread over {@code --domains} domains, each domain with its own MX
 * host and its own scripted SMTP server (127.0.1.N, one port), verified {@code --concurrency} at a
 * time through one {@link EmailVerifier}. Prints SMTP sessions and RCPTs per address, the peak of
 * sessions open at once at one server (destination), throughput and the verdicts.
 *
 * <p>With {@code --shared-sessions}, the addresses are verified as a bulk worker verifies them
 * ({@link EmailVerifier#verifyInBulk}) with the server's politeness defaults, once with one session
 * per address ({@code max_rcpt_per_session = 1}, before) and once with shared sessions (the default
 * 10, after).
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar dev.reacher.bench.PolitenessLoad --addresses 10000 --domains 100 \
 *     --concurrency 200 --rcpt-delay-ms 10 [--shared-sessions]
 * }</pre>
 */
public final class PolitenessLoad {
    private PolitenessLoad() {}

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, Map.of("--addresses", "10000", "--domains", "100", "--concurrency", "200",
                "--rcpt-delay-ms", "10"), Set.of("--shared-sessions"), "PolitenessLoad [--addresses N] [--domains N] "
                + "[--concurrency N] [--rcpt-delay-ms N] [--shared-sessions]");
        int addresses = args.integer("--addresses");
        int domains = args.integer("--domains");
        int concurrency = args.integer("--concurrency");
        Duration delay = Duration.ofMillis(args.integer("--rcpt-delay-ms"));
        System.out.printf("%d addresses over %d domains, concurrency %d, every RCPT answered after %d ms%n",
                addresses, domains, concurrency, delay.toMillis());
        if (args.flag("--shared-sessions")) {
            Politeness d = Politeness.DEFAULTS;
            run("before (bulk, max_rcpt_per_session = 1)", new Politeness(d.maxConcurrency(), d.minInterval(),
                    d.catchAllTtl(), 1), true, addresses, domains, concurrency, delay);
            run("after  (bulk, max_rcpt_per_session = " + d.maxRcptPerSession() + ")", d, true, addresses, domains,
                    concurrency, delay);
            return;
        }
        run("before (no politeness)", null, false, addresses, domains, concurrency, delay);
        run("after  (defaults: 5/destination, catch-all cache 1 h)", Politeness.DEFAULTS, false, addresses, domains,
                concurrency, delay);
    }

    private static void run(String label, Politeness politeness, boolean bulk, int addresses, int domains,
            int concurrency, Duration delay) throws Exception {
        List<ScriptedSmtpServer> servers = new ArrayList<>();
        DnsFixture dns = DnsFixture.start();
        try {
            int port = 0;
            for (int d = 0; d < domains; d++) {
                ScriptedSmtpServer s = ScriptedSmtpServer.start(
                        InetAddress.getByName("127.0.1." + (d + 1)), port);
                port = s.port();
                // alice exists; everyone else is unknown (the catch-all probe too): every reply after the delay.
                s.defaultRcpt(Reply.delayed(delay, Reply.lines("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown")));
                s.onRcpt("alice@d" + d + ".test", Reply.delayed(delay, Reply.lines("250 2.1.5 OK")));
                servers.add(s);
                dns.mx("d" + d + ".test", 10, "mx.d" + d + ".test").a("mx.d" + d + ".test", "127.0.1." + (d + 1));
            }
            SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, port, Duration.ofSeconds(30), 1);
            CheckEmailInput template = CheckEmailInput.of("").withVerifMethod(VerifMethod.sameForAll(null, config));
            EmailVerifier.Builder b = EmailVerifier.builder()
                    .dnsServers(DnsServers.parse(dns.address()).withTimeout(Duration.ofSeconds(5))
                            .withCacheMaxTtl(Duration.ofMinutes(5)));
            if (politeness != null) {
                b.politeness(politeness);
            }
            Map<Reachable, Integer> verdicts = new EnumMap<>(Reachable.class);
            long start = System.nanoTime();
            try (EmailVerifier verifier = b.build(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Semaphore inFlight = new Semaphore(concurrency);
                List<Future<CheckEmailOutput>> futures = new ArrayList<>(addresses);
                for (int i = 0; i < addresses; i++) {
                    // Round robin over the domains, as a mixed list arrives; every fifth address exists.
                    String email = (i % 5 == 0 ? "alice" : "user" + i) + "@d" + (i % domains) + ".test";
                    inFlight.acquire();
                    futures.add(pool.submit(() -> {
                        try {
                            CheckEmailInput input = template.withToEmail(email);
                            return bulk ? verifier.verifyInBulk(input, LimitPolicy.WAIT, Set.of()) : verifier.verify(input);
                        } finally {
                            inFlight.release();
                        }
                    }));
                }
                for (Future<CheckEmailOutput> f : futures) {
                    verdicts.merge(f.get().isReachable(), 1, Integer::sum);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long sessions = servers.stream().mapToLong(ScriptedSmtpServer::connectionCount).sum();
            long rcpts = servers.stream().mapToLong(s -> s.recipients().size()).sum();
            long probes = servers.stream().mapToLong(ScriptedSmtpServer::probeRecipients).sum();
            int peak = servers.stream().mapToInt(ScriptedSmtpServer::peakConcurrentSessions).max().orElse(0);
            long rsets = servers.stream().flatMap(s -> s.sessions().stream())
                    .flatMap(s -> s.commands().stream()).filter(c -> c.startsWith("RSET")).count();
            System.out.printf("%s: %.2f sessions/address, %.2f RCPT/address (%d probes, %d RSET), peak %d sessions "
                    + "at one destination, %.0f addresses/s (%.1f s), verdicts %s%n", label, (double) sessions / addresses,
                    (double) rcpts / addresses, probes, rsets, peak, addresses / seconds, seconds, verdicts);
        } finally {
            for (ScriptedSmtpServer s : servers) {
                s.close();
            }
            dns.close();
        }
    }
}

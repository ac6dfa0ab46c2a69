package dev.reacher.bench;

import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.proxy.ProxyStatus;
import dev.reacher.core.smtp.SmtpAttempt;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.Reachable;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.testkit.Microsocks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load at library level: {@link EmailVerifier} called from virtual threads against the loopback
 * {@link Rig}, no HTTP. Scenarios ({@code --scenario}):
 * <dl>
 *   <dt>{@code proxy}</dt><dd>throughput and latency direct vs through 3 microsocks proxies with a
 *       {@code round_robin} pool, alternating rounds; the ratio of throughputs is the result.</dd>
 *   <dt>{@code inflight}</dt><dd>{@code --inflight} verifications started at once against a tarpit
 *       SMTP server (every reply delayed {@code --tarpit-ms}) that runs in a child JVM (so the
 *       server's sockets do not count against this JVM's file limit): all must complete; peak heap,
 *       peak RSS and platform threads before, at peak and after are printed.</dd>
 *   <dt>{@code failover}</dt><dd>{@code --checks} verifications through a 3-proxy pool; proxy2 is
 *       stopped when a third have completed and started again at two thirds. Counts results that
 *       are {@code unknown}, and sessions per proxy (by the peer address the SMTP server saw)
 *       before, during and after.</dd>
 * </dl>
 * Every loop is bounded in count and in time.
 */
public final class LibraryLoad {
    private static final Duration SMTP_TIMEOUT = Duration.ofSeconds(30);

    private LibraryLoad() {}

    public static void main(String[] args) throws Exception {
        Args a = Args.parse(args, Map.ofEntries(
                        Map.entry("--scenario", "all"),
                        Map.entry("--requests", "3000"),
                        Map.entry("--concurrency", "50"),
                        Map.entry("--rounds", "2"),
                        Map.entry("--proxy-tarpit-ms", "0"),
                        Map.entry("--dns-cache-ttl", "0"),
                        Map.entry("--inflight", "10000"),
                        Map.entry("--tarpit-ms", "1000"),
                        Map.entry("--ramp-ms", "0"),
                        Map.entry("--batches", "1"),
                        Map.entry("--rig-dns", ""),
                        Map.entry("--rig-smtp-port", "0"),
                        Map.entry("--checks", "3000"),
                        Map.entry("--failover-concurrency", "30"),
                        Map.entry("--failover-tarpit-ms", "10")),
                Set.of(),
                """
                LibraryLoad [--scenario proxy|inflight|failover|external|all]
                  external: --rig-dns IP:PORT --rig-smtp-port P [--requests N] [--concurrency C]
                            direct, against a rig running in another process (java ... Rig), for side-by-side
                            runs with other clients against the same server
                  proxy:    [--requests N] [--concurrency C] [--rounds R] [--proxy-tarpit-ms MS] [--dns-cache-ttl S]
                            direct vs 3 microsocks (round_robin); MS delays every SMTP reply (0: fast);
                            S caches DNS answers for up to S seconds (0: off, every verification asks)
                  inflight: [--inflight N] [--tarpit-ms MS] [--ramp-ms R] [--batches B]
                            N verifications at once against a tarpit, started evenly over R ms (0: all at once),
                            B batches one after another in the same JVM (thread and memory counts per batch)
                  failover: [--checks N] [--failover-concurrency C] [--failover-tarpit-ms MS]
                            one of 3 proxies stopped at N/3 and restarted at 2N/3""");
        String scenario = a.string("--scenario");
        System.out.println(machine());
        if (scenario.equals("proxy") || scenario.equals("all")) {
            proxyVsDirect(a.integer("--requests"), a.integer("--concurrency"), a.integer("--rounds"),
                    Duration.ofMillis(a.integer("--proxy-tarpit-ms")), Duration.ofSeconds(a.integer("--dns-cache-ttl")));
        }
        if (scenario.equals("external")) {
            external(a.string("--rig-dns"), a.integer("--rig-smtp-port"), a.integer("--requests"),
                    a.integer("--concurrency"));
        }
        if (scenario.equals("inflight") || scenario.equals("all")) {
            inflight(a.integer("--inflight"), Duration.ofMillis(a.integer("--tarpit-ms")),
                    Duration.ofMillis(a.integer("--ramp-ms")), a.integer("--batches"));
        }
        if (scenario.equals("failover") || scenario.equals("all")) {
            failover(a.integer("--checks"), a.integer("--failover-concurrency"),
                    Duration.ofMillis(a.integer("--failover-tarpit-ms")));
        }
    }

    // ---- (1) direct vs proxied ------------------------------------------------------------------

    static void proxyVsDirect(int requests, int concurrency, int rounds, Duration tarpit, Duration dnsCacheTtl)
            throws InterruptedException {
        System.out.printf(Locale.ROOT, "%n== direct vs 3 microsocks proxies (round_robin): %d verifications per run, "
                + "concurrency %d, %d rounds, SMTP replies delayed %d ms, DNS cache max TTL %d s ==%n", requests,
                concurrency, rounds, tarpit.toMillis(), dnsCacheTtl.toSeconds());
        try (Rig rig = Rig.builder().proxies(3).bindProxies(true).tarpit(tarpit).start();
                EmailVerifier direct = EmailVerifier.builder()
                        .dnsServers(rig.dnsServers().withCacheMaxTtl(dnsCacheTtl)).build();
                EmailVerifier proxied = EmailVerifier.builder().dnsServers(rig.dnsServers().withCacheMaxTtl(dnsCacheTtl))
                        .proxyPool(ProxyPool.create(rig.poolMembers(), PoolSettings.enabled("round_robin"))).build()) {
            System.out.print(rig.describe());
            List<String> emails = mix(rig);
            // Warm up both paths (JIT, connection setup code), then alternate so drift hits both alike.
            run(direct, rig, emails, Math.min(1000, requests), concurrency);
            run(proxied, rig, emails, Math.min(1000, requests), concurrency);
            double directSum = 0;
            double proxiedSum = 0;
            List<Long> proxyPids = microsocksPids(rig);
            for (int round = 1; round <= rounds; round++) {
                Cpu c0 = Cpu.now(proxyPids);
                int q0 = rig.dns().totalQueries();
                Run d = run(direct, rig, emails, requests, concurrency);
                Cpu c1 = Cpu.now(proxyPids);
                int q1 = rig.dns().totalQueries();
                System.out.println("round " + round + " direct   " + d.describe());
                System.out.println("         " + c1.minus(c0).perVerification(requests) + "; DNS queries " + (q1 - q0));
                Map<String, Integer> before = rig.sessionsByPeer();
                Run p = run(proxied, rig, emails, requests, concurrency);
                Cpu c2 = Cpu.now(proxyPids);
                System.out.println("round " + round + " proxied  " + p.describe());
                System.out.println("         " + c2.minus(c1).perVerification(requests) + "; DNS queries "
                        + (rig.dns().totalQueries() - q1));
                System.out.println("         SMTP sessions by peer address during the proxied run: "
                        + diff(before, rig.sessionsByPeer()));
                directSum += d.stats.throughput();
                proxiedSum += p.stats.throughput();
            }
            System.out.printf(Locale.ROOT, "RESULT proxied/direct throughput ratio = %.3f (mean over %d rounds: "
                    + "%.1f/s vs %.1f/s; target >= 0.8)%n", proxiedSum / directSum, rounds, proxiedSum / rounds,
                    directSum / rounds);
        }
    }

    /** The pids of the rig's microsocks processes, found by their listening port on the command line. */
    private static List<Long> microsocksPids(Rig rig) {
        List<Long> pids = new ArrayList<>();
        for (Microsocks m : rig.proxies()) {
            String port = Integer.toString(m.port());
            ProcessHandle.current().children()
                    .filter(p -> p.info().command().map(c -> c.endsWith("microsocks")).orElse(false))
                    .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(port)).orElse(false))
                    .forEach(p -> pids.add(p.pid()));
        }
        return pids;
    }

    /**
     * CPU time used so far by this JVM and by the given processes (from {@code /proc/<pid>/stat},
     * which counts all of a process's threads, including finished ones).
     */
    record Cpu(long jvmNanos, long proxiesNanos) {
        static Cpu now(List<Long> pids) {
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long proxies = 0;
            for (long pid : pids) {
                proxies += procCpuNanos(pid);
            }
            return new Cpu(os.getProcessCpuTime(), proxies);
        }

        Cpu minus(Cpu earlier) {
            return new Cpu(jvmNanos - earlier.jvmNanos, proxiesNanos - earlier.proxiesNanos);
        }

        String perVerification(int n) {
            return String.format(Locale.ROOT, "CPU per verification: this JVM (client, SMTP and DNS fixtures) %.0f us, "
                    + "microsocks processes %.0f us", jvmNanos / 1e3 / n, proxiesNanos / 1e3 / n);
        }
    }

    /** utime + stime of a process, assuming the usual 100 clock ticks per second. */
    static long procCpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name, which is in parentheses and may contain spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Half existing mailboxes, half unknown, over the rig's domains. */
    private static List<String> mix(Rig rig) {
        List<String> emails = new ArrayList<>();
        for (String d : Rig.DOMAINS) {
            emails.add("alice@" + d);
            emails.add("unknown.user@" + d);
        }
        return emails;
    }

    /** What one closed-loop run measured. */
    record Run(LatencyStats stats, Map<String, Integer> reachable) {
        String describe() {
            return stats.summary() + " " + reachable;
        }
    }

    /** {@code requests} verifications from {@code concurrency} virtual threads, closed loop. */
    static Run run(EmailVerifier verifier, Rig rig, List<String> emails, int requests, int concurrency)
            throws InterruptedException {
        return runInputs(verifier, i -> rig.input(emails.get(i % emails.size()), SMTP_TIMEOUT), requests, concurrency);
    }

    static Run runInputs(EmailVerifier verifier, java.util.function.IntFunction<CheckEmailInput> inputs, int requests,
            int concurrency) throws InterruptedException {
        long[] latencies = new long[requests];
        String[] verdicts = new String[requests];
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < concurrency; w++) {
                workers.execute(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < requests) {
                        long t0 = System.nanoTime();
                        CheckEmailOutput out = verifier.verify(inputs.apply(i));
                        latencies[i] = System.nanoTime() - t0;
                        verdicts[i] = out.isReachable().json();
                    }
                });
            }
            workers.shutdown();
            awaitOrFail(workers, Duration.ofMinutes(5));
        }
        return new Run(LatencyStats.of(latencies, Duration.ofNanos(System.nanoTime() - start)), histogram(verdicts));
    }

    // ---- direct against a rig in another process ------------------------------------------------

    static void external(String dnsAddress, int smtpPort, int requests, int concurrency) throws InterruptedException {
        if (dnsAddress.isBlank() || smtpPort < 1) {
            throw new IllegalArgumentException("--scenario external needs --rig-dns and --rig-smtp-port");
        }
        System.out.printf(Locale.ROOT, "%n== direct against the rig at smtp port %d, dns %s: %d verifications, "
                + "concurrency %d ==%n", smtpPort, dnsAddress, requests, concurrency);
        SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, smtpPort, SMTP_TIMEOUT, 1);
        VerifMethod method = VerifMethod.sameForAll(null, config);
        List<String> emails = new ArrayList<>();
        for (String d : Rig.DOMAINS) {
            emails.add("alice@" + d);
            emails.add("unknown.user@" + d);
        }
        try (EmailVerifier verifier = EmailVerifier.builder()
                .dnsServers(DnsServers.parse(dnsAddress).withTimeout(Duration.ofSeconds(5))).build()) {
            runInputs(verifier, i -> CheckEmailInput.of(emails.get(i % emails.size())).withVerifMethod(method),
                    Math.min(1000, requests), concurrency);
            Cpu c0 = Cpu.now(List.of());
            Run r = runInputs(verifier, i -> CheckEmailInput.of(emails.get(i % emails.size())).withVerifMethod(method),
                    requests, concurrency);
            Cpu c1 = Cpu.now(List.of());
            System.out.println("RESULT reacher-java " + r.describe());
            System.out.printf(Locale.ROOT, "CPU per verification (this JVM, client only): %.0f us%n",
                    c1.minus(c0).jvmNanos() / 1e3 / requests);
        }
    }

    // ---- (2) many in flight against a tarpit ---------------------------------------------------

    static void inflight(int n, Duration tarpit, Duration ramp, int batches) throws Exception {
        System.out.printf(Locale.ROOT, "%n== %d verifications in flight at once, tarpit %d ms per reply "
                + "(SMTP + DNS in a child JVM), started over %d ms ==%n", n, tarpit.toMillis(), ramp.toMillis());
        Process child = startChildRig(tarpit, Duration.ofMinutes(10));
        try {
            String[] addresses = readRigAddresses(child);
            int smtpPort = Integer.parseInt(addresses[0].substring(addresses[0].lastIndexOf(':') + 1));
            DnsServers dns = DnsServers.parse(addresses[1]).withTimeout(Duration.ofSeconds(5));
            System.out.println("child rig: smtp " + addresses[0] + ", dns " + addresses[1]);
            SmtpConfig config = new SmtpConfig("probe@client.test", "probe.test", null, smtpPort, SMTP_TIMEOUT, 1);
            VerifMethod method = VerifMethod.sameForAll(null, config);

            try (EmailVerifier verifier = EmailVerifier.builder().dnsServers(dns).build()) {
                // One verification first so that class loading is not counted as growth.
                CheckEmailOutput warm = verifier.verify(
                        CheckEmailInput.of("alice@" + Rig.DOMAINS.get(0)).withVerifMethod(method));
                System.out.println("warm-up verification: " + warm.isReachable().json() + " in "
                        + warm.debug().duration().toMillis() + " ms");

                for (int batch = 1; batch <= batches; batch++) {
                    System.out.println("-- batch " + batch + " of " + batches);
                    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                    System.gc();
                    long heapBefore = heapUsed();
                    int threadsBefore = threads.getThreadCount();
                    Set<String> namesBefore = platformThreadNames();
                    long rssBefore = procStatusKb("VmRSS");
                    threads.resetPeakThreadCount();
                    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
                    long gcCountBefore = gcCount();
                    long gcTimeBefore = gcTimeMs();

                    AtomicInteger inFlight = new AtomicInteger();
                    AtomicInteger peakInFlight = new AtomicInteger();
                    AtomicLong peakHeapSampled = new AtomicLong();
                    long[] latencies = new long[n];
                    long[] beforeSmtp = new long[n];
                    long[] smtpAttempt = new long[n];
                    String[] verdicts = new String[n];
                    Thread sampler = Thread.ofPlatform().daemon().name("sampler").start(() -> {
                        while (!Thread.currentThread().isInterrupted()) {
                            peakHeapSampled.accumulateAndGet(heapUsed(), Math::max);
                            try {
                                Thread.sleep(20);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    });
                    long start = System.nanoTime();
                    try (ExecutorService all = Executors.newVirtualThreadPerTaskExecutor()) {
                        for (int i = 0; i < n; i++) {
                            if (!ramp.isZero() && i % 100 == 0) {
                                // Spread the starts so that the burst of DNS queries and SYNs is spread too.
                                long due = start + ramp.toNanos() * i / n;
                                long wait = due - System.nanoTime();
                                if (wait > 0) {
                                    Thread.sleep(Duration.ofNanos(wait));
                                }
                            }
                            int index = i;
                            String email = (i % 2 == 0 ? "alice@" : "unknown" + i + "@") + Rig.DOMAINS.get(i % Rig.DOMAINS.size());
                            all.execute(() -> {
                                peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                                long t0 = System.nanoTime();
                                CheckEmailOutput out = verifier.verify(CheckEmailInput.of(email).withVerifMethod(method));
                                latencies[index] = System.nanoTime() - t0;
                                List<SmtpAttempt> attempts = out.debug().smtp().attempts();
                                if (!attempts.isEmpty()) {
                                    // Where the time went: DNS and queueing before SMTP, then the SMTP attempt.
                                    smtpAttempt[index] = attempts.getFirst().duration().toNanos();
                                    beforeSmtp[index] = Math.max(0, latencies[index] - smtpAttempt[index]);
                                }
                                verdicts[index] = out.isReachable().json()
                                        + (out.smtpError() != null ? " (" + errorKind(out) + ")" : "");
                                inFlight.decrementAndGet();
                            });
                        }
                        long launched = System.nanoTime();
                        System.out.printf(Locale.ROOT, "launched %d virtual threads in %.0f ms%n", n, (launched - start) / 1e6);
                        all.shutdown();
                        awaitOrFail(all, Duration.ofMinutes(5));
                    }
                    Duration wall = Duration.ofNanos(System.nanoTime() - start);
                    sampler.interrupt();
                    sampler.join();
                    int threadsPeak = threads.getPeakThreadCount();
                    long heapPoolPeaks = ManagementFactory.getMemoryPoolMXBeans().stream()
                            .filter(p -> p.getType() == MemoryType.HEAP)
                            .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
                    long hwm = procStatusKb("VmHWM");
                    // Let finished threads' carriers and sockets settle before counting again.
                    Thread.sleep(1000);
                    System.gc();
                    int threadsAfter = threads.getThreadCount();
                    Set<String> namesAfter = platformThreadNames();
                    long heapAfter = heapUsed();

                    int completed = (int) Arrays.stream(verdicts).filter(v -> v != null).count();
                    System.out.println("completed " + completed + " of " + n + "; peak in flight " + peakInFlight.get());
                    System.out.println("verdicts " + histogram(verdicts));
                    System.out.println("latency  " + LatencyStats.of(latencies, wall).summary());
                    System.out.println("  of which before SMTP (MX + host lookups): " + LatencyStats.of(beforeSmtp, wall).summary());
                    System.out.println("  of which the SMTP attempt:                " + LatencyStats.of(smtpAttempt, wall).summary());
                    System.out.printf(Locale.ROOT, "heap     before %.1f MiB (after GC), peak sampled %.1f MiB, "
                            + "sum of heap pool peaks %.1f MiB, after %.1f MiB (after GC)%n",
                            mib(heapBefore), mib(peakHeapSampled.get()), mib(heapPoolPeaks), mib(heapAfter));
                    System.out.printf(Locale.ROOT, "gc       %d collections, %d ms during the run; max heap %.0f MiB%n",
                            gcCount() - gcCountBefore, gcTimeMs() - gcTimeBefore,
                            mib(Runtime.getRuntime().maxMemory()));
                    System.out.printf(Locale.ROOT, "rss      before %.1f MiB, peak (VmHWM) %.1f MiB%n",
                            rssBefore / 1024.0, hwm / 1024.0);
                    System.out.println("platform threads before " + threadsBefore + ", peak " + threadsPeak
                            + ", after " + threadsAfter);
                    Set<String> added = new java.util.TreeSet<>(namesAfter);
                    added.removeAll(namesBefore);
                    Set<String> gone = new java.util.TreeSet<>(namesBefore);
                    gone.removeAll(namesAfter);
                    System.out.println("  threads that appeared " + added + ", disappeared " + gone);
                    System.out.println("RESULT inflight completed=" + completed + "/" + n + " peak_in_flight="
                            + peakInFlight.get() + " threads_before=" + threadsBefore + " threads_after=" + threadsAfter);
                }
            }
        } finally {
            child.destroy();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    private static Process startChildRig(Duration tarpit, Duration maxLife) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xss256k", "-cp", System.getProperty("java.class.path"),
                Rig.class.getName(), "--tarpit-ms", Long.toString(tarpit.toMillis()),
                "--seconds", Long.toString(maxLife.toSeconds()));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Reads the child's {@code RIG smtp=… dns=…} line; fails after 30 s. */
    private static String[] readRigAddresses(Process child) throws Exception {
        BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String line = reader.readLine();
            if (line == null) {
                throw new IllegalStateException("the child rig exited before printing its addresses");
            }
            if (line.startsWith("RIG ")) {
                String smtp = null;
                String dns = null;
                for (String part : line.substring(4).split(" ")) {
                    if (part.startsWith("smtp=")) {
                        smtp = part.substring(5);
                    } else if (part.startsWith("dns=")) {
                        dns = part.substring(4);
                    }
                }
                // Keep draining the child's output so that it never blocks on a full pipe.
                Thread.ofVirtual().start(() -> {
                    try {
                        while (reader.readLine() != null) {
                            // discard
                        }
                    } catch (IOException ignored) {
                        // the child is gone
                    }
                });
                return new String[] {smtp, dns};
            }
        }
        throw new IllegalStateException("the child rig printed no addresses within 30 s");
    }

    // ---- (4) failover under load -----------------------------------------------------------------

    static void failover(int checks, int concurrency, Duration tarpit) throws InterruptedException {
        System.out.printf(Locale.ROOT, "%n== failover: %d checks through 3 proxies (round_robin), concurrency %d, "
                + "tarpit %d ms per reply; proxy2 stopped at %d completed, restarted at %d ==%n",
                checks, concurrency, tarpit.toMillis(), checks / 3, 2 * checks / 3);
        // Short ejections so that proxy2 is back in rotation within the last third of the run.
        PoolSettings settings = PoolSettings.enabled("round_robin")
                .withEjection(new PoolSettings.Ejection(3, Duration.ofMillis(500), Duration.ofSeconds(2)));
        try (Rig rig = Rig.builder().proxies(3).bindProxies(true).tarpit(tarpit).start()) {
            ProxyPool pool = ProxyPool.create(rig.poolMembers(), settings);
            System.out.print(rig.describe());
            System.out.println("pool: " + settings);
            Microsocks victim = rig.proxies().get(1);
            String victimId = Rig.proxyId(1);
            List<String> emails = mix(rig);
            CheckEmailOutput[] results = new CheckEmailOutput[checks];
            long[] startedAt = new long[checks];
            AtomicInteger next = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            List<Map<String, Integer>> snapshots = new ArrayList<>();
            long[] phaseAt = new long[2];
            Object phaseLock = new Object();

            try (EmailVerifier verifier = EmailVerifier.builder().dnsServers(rig.dnsServers()).proxyPool(pool).build();
                    ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
                snapshots.add(rig.sessionsByPeer());
                long start = System.nanoTime();
                for (int w = 0; w < concurrency; w++) {
                    workers.execute(() -> {
                        int i;
                        while ((i = next.getAndIncrement()) < checks) {
                            startedAt[i] = System.nanoTime();
                            results[i] = verifier.verify(rig.input(emails.get(i % emails.size()), SMTP_TIMEOUT));
                            int d = done.incrementAndGet();
                            if (d == checks / 3 || d == 2 * checks / 3) {
                                // Stop or restart from here: the worker that crossed the mark does it, once.
                                synchronized (phaseLock) {
                                    snapshots.add(rig.sessionsByPeer());
                                    if (d == checks / 3) {
                                        victim.stop();
                                        phaseAt[0] = System.nanoTime();
                                        System.out.printf(Locale.ROOT, "t=%.2f s: stopped %s (%s)%n",
                                                (phaseAt[0] - start) / 1e9, victimId, victim);
                                    } else {
                                        victim.start();
                                        phaseAt[1] = System.nanoTime();
                                        System.out.printf(Locale.ROOT, "t=%.2f s: restarted %s%n",
                                                (phaseAt[1] - start) / 1e9, victimId);
                                    }
                                }
                            }
                        }
                    });
                }
                workers.shutdown();
                awaitOrFail(workers, Duration.ofMinutes(5));
                snapshots.add(rig.sessionsByPeer());
                System.out.printf(Locale.ROOT, "all %d checks done in %.2f s%n", done.get(),
                        (System.nanoTime() - start) / 1e9);
            }

            String[] names = {"before (0 .. n/3)", "during (n/3 .. 2n/3, proxy2 down)", "after (2n/3 .. n)"};
            for (int p = 0; p < 3; p++) {
                System.out.println("SMTP sessions by peer " + names[p] + ": " + diff(snapshots.get(p), snapshots.get(p + 1)));
            }
            // Which proxy carried each verdict, by the phase in which the check started.
            List<Map<String, Integer>> byProxy = List.of(new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
            Map<String, Integer> verdicts = new TreeMap<>();
            List<String> unknownDetails = new ArrayList<>();
            int unknownWithVictim = 0;
            int failedOver = 0;
            Map<String, Integer> failoverCauses = new TreeMap<>();
            for (int i = 0; i < checks; i++) {
                CheckEmailOutput out = results[i];
                verdicts.merge(out.isReachable().json(), 1, Integer::sum);
                int phase = startedAt[i] < phaseAt[0] ? 0 : startedAt[i] < phaseAt[1] ? 1 : 2;
                List<SmtpAttempt> attempts = out.debug().smtp().attempts();
                if (attempts.size() > 1) {
                    failedOver++;
                    // Mid-conversation drops and refused connects, told apart by the first attempt's error.
                    failoverCauses.merge(attempts.getFirst().outcome().json() + " \""
                            + String.valueOf(attempts.getFirst().error()).replaceAll("\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+", "<proxy>")
                            + "\"", 1, Integer::sum);
                }
                String carrier = attempts.isEmpty() ? "(none)" : String.valueOf(attempts.getLast().proxy());
                byProxy.get(phase).merge(carrier, 1, Integer::sum);
                if (out.isReachable() == Reachable.UNKNOWN) {
                    boolean victimInvolved = attempts.stream().anyMatch(x -> victimId.equals(x.proxy()));
                    if (victimInvolved) {
                        unknownWithVictim++;
                    }
                    if (unknownDetails.size() < 10) {
                        unknownDetails.add("#" + i + " phase " + phase + " " + attempts + " error " + out.smtpError());
                    }
                }
            }
            for (int p = 0; p < 3; p++) {
                System.out.println("last attempt's proxy, checks started " + names[p] + ": " + byProxy.get(p));
            }
            System.out.println("verdicts " + verdicts + "; checks that failed over to another proxy: " + failedOver);
            failoverCauses.forEach((cause, n) -> System.out.println("  failed over after " + cause + ": " + n));
            unknownDetails.forEach(d -> System.out.println("  unknown " + d));
            for (ProxyStatus s : pool.snapshot()) {
                System.out.println("pool " + s.id() + ": state " + s.state().json() + ", picks " + s.picks() + ", verdicts "
                        + s.verdicts() + ", proxy faults " + s.proxyFaults() + ", times ejected " + s.timesEjected());
            }
            System.out.println("RESULT failover unknown=" + verdicts.getOrDefault("unknown", 0)
                    + " unknown_involving_" + victimId + "=" + unknownWithVictim + " failed_over=" + failedOver);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static void awaitOrFail(ExecutorService workers, Duration limit) throws InterruptedException {
        if (!workers.awaitTermination(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            workers.shutdownNow();
            throw new IllegalStateException("the run did not finish within " + limit);
        }
    }

    private static Set<String> platformThreadNames() {
        Set<String> names = new java.util.TreeSet<>();
        for (var info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
            names.add(info.getThreadName());
        }
        return names;
    }

    private static String errorKind(CheckEmailOutput out) {
        var e = out.smtpError();
        return e.type().json() + (e.message() != null ? ": " + e.message() : "");
    }

    private static Map<String, Integer> histogram(String[] values) {
        Map<String, Integer> h = new TreeMap<>();
        for (String v : values) {
            h.merge(v == null ? "(not completed)" : v, 1, Integer::sum);
        }
        return h;
    }

    private static Map<String, Integer> diff(Map<String, Integer> before, Map<String, Integer> after) {
        Map<String, Integer> d = new TreeMap<>();
        after.forEach((k, v) -> {
            int delta = v - before.getOrDefault(k, 0);
            if (delta != 0) {
                d.put(k, delta);
            }
        });
        return d;
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount).filter(c -> c > 0).sum();
    }

    private static long gcTimeMs() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(c -> c > 0).sum();
    }

    /** A {@code /proc/self/status} field in kB, or -1 where there is no such file. */
    static long procStatusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or an unexpected format
        }
        return -1;
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static String machine() {
        return "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                + Runtime.getRuntime().availableProcessors() + " CPUs, max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB";
    }
}

package dev.reacher.server.bench;

import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.server.WorkerMain;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.job.JobProgress;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.task.ProxyCredentials;
import dev.reacher.server.testing.ChildJvm;
import dev.reacher.server.testing.MailFixture;
import dev.reacher.server.testing.Services;
import dev.reacher.server.worker.WorkerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A bulk job against the local SMTP/DNS fixture, end to end: {@code --mode=scale} (default) publishes
 * from this JVM to RabbitMQ and N {@link WorkerMain} JVMs verify and store in PostgreSQL;
 * {@code --mode=single} runs the single-machine default (SQLite + embedded queue) in this JVM.
 * Prints throughput and the peak RSS (VmHWM) of every process. Run through {@code scripts/bench-bulk.sh}.
 *
 * <p>Proxy pool options (scale mode): {@code --proxies=3} routes through that many real microsocks
 * (outgoing addresses 127.0.0.41…), {@code --limit=N} sets each one's {@code max_requests_per_second},
 * {@code --fleet=on|off} the shared pool state ({@code RCH__PROXY_POOL__FLEET__ENABLED}); the SMTP
 * fixture's sessions per second per proxy are printed. {@code --mode=budget} times the shared
 * budget alone: acquire + release against PostgreSQL, {@code --concurrency} callers.
 */
public final class BulkBenchmark {
    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new HashMap<>();
        for (String a : args) {
            flags.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        int n = Integer.parseInt(flags.getOrDefault("addresses", "100000"));
        int workers = Integer.parseInt(flags.getOrDefault("workers", "2"));
        int concurrency = Integer.parseInt(flags.getOrDefault("concurrency", "64"));
        String mode = flags.getOrDefault("mode", "scale");
        int proxyCount = Integer.parseInt(flags.getOrDefault("proxies", "0"));
        String limit = flags.get("limit");
        String fleet = flags.getOrDefault("fleet", "on");
        if (mode.equals("budget")) {
            budget(n, concurrency);
            return;
        }
        List<dev.reacher.testkit.Microsocks> socks = new ArrayList<>();
        for (int i = 0; i < proxyCount; i++) {
            socks.add(dev.reacher.testkit.Microsocks.builder().bindAddress("127.0.0." + (41 + i)).start());
        }

        try (MailFixture mail = MailFixture.start(); EmailVerifier verifier = mail.verifier()) {
            long t0 = System.nanoTime();
            List<String> emails = mail.addresses("bench", n);
            System.out.printf("fixture: %d addresses scripted in %d ms%n", n, (System.nanoTime() - t0) / 1_000_000);
            if (mode.equals("create")) {
                createOnly(emails);
                return;
            }
            if (mode.equals("direct")) {
                direct(verifier, mail, emails, concurrency);
                return;
            }
            List<ChildJvm> children = new ArrayList<>();
            String schema = null;
            String queue = Services.freshQueue("check_email.bench");
            BulkStack stack;
            if (mode.equals("single")) {
                Path db = Files.createTempDirectory("bench").resolve("reacher.db");
                stack = BulkStack.open(StorageSettings.sqlite(db), WorkerSettings.defaults().withConcurrency(concurrency),
                        verifier, ProxyCredentials.none(), mail.template());
            } else {
                schema = Services.freshSchema("bench");
                stack = BulkStack.open(StorageSettings.postgres(Services.POSTGRES_URL).withSchema(schema),
                        WorkerSettings.defaults().withRabbitmq(Services.RABBITMQ_URL).withQueueName(queue).withConsume(false),
                        verifier, ProxyCredentials.none(), mail.template());
                for (int i = 0; i < workers; i++) {
                    // `reacher worker` as an operator runs it: configuration from RCH__ variables.
                    Map<String, String> env = new HashMap<>(java.util.Map.of(
                            "RCH__WORKER__ENABLE", "true",
                            "RCH__WORKER__RABBITMQ__URL", Services.RABBITMQ_URL,
                            "RCH__WORKER__RABBITMQ__QUEUE", queue,
                            "RCH__WORKER__RABBITMQ__CONCURRENCY", Integer.toString(concurrency),
                            "RCH__STORAGE__POSTGRES__DB_URL", Services.POSTGRES_URL,
                            "RCH__STORAGE__POSTGRES__SCHEMA", schema,
                            "RCH__DNS__SERVERS", mail.dns.address(),
                            "RCH__BACKEND_NAME", "bench-" + i));
                    if (!socks.isEmpty()) {
                        env.put("RCH__PROXY_POOL__ENABLED", "true");
                        env.put("RCH__PROXY_POOL__FLEET__ENABLED", fleet.equals("on") ? "true" : "false");
                        env.put("RCH__DNS__PROXY_DNS", "local");
                        // The fixture is one destination: let every task of a worker have its session, so
                        // that the proxies' limits, not [smtp_politeness], set the rate measured here.
                        env.put("RCH__SMTP_POLITENESS__MAX_CONCURRENCY", Integer.toString(Math.max(5, concurrency)));
                        for (int p = 0; p < socks.size(); p++) {
                            String prefix = "RCH__OVERRIDES__PROXIES__P" + (p + 1) + "__";
                            env.put(prefix + "HOST", "127.0.0.1");
                            env.put(prefix + "PORT", Integer.toString(socks.get(p).port()));
                            if (limit != null) {
                                env.put(prefix + "MAX_REQUESTS_PER_SECOND", limit);
                            }
                        }
                    }
                    children.add(ChildJvm.start("bench-worker-" + i, "worker ready", env, WorkerMain.class));
                }
                for (ChildJvm c : children) {
                    c.awaitReady(Duration.ofSeconds(180)); // four cold JVMs on a busy 2-core machine take a while
                }
            }
            try (stack) {
                long start = System.nanoTime();
                long job = stack.bulk().createJob(emails, null);
                long created = System.nanoTime();
                System.out.printf("createJob: %d addresses stored in %d ms%n", n, (created - start) / 1_000_000);
                int last = 0;
                long lastAt = start;
                while (true) {
                    JobProgress p = stack.bulk().progress(job);
                    long now = System.nanoTime();
                    if (now - lastAt >= 5_000_000_000L || p.jobStatus() == JobProgress.Status.Completed) {
                        System.out.printf("  %6.1f s: %d/%d (%.0f/s over the last interval)%n", (now - start) / 1e9,
                                p.totalProcessed(), n, (p.totalProcessed() - last) / ((now - lastAt) / 1e9));
                        last = p.totalProcessed();
                        lastAt = now;
                    }
                    if (p.jobStatus() == JobProgress.Status.Completed) {
                        double secs = (now - start) / 1e9;
                        System.out.printf("RESULT mode=%s workers=%d concurrency=%d addresses=%d seconds=%.1f throughput=%.0f/s "
                                        + "summary=%s%n", mode, mode.equals("single") ? 1 : workers, concurrency, n, secs,
                                n / secs, p.summary());
                        break;
                    }
                    Thread.sleep(200);
                }
                if (!socks.isEmpty()) {
                    printRatesByProxy(mail, limit == null ? 0 : Integer.parseInt(limit));
                }
                for (ChildJvm c : children) {
                    System.out.printf("peak RSS %s (pid %d): %s%n", "worker", c.pid(), vmHwm(c.pid()));
                }
                System.out.printf("peak RSS driver (API + fixture, pid %d): %s%n", ProcessHandle.current().pid(),
                        vmHwm(ProcessHandle.current().pid()));
                for (ChildJvm c : children) {
                    c.stop(Duration.ofSeconds(30));
                }
                printFleetRoundTrips(children, n);
            } finally {
                if (schema != null) {
                    Services.dropSchema(schema);
                }
                for (var m : socks) {
                    m.close();
                }
            }
        }
        System.exit(0);
    }

    /**
     * Sessions per second at the SMTP fixture by peer address (one per proxy): after the first
     * second, and over the whole run less the bucket's first burst of {@code limit} sessions
     * ({@code (sessions - limit) / (last start - first start)}, the measure FleetProxyPoolTest asserts).
     */
    private static void printRatesByProxy(MailFixture mail, int limit) {
        Map<String, List<java.time.Instant>> by = new java.util.TreeMap<>();
        for (var s : mail.smtp.sessions()) {
            by.computeIfAbsent(s.peer().getHostAddress(), k -> new ArrayList<>()).add(s.at());
        }
        for (var e : by.entrySet()) {
            List<java.time.Instant> t = e.getValue();
            t.sort(null);
            java.time.Instant from = t.get(0).plusSeconds(1);
            List<java.time.Instant> after = t.stream().filter(x -> !x.isBefore(from)).toList();
            double secs = after.size() < 2 ? 0
                    : java.time.Duration.between(after.get(0), after.get(after.size() - 1)).toNanos() / 1e9;
            double span = java.time.Duration.between(t.get(0), t.get(t.size() - 1)).toNanos() / 1e9;
            System.out.printf("RATE peer=%s sessions=%d steady=%.2f/s (after the first second) beyond_burst=%.2f/s%n",
                    e.getKey(), t.size(), secs > 0 ? (after.size() - 1) / secs : Double.NaN,
                    span > 0 ? (t.size() - limit) / span : Double.NaN);
        }
    }

    /**
     * The workers' round trips to the fleet store, from the lines their shared-state parts log at
     * close ({@code fleet store round trips of …: total=N kind=trips/ms …}): per kind and per
     * verification, summed over the workers.
     */
    private static void printFleetRoundTrips(List<ChildJvm> children, int n) {
        Map<String, long[]> sum = new java.util.TreeMap<>();
        for (ChildJvm c : children) {
            for (String line : c.output()) {
                int at = line.indexOf("fleet store round trips of ");
                if (at < 0) {
                    continue;
                }
                for (String field : line.substring(line.indexOf(": total=", at) + 2).split(" ")) {
                    String[] kv = field.split("=");
                    if (kv.length != 2 || kv[0].equals("total")) {
                        continue;
                    }
                    String[] tm = kv[1].replace("ms", "").split("/");
                    long[] acc = sum.computeIfAbsent(kv[0], k -> new long[2]);
                    acc[0] += Long.parseLong(tm[0]);
                    acc[1] += Long.parseLong(tm[1]);
                }
            }
        }
        if (sum.isEmpty()) {
            return;
        }
        long trips = 0;
        long ms = 0;
        for (var e : sum.entrySet()) {
            trips += e.getValue()[0];
            ms += e.getValue()[1];
            System.out.printf("FLEET %s: %d round trips, %.3f per verification, %.3f ms per verification%n", e.getKey(),
                    e.getValue()[0], (double) e.getValue()[0] / n, (double) e.getValue()[1] / n);
        }
        System.out.printf("FLEET total: %d round trips = %.2f per verification; callers waited %.2f ms per verification%n",
                trips, (double) trips / n, (double) ms / n);
    }

    /** The shared budget alone: acquire + release of one proxy's slot, {@code concurrency} callers. */
    private static void budget(int n, int concurrency) throws Exception {
        String schema = Services.freshSchema("benchbudget");
        try (var state = dev.reacher.server.fleet.PostgresPoolState.open(Services.POSTGRES_URL, schema, "bench",
                Duration.ofSeconds(30), Duration.ofSeconds(5), false)) {
            List<dev.reacher.core.proxy.PoolProxy> proxies = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                proxies.add(new dev.reacher.core.proxy.PoolProxy("p" + i, new dev.reacher.core.socks5.ProxyConfig("127.0.0.1", 1080),
                        1, null, null, 1000, new dev.reacher.core.proxy.RateLimits(1_000_000, null, null, 1_000_000_000)));
            }
            for (int round = 0; round < 2; round++) {
                long rtBefore = state.roundTrips();
                java.util.concurrent.atomic.LongAdder nanos = new java.util.concurrent.atomic.LongAdder();
                java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
                long start = System.nanoTime();
                try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int c = 0; c < concurrency; c++) {
                        exec.execute(() -> {
                            int i;
                            while ((i = next.getAndIncrement()) < n) {
                                long t = System.nanoTime();
                                var a = state.tryAcquire(proxies.get(i % 3), true);
                                if (a instanceof dev.reacher.core.proxy.PoolState.Slot slot) {
                                    state.release(slot);
                                }
                                nanos.add(System.nanoTime() - t);
                            }
                        });
                    }
                }
                double secs = (System.nanoTime() - start) / 1e9;
                long trips = state.roundTrips() - rtBefore;
                System.out.printf("RESULT mode=budget round=%d pairs=%d concurrency=%d seconds=%.1f pairs_per_s=%.0f "
                                + "mean_ms_per_verification=%.3f round_trips_per_verification=%.2f (incl. background)%n",
                        round, n, concurrency, secs, n / secs, nanos.sum() / 1e6 / n, (double) trips / n);
            }
        } finally {
            Services.dropSchema(schema);
        }
        System.exit(0);
    }

    /** Only {@code createJob}'s storage step (job + items in one transaction), on both databases. */
    private static void createOnly(List<String> emails) throws Exception {
        String schema = Services.freshSchema("benchcreate");
        try (var pg = dev.reacher.server.storage.PostgresResultStore.open(Services.POSTGRES_URL, schema, 4, null);
                var lite = dev.reacher.server.storage.SqliteResultStore.open(
                        Files.createTempDirectory("benchcreate").resolve("reacher.db"), null)) {
            for (dev.reacher.server.storage.ResultStore store : List.<dev.reacher.server.storage.ResultStore>of(pg, lite)) {
                for (int round = 0; round < 2; round++) {
                    long t = System.nanoTime();
                    store.createJob(new dev.reacher.server.storage.NewJob(emails, "{}", null));
                    System.out.printf("RESULT mode=create store=%s addresses=%d ms=%d%n", store.getClass().getSimpleName(),
                            emails.size(), (System.nanoTime() - t) / 1_000_000);
                }
            }
        } finally {
            Services.dropSchema(schema);
        }
        System.out.printf("peak RSS (pid %d): %s%n", ProcessHandle.current().pid(), vmHwm(ProcessHandle.current().pid()));
        System.exit(0);
    }

    /** The ceiling: the same verifications in this JVM, no queue, no storage. */
    private static void direct(EmailVerifier verifier, MailFixture mail, List<String> emails, int concurrency)
            throws InterruptedException {
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(concurrency);
        java.util.concurrent.atomic.AtomicInteger safe = new java.util.concurrent.atomic.AtomicInteger();
        var template = mail.template();
        long start = System.nanoTime();
        try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (String e : emails) {
                slots.acquire();
                exec.execute(() -> {
                    try {
                        if (verifier.verify(template.withToEmail(e)).isReachable() == dev.reacher.core.verify.Reachable.SAFE) {
                            safe.incrementAndGet();
                        }
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("RESULT mode=direct concurrency=%d addresses=%d seconds=%.1f throughput=%.0f/s safe=%d%n",
                concurrency, emails.size(), secs, emails.size() / secs, safe.get());
        System.out.printf("peak RSS (pid %d): %s%n", ProcessHandle.current().pid(), vmHwm(ProcessHandle.current().pid()));
        System.exit(0);
    }

    private static String vmHwm(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmHWM"))
                    .findFirst().map(l -> l.replaceAll("\\s+", " ").substring(7)).orElse("?");
        } catch (Exception e) {
            return "?";
        }
    }
}

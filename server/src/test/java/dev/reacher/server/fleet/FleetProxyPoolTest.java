package dev.reacher.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.proxy.ProxyStatus;
import dev.reacher.core.proxy.RateLimits;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.server.WorkerMain;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.job.JobProgress;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.task.ProxyCredentials;
import dev.reacher.server.testing.ChildJvm;
import dev.reacher.server.testing.MailFixture;
import dev.reacher.server.testing.Services;
import dev.reacher.server.worker.WorkerSettings;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fleet-wide pool with real processes: an API node in this JVM that publishes, {@code reacher
 * worker} processes ({@link WorkerMain}) configured only through {@code RCH__} variables as
 * docs/scaling.md says, the machine's RabbitMQ and PostgreSQL, three real microsocks binding their
 * outgoing connections to 127.0.0.31-33, and an SMTP fixture that records each session's peer
 * address and start time. Each test has its own schema (so its own fleet state) and queue.
 */
class FleetProxyPoolTest {
    private static final Map<String, String> BIND = Map.of("p1", "127.0.0.31", "p2", "127.0.0.32", "p3", "127.0.0.33");
    private static final String BLACKLISTED = "554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org";

    private static MailFixture mail;
    private static final Map<String, Microsocks> proxies = new HashMap<>();
    private static final HttpClient http = HttpClient.newHttpClient();

    private String schema;
    private String queue;
    private BulkStack api;
    private final List<ChildJvm> workers = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startPeers() throws Exception {
        Services.requirePostgres();
        Services.requireRabbitmq();
        mail = MailFixture.start();
        for (var e : BIND.entrySet()) {
            proxies.put(e.getKey(), Microsocks.builder().bindAddress(e.getValue()).start());
        }
    }

    @AfterAll
    static void stopPeers() throws Exception {
        for (Microsocks m : proxies.values()) {
            m.close();
        }
        mail.close();
    }

    @BeforeEach
    void freshFleet() {
        schema = Services.freshSchema("fleetp");
        queue = Services.freshQueue("check_email.fleet");
        api = BulkStack.open(StorageSettings.postgres(Services.POSTGRES_URL).withSchema(schema),
                WorkerSettings.defaults().withRabbitmq(Services.RABBITMQ_URL).withQueueName(queue).withConsume(false),
                mail.verifier(), ProxyCredentials.none(), mail.template());
    }

    @AfterEach
    void stopFleet() throws Exception {
        for (ChildJvm w : workers) {
            w.close();
        }
        workers.clear();
        for (AutoCloseable c : closeables) {
            c.close();
        }
        closeables.clear();
        api.close();
        Services.dropSchema(schema);
        Services.deleteQueues(queue);
    }

    /** A worker with the three proxies in its pool, each with {@code perProxy} settings (e.g. MAX_REQUESTS_PER_SECOND). */
    private ChildJvm worker(String name, int concurrency, Map<String, String> perProxy, Map<String, String> extra)
            throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "RCH__WORKER__ENABLE", "true",
                "RCH__WORKER__RABBITMQ__URL", Services.RABBITMQ_URL,
                "RCH__WORKER__RABBITMQ__QUEUE", queue,
                "RCH__WORKER__RABBITMQ__CONCURRENCY", Integer.toString(concurrency),
                "RCH__WORKER__SHUTDOWN_GRACE_SECS", "5",
                "RCH__STORAGE__POSTGRES__DB_URL", Services.POSTGRES_URL,
                "RCH__STORAGE__POSTGRES__SCHEMA", schema,
                "RCH__DNS__SERVERS", mail.dns.address(),
                "RCH__DNS__PROXY_DNS", "local",
                "RCH__BACKEND_NAME", name));
        env.put("RCH__PROXY_POOL__ENABLED", "true");
        // Every address has the fixture's one MX host: without this, [smtp_politeness]'s default of 5
        // sessions per destination and process, not the proxies' slots, would cap each worker.
        env.put("RCH__SMTP_POLITENESS__MAX_CONCURRENCY", "64");
        for (String id : BIND.keySet()) {
            String prefix = "RCH__OVERRIDES__PROXIES__" + id.toUpperCase() + "__";
            env.put(prefix + "HOST", "127.0.0.1");
            env.put(prefix + "PORT", Integer.toString(proxies.get(id).port()));
            perProxy.forEach((k, v) -> env.put(prefix + k, v));
        }
        env.putAll(extra);
        ChildJvm w = ChildJvm.start(name, "worker ready", env, WorkerMain.class);
        workers.add(w);
        return w;
    }

    private static ChildJvm ready(ChildJvm w) throws InterruptedException {
        return w.awaitReady(Duration.ofSeconds(180)); // the machine may be busy with other builds
    }

    private void awaitCompleted(long job, Duration timeout) {
        await().atMost(timeout.toSeconds(), TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                .until(() -> api.bulk().progress(job).jobStatus() == JobProgress.Status.Completed);
    }

    private void assertOneResultPerItem(long job, int n) {
        assertThat(Services.queryLong(schema, "SELECT COUNT(DISTINCT item_index) FROM v1_task_result WHERE job_id = " + job))
                .isEqualTo(n);
        assertThat(Services.queryLong(schema, "SELECT COUNT(*) FROM v1_task_result WHERE job_id = " + job)).isEqualTo(n);
    }

    /** Sessions the SMTP fixture saw for addresses with this prefix, by proxy id (peer address). */
    private static Map<String, List<Instant>> sessionsByProxy(String prefix) {
        Map<String, List<Instant>> by = new HashMap<>();
        for (ScriptedSmtpServer.Session s : mail.smtp.sessions()) {
            if (s.commands().stream().noneMatch(c -> c.contains("-" + prefix + "-"))) {
                continue;
            }
            String id = BIND.entrySet().stream().filter(e -> e.getValue().equals(s.peer().getHostAddress()))
                    .map(Map.Entry::getKey).findFirst().orElse("direct " + s.peer());
            by.computeIfAbsent(id, k -> new ArrayList<>()).add(s.at());
        }
        by.values().forEach(l -> l.sort(null));
        return by;
    }

    /**
     * Sessions per second beyond the bucket's first burst: a full bucket lets {@code limit} sessions
     * start at once, and after that at most {@code limit} per second, so over the whole run
     * {@code (sessions - limit) / (last start - first start)} may not exceed the limit. Taken over
     * the whole run (about twenty seconds) so that one late session start on a busy machine moves it little.
     */
    private static double rateBeyondBurst(List<Instant> times, int limit) {
        double seconds = Duration.between(times.get(0), times.get(times.size() - 1)).toNanos() / 1e9;
        return (times.size() - limit) / seconds;
    }

    /**
     * Runs one job through the ready workers (answering /metrics on {@code ports}) and checks every
     * proxy's steady rate at the SMTP server.
     */
    private void runUnderALimit(List<Integer> ports, String prefix, int limit) throws Exception {
        int workerCount = ports.size();
        double[] waitsBefore = new double[workerCount];
        double[] picksBefore = new double[workerCount];
        for (int i = 0; i < workerCount; i++) {
            waitsBefore[i] = metric(ports.get(i), "reacher_proxy_budget_waits_total", null);
            picksBefore[i] = picks(ports.get(i));
        }
        int n = 3 * limit * 20; // about twenty seconds at the fleet's limit
        long job = api.bulk().createJob(mail.addresses(prefix, n), null);
        awaitCompleted(job, Duration.ofSeconds(180));
        assertOneResultPerItem(job, n);
        for (int i = 0; i < workerCount; i++) {
            // Every worker took part and found the proxies out of budget: the fleet wanted more than
            // the limits allow, so the limits (not the machine's speed) set the rate below. Without
            // sharing, each worker would have had the whole limit to itself.
            assertThat(picks(ports.get(i))).as("picks of worker %d", i).isGreaterThan(picksBefore[i]);
            assertThat(metric(ports.get(i), "reacher_proxy_budget_waits_total", null)).as("budget waits of worker %d", i)
                    .isGreaterThan(waitsBefore[i]);
        }
        Map<String, List<Instant>> seen = sessionsByProxy(prefix);
        assertThat(seen).containsOnlyKeys("p1", "p2", "p3");
        for (var e : seen.entrySet()) {
            double rate = rateBeyondBurst(e.getValue(), limit);
            System.out.printf("%s: %.2f sessions/s with %d workers (limit %d)%n", e.getKey(), rate, workerCount, limit);
            // What the fleet state guarantees: together the workers keep a proxy's limit. Each
            // wanted more than its share (budget waits above), so without sharing this would be
            // N × limit (2× or 4×). The 25 % margin is for session starts that the SMTP fixture
            // sees later than the budget was taken, on a machine shared with other builds; how close
            // to the limit the fleet gets is measured in docs/benchmarks.md, not asserted here.
            assertThat(rate).as("sessions/s through %s with %d workers", e.getKey(), workerCount)
                    .isLessThanOrEqualTo(limit * 1.25);
        }
    }

    private static double picks(int port) throws IOException, InterruptedException {
        return metric(port, "reacher_proxy_picks_total", "p1") + metric(port, "reacher_proxy_picks_total", "p2")
                + metric(port, "reacher_proxy_picks_total", "p3");
    }

    /** A worker for the rate test, answering /metrics on {@code port}. */
    private ChildJvm rateWorker(String name, int port, Map<String, String> perProxy) throws Exception {
        return worker(name, 16, perProxy, Map.of("RCH__WORKER__HTTP_PORT", Integer.toString(port)));
    }

    @Test
    void twoWorkersAndThenFourKeepEachProxysRateLimitTogether() throws Exception {
        // A low limit and ample concurrency, so that the fleet wants more than the limit even when the
        // machine is busy (a verification then takes seconds) and the limit alone sets the rate.
        int limit = 2;
        Map<String, String> perProxy = Map.of("MAX_REQUESTS_PER_SECOND", Integer.toString(limit));
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ports.add(LoopbackPorts.freePort());
        }
        List<ChildJvm> first = List.of(rateWorker("rate-w0", ports.get(0), perProxy),
                rateWorker("rate-w1", ports.get(1), perProxy));
        for (ChildJvm w : first) {
            ready(w);
        }
        runUnderALimit(ports.subList(0, 2), "ratetwo", limit); // each alone: 2/s per proxy, 4/s together
        List<ChildJvm> more = List.of(rateWorker("rate-w2", ports.get(2), perProxy),
                rateWorker("rate-w3", ports.get(3), perProxy));
        for (ChildJvm w : more) {
            ready(w);
        }
        runUnderALimit(ports, "ratefour", limit);
    }

    @Test
    void aWorkerKilledWhileHoldingSlotsFreesThemWithinTheLeaseTtl() throws Exception {
        Map<String, String> perProxy = Map.of("MAX_IN_FLIGHT", "2");
        Map<String, String> ttl = Map.of("RCH__PROXY_POOL__FLEET__LEASE_TTL_SECS", "6");
        ChildJvm a = worker("kill-a", 8, perProxy, ttl);
        ChildJvm b = worker("kill-b", 8, perProxy, ttl);
        ready(a);
        ready(b);
        int n = 24;
        long job = api.bulk().createJob(mail.addresses("kill", n, Duration.ofMillis(2500)), null);
        // Wait until the killed worker holds slots (every slot of the fleet is taken: 3 proxies × 2).
        await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50)).until(() ->
                leases("kill-a@%") > 0 && leases("%") == 6);
        a.kill(); // SIGKILL: no graceful release
        Instant killed = Instant.now();
        long heldByA = leases("kill-a@%");
        assertThat(heldByA).isPositive();
        // The dead worker's slots are taken over by the live one within the TTL (6 s) plus its one-second poll.
        await().atMost(10, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(100)).until(() -> leases("kill-b@%") == 6);
        Duration freed = Duration.between(killed, Instant.now());
        assertThat(freed).isLessThan(Duration.ofSeconds(6 + 2)); // the TTL, plus polling
        assertThat(leases("kill-a@%")).isZero();
        awaitCompleted(job, Duration.ofSeconds(90));
        assertOneResultPerItem(job, n);
    }

    /** Live (unexpired) leases whose holder matches the SQL LIKE pattern. */
    private long leases(String holderLike) {
        return Services.queryLong(schema, "SELECT COUNT(*) FROM fleet_proxy_lease WHERE expires_at > clock_timestamp() "
                + "AND holder LIKE '" + holderLike + "'");
    }

    @Test
    void aBlacklistFoundByOneWorkerIsAvoidedByTheOther() throws Exception {
        int portA = LoopbackPorts.freePort();
        int portB = LoopbackPorts.freePort();
        ChildJvm a = worker("bl-a", 4, Map.of(), Map.of("RCH__WORKER__HTTP_PORT", Integer.toString(portA)));
        ChildJvm b = worker("bl-b", 4, Map.of(), Map.of("RCH__WORKER__HTTP_PORT", Integer.toString(portB)));
        ready(a);
        ready(b);
        InetAddress p1 = InetAddress.getByName(BIND.get("p1"));
        // Phase 1: one address, so one worker: its round robin starts at p1, which is blacklisted.
        List<String> first = mail.addresses("blfirst", 1);
        mail.smtp.onRcptFrom(first.get(0), p1, Reply.lines(BLACKLISTED));
        long job1 = api.bulk().createJob(first, null);
        awaitCompleted(job1, Duration.ofSeconds(30));
        assertThat(Services.queryLong(schema, "SELECT COUNT(*) FROM fleet_proxy_health WHERE proxy_id = 'p1' "
                + "AND scope <> '' AND until > clock_timestamp()")).isEqualTo(1);
        assertThat(sessionsByProxy("blfirst")).containsKeys("p1");
        double picksA = metric(portA, "reacher_proxy_picks_total", "p1");
        double picksB = metric(portB, "reacher_proxy_picks_total", "p1");
        assertThat(picksA + picksB).isEqualTo(1); // exactly one worker went through p1

        // Phase 2: many addresses through both workers; p1 would be blacklisted for each of them.
        List<String> second = mail.addresses("blsecond", 60, Duration.ofMillis(20));
        second.forEach(e -> mail.smtp.onRcptFrom(e, p1, Reply.lines(BLACKLISTED)));
        double allA = metric(portA, "reacher_proxy_picks_total", "p2") + metric(portA, "reacher_proxy_picks_total", "p3");
        double allB = metric(portB, "reacher_proxy_picks_total", "p2") + metric(portB, "reacher_proxy_picks_total", "p3");
        long job2 = api.bulk().createJob(second, null);
        awaitCompleted(job2, Duration.ofSeconds(60));
        assertOneResultPerItem(job2, 60);
        assertThat(sessionsByProxy("blsecond")).doesNotContainKey("p1").containsKeys("p2", "p3");
        assertThat(metric(portA, "reacher_proxy_picks_total", "p2") + metric(portA, "reacher_proxy_picks_total", "p3"))
                .isGreaterThan(allA); // both workers worked in phase 2
        assertThat(metric(portB, "reacher_proxy_picks_total", "p2") + metric(portB, "reacher_proxy_picks_total", "p3"))
                .isGreaterThan(allB);
        assertThat(api.bulk().progress(job2).summary().totalUnknown()).isZero();
    }

    @Test
    void anEjectionIsHonouredByEveryProcessWithinASecondAndShownWithWhoAndUntil() throws Exception {
        int portA = LoopbackPorts.freePort();
        int portB = LoopbackPorts.freePort();
        Map<String, String> oneFault = Map.of("RCH__PROXY_POOL__EJECTION__CONSECUTIVE_FAILURES", "1",
                "RCH__PROXY_POOL__EJECTION__BASE_EJECTION_MS", "60000");
        Map<String, String> envA = new HashMap<>(oneFault);
        envA.put("RCH__WORKER__HTTP_PORT", Integer.toString(portA));
        Map<String, String> envB = new HashMap<>(oneFault);
        envB.put("RCH__WORKER__HTTP_PORT", Integer.toString(portB));
        ChildJvm a = worker("ej-a", 4, Map.of(), envA);
        ChildJvm b = worker("ej-b", 4, Map.of(), envB);
        // An API node's view of the same fleet (what GET /v1/proxies and /metrics of any node read).
        PostgresPoolState apiState = PostgresPoolState.open(Services.POSTGRES_URL, schema, "api-node", Duration.ofSeconds(30),
                Duration.ofSeconds(5), false);
        closeables.add(apiState);
        List<PoolProxy> members = new ArrayList<>();
        for (String id : List.of("p1", "p2", "p3")) {
            members.add(new PoolProxy(id, new ProxyConfig("127.0.0.1", proxies.get(id).port()), 1, null, null, null,
                    RateLimits.NONE));
        }
        ProxyPool apiPool = ProxyPool.create(members, PoolSettings.enabled("round_robin").withEjection(
                new PoolSettings.Ejection(1, Duration.ofSeconds(60), Duration.ofMinutes(5))), apiState);
        java.util.concurrent.atomic.AtomicReference<Instant> heard = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Instant> until = new java.util.concurrent.atomic.AtomicReference<>();
        apiPool.addListener(new dev.reacher.core.proxy.PoolListener() {
            @Override
            public void ejected(String proxyId, Instant ejectedUntil) {
                heard.compareAndSet(null, Instant.now());
                until.compareAndSet(null, ejectedUntil);
            }
        });
        ready(a);
        ready(b);
        Microsocks p1 = proxies.get("p1");
        p1.stop(); // every attempt through p1 is now a proxy fault
        try {
            long job = api.bulk().createJob(mail.addresses("eject", 1), null);
            await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(10)).until(() -> Services.queryLong(schema,
                    "SELECT COUNT(*) FROM fleet_proxy_health WHERE proxy_id = 'p1' AND scope = ''") == 1);
            // The ejector set the end 60 s after its decision: that is when the event was made (same machine clock).
            await().atMost(5, TimeUnit.SECONDS).until(() -> heard.get() != null);
            Duration latency = Duration.between(until.get().minusSeconds(60), heard.get());
            assertThat(latency).as("ejection made → heard by another process").isLessThan(Duration.ofSeconds(1));
            // Both workers honour it: exactly one of them ever went through p1.
            // (A generous bound: on a busy machine a cold worker's first /metrics answer alone can take seconds.)
            await().atMost(20, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50)).until(() ->
                    metric(portA, "reacher_proxy_ejected", "p1") == 1 && metric(portB, "reacher_proxy_ejected", "p1") == 1);
            assertThat(metric(portA, "reacher_proxy_picks_total", "p1") + metric(portB, "reacher_proxy_picks_total", "p1"))
                    .isEqualTo(1);
            await().atMost(1, TimeUnit.SECONDS).until(() -> status(apiPool, "p1").state() == ProxyStatus.State.EJECTED);
            ProxyStatus view = status(apiPool, "p1");
            assertThat(view.ejectedBy()).matches("ej-[ab]@.+/\\d+");
            assertThat(Instant.parse(view.ejectedUntil())).isEqualTo(until.get()); // the ejector's 60 s, as it set them
            awaitCompleted(job, Duration.ofSeconds(30));
            assertThat(api.bulk().progress(job).summary().totalSafe()).isEqualTo(1); // failed over to p2
        } finally {
            p1.start();
        }
    }

    @Test
    void whileTheSharedStoreFailsAWorkerHoldsItsTasksSaysWhyAndResumesWithNothingLost() throws Exception {
        int port = LoopbackPorts.freePort();
        ChildJvm w = ready(worker("pause-a", 4, Map.of("MAX_REQUESTS_PER_SECOND", "50"),
                Map.of("RCH__WORKER__HTTP_PORT", Integer.toString(port))));
        int n = 60;
        long job = api.bulk().createJob(mail.addresses("pause", n, Duration.ofMillis(100)), null);
        await().atMost(60, TimeUnit.SECONDS).until(() -> api.bulk().progress(job).totalProcessed() >= 8);
        // The store fails: every statement on the lease table errors, as with a lost database.
        Services.execute(schema, "ALTER TABLE fleet_proxy_lease RENAME TO fleet_proxy_lease_away");
        try {
            await().atMost(10, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(100)).until(() -> readyz(port).statusCode() == 503);
            assertThat(readyz(port).body()).contains("\"proxy_state\":\"unavailable: ");
            int held = api.bulk().progress(job).totalProcessed();
            Thread.sleep(3000); // (a check that nothing moves: no deterministic event to wait for)
            assertThat(api.bulk().progress(job).totalProcessed()).isLessThanOrEqualTo(held + 4); // at most those in hand
            assertThat(api.bulk().progress(job).totalProcessed()).isLessThan(n);
            assertThat(w.isAlive()).isTrue();
        } finally {
            Services.execute(schema, "ALTER TABLE fleet_proxy_lease_away RENAME TO fleet_proxy_lease");
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> readyz(port).statusCode() == 200);
        awaitCompleted(job, Duration.ofSeconds(60));
        assertOneResultPerItem(job, n);
        assertThat(api.bulk().progress(job).summary().totalUnknown()).isZero();
        assertThat(w.output()).anyMatch(l -> l.contains("paused, tasks are held until the proxy pool's shared state is back"));
    }

    private static HttpResponse<String> readyz(int port) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ProxyStatus status(ProxyPool pool, String id) {
        return pool.snapshot().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    /** One series of a worker's /metrics, tagged proxy=id (or untagged for a null id); 0 when absent. */
    private static double metric(int port, String name, String proxy) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String series = proxy == null ? "(?:\\{[^}]*})?" : "\\{[^}]*proxy=\"" + proxy + "\"[^}]*}";
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + series + " ([0-9.eE+-]+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}

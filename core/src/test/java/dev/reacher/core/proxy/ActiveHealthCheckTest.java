package dev.reacher.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.testkit.LoopbackPorts;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.RecordingTcpServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Active health checks against real microsocks processes: stopped, restarted, refusing a password. */
class ActiveHealthCheckTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final Recorder events = new Recorder();
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    /** Every pool event, as "kind id [detail]". */
    private static final class Recorder implements PoolListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void picked(String proxyId) {
            seen.add("picked " + proxyId);
        }

        @Override
        public void attemptEnded(String proxyId, Outcome outcome, Duration duration) {
            seen.add("attempt " + proxyId);
        }

        @Override
        public void ejected(String proxyId, Instant until) {
            seen.add("ejected " + proxyId);
        }

        @Override
        public void readmitted(String proxyId) {
            seen.add("readmitted " + proxyId);
        }

        @Override
        public void healthChecked(String proxyId, String result) {
            seen.add("probe " + proxyId + " " + result);
        }

        long count(String event) {
            return seen.stream().filter(event::equals).count();
        }
    }

    private Microsocks microsocks(Microsocks.Builder builder) {
        Microsocks m = builder.start();
        open.add(m);
        return m;
    }

    private static PoolSettings.HealthCheck fastChecks() {
        return PoolSettings.HealthCheck.every(Duration.ofMillis(200)).withTimeout(Duration.ofSeconds(2));
    }

    private ProxyPool pool(PoolSettings.HealthCheck checks, Collection<PoolProxy> members) {
        ProxyPool pool = ProxyPool.create(members, PoolSettings.enabled("round_robin").withHealthCheck(checks));
        pool.addListener(events);
        return pool;
    }

    private ActiveHealthCheck start(ProxyPool pool) {
        ActiveHealthCheck check = ActiveHealthCheck.start(pool);
        open.add(check);
        return check;
    }

    private static ProxyStatus status(ProxyPool pool, String id) {
        return pool.snapshot().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    private static PoolProxy member(String id, Microsocks m, String username, String password) {
        return PoolProxy.of(id, new ProxyConfig(m.host(), m.port(), username, password, 1_000L));
    }

    @Test
    void aStoppedProxyIsEjectedWithoutAVerificationAndReturnsWhenRestartedOnTheSamePort() {
        Microsocks p1 = microsocks(Microsocks.builder().credentials("alice", "s3cret"));
        ProxyPool pool = pool(fastChecks(), List.of(member("p1", p1, "alice", "s3cret")));
        start(pool);
        await().atMost(WAIT).until(() -> events.count("probe p1 passed") >= 1);
        assertThat(status(pool, "p1").state()).isEqualTo(ProxyStatus.State.HEALTHY);

        p1.stop();
        await().atMost(WAIT).until(() -> status(pool, "p1").state() == ProxyStatus.State.EJECTED);
        ProxyStatus ejected = status(pool, "p1");
        assertThat(ejected.lastError()).startsWith("health check: ").doesNotContain("s3cret");
        assertThat(pool.unavailableReason()).contains("p1");
        // Probes are no verifications: nothing was picked, no attempt ended, no fault counted.
        assertThat(events.seen).noneMatch(e -> e.startsWith("picked") || e.startsWith("attempt"));
        assertThat(ejected.picks()).isZero();
        assertThat(ejected.proxyFaults()).isZero();
        assertThat(events.seen).contains("probe p1 proxy_connect", "ejected p1");

        p1.start();
        await().atMost(WAIT).until(() -> status(pool, "p1").state() != ProxyStatus.State.EJECTED);
        // Back before its ejection time ran out (30 s by default), on trial until real traffic confirms it.
        assertThat(status(pool, "p1").state()).isEqualTo(ProxyStatus.State.TRIAL);
        assertThat(pool.unavailableReason()).isNull();
        Lease lease = (Lease) pool.rotation().pick(Provider.EVERYTHING_ELSE, "example.test",
                Set.of(), false);
        lease.report(Outcome.VERDICT, Duration.ofMillis(5));
        assertThat(status(pool, "p1").state()).isEqualTo(ProxyStatus.State.HEALTHY);
        assertThat(events.seen).contains("readmitted p1");
    }

    @Test
    void aWrongPasswordEjectsAtTheAuthenticationStepWithoutShowingThePassword() {
        Microsocks p1 = microsocks(Microsocks.builder().credentials("alice", "s3cret"));
        Microsocks p2 = microsocks(Microsocks.builder());
        ProxyPool pool = pool(fastChecks(), List.of(member("p1", p1, "alice", "wrong-pass"),
                member("p2", p2, null, null)));
        start(pool);
        await().atMost(WAIT).until(() -> status(pool, "p1").state() == ProxyStatus.State.EJECTED);
        assertThat(events.seen).contains("probe p1 auth");
        assertThat(status(pool, "p1").lastError()).contains("refused the username or password")
                .doesNotContain("wrong-pass");
        await().atMost(WAIT).until(() -> events.count("probe p2 passed") >= 2);
        assertThat(status(pool, "p2").state()).isEqualTo(ProxyStatus.State.HEALTHY);
        // Still ejected: each failed probe keeps it out until the next one can tell.
        await().atMost(WAIT).until(() -> events.count("probe p1 auth") >= 3);
        assertThat(status(pool, "p1").state()).isEqualTo(ProxyStatus.State.EJECTED);
        assertThat(status(pool, "p1").timesEjected()).isEqualTo(1);
    }

    @Test
    void withATargetTheProbeAlsoConnectsThroughTheProxyAndARefusedTargetEjects() {
        Microsocks p1 = microsocks(Microsocks.builder());
        RecordingTcpServer target = RecordingTcpServer.start();
        open.add(target);
        ProxyPool pool = pool(fastChecks().withTarget(target.host(), target.port()), List.of(member("p1", p1, null, null)));
        start(pool);
        await().atMost(WAIT).until(() -> events.count("probe p1 passed") >= 1);
        assertThat(target.awaitPeer(WAIT)).isNotNull();

        int closedPort = LoopbackPorts.freePort();
        ProxyPool refused = pool(fastChecks().withTarget("127.0.0.1", closedPort), List.of(member("p9", p1, null, null)));
        start(refused);
        await().atMost(WAIT).until(() -> status(refused, "p9").state() == ProxyStatus.State.EJECTED);
        assertThat(events.seen).contains("probe p9 connect");
    }

    @Test
    void probesTakeNoRequestBudget() {
        Microsocks p1 = microsocks(Microsocks.builder());
        PoolProxy limited = new PoolProxy("p1", new ProxyConfig(p1.host(), p1.port()), 1, null, null, 1,
                new RateLimits(null, null, null, 1));
        ProxyPool pool = pool(fastChecks(), List.of(limited));
        start(pool);
        await().atMost(WAIT).until(() -> events.count("probe p1 passed") >= 3);

        ProxyPool.Pick first = pool.rotation().pick(Provider.EVERYTHING_ELSE, "example.test", Set.of(), false);
        assertThat(first).isInstanceOf(Lease.class); // the day's one request is still there
        assertThat(pool.rotation().pick(Provider.EVERYTHING_ELSE, "example.test", Set.of(), false))
                .isInstanceOf(ProxyPool.Exhausted.class); // max_in_flight 1, taken by the lease
        ((Lease) first).report(Outcome.VERDICT, Duration.ofMillis(5));
        assertThat(pool.rotation().pick(Provider.EVERYTHING_ELSE, "example.test", Set.of(), false))
                .isInstanceOf(ProxyPool.Exhausted.class); // and now the day's budget is used up
        assertThat(status(pool, "p1").picks()).isEqualTo(1);
    }

    @Test
    void aReloadedMemberIsProbedAndCloseStopsTheLoop() {
        Microsocks p1 = microsocks(Microsocks.builder());
        Microsocks p2 = microsocks(Microsocks.builder());
        ProxyPool pool = pool(fastChecks(), List.of(member("p1", p1, null, null)));
        ActiveHealthCheck check = start(pool);
        await().atMost(WAIT).until(() -> events.count("probe p1 passed") >= 1);

        pool.reload(List.of(member("p2", p2, null, null)));
        await().atMost(WAIT).until(() -> events.count("probe p2 passed") >= 1);

        check.close();
        assertThat(check.running()).isFalse();
        long probes = events.seen.stream().filter(e -> e.startsWith("probe")).count();
        p2.stop(); // a running loop would now eject p2
        assertThat(status(pool, "p2").state()).isEqualTo(ProxyStatus.State.HEALTHY);
        assertThat(events.seen.stream().filter(e -> e.startsWith("probe")).count()).isEqualTo(probes);
    }

    @Test
    void disabledStartsNothing() {
        Microsocks p1 = microsocks(Microsocks.builder());
        ProxyPool pool = pool(PoolSettings.HealthCheck.OFF, List.of(member("p1", p1, null, null)));
        ActiveHealthCheck check = start(pool);
        assertThat(check.running()).isFalse();
        check.close();
    }
}

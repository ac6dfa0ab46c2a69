package dev.reacher.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.Lease;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.proxy.ProxyStatus;
import dev.reacher.core.proxy.RateLimits;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.server.metrics.ServerMetrics;
import dev.reacher.server.testing.Services;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two pools on one fleet store, as two processes: what one decides, the other's pool and metrics show. */
class FleetPoolsTest {
    private String schema;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void schema() {
        Services.requirePostgres();
        schema = Services.freshSchema("fleetpools");
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        Services.dropSchema(schema);
    }

    private ProxyPool pool(String process) {
        PostgresPoolState state = PostgresPoolState.open(Services.POSTGRES_URL, schema, process, Duration.ofSeconds(30),
                Duration.ofSeconds(5), false);
        open.add(state);
        List<PoolProxy> members = new ArrayList<>();
        for (String id : List.of("p1", "p2")) {
            members.add(new PoolProxy(id, new ProxyConfig("127.0.0.1", 1080), 1, null, null, null, new RateLimits(10, null, null, null)));
        }
        return ProxyPool.create(members, PoolSettings.enabled("round_robin")
                .withEjection(new PoolSettings.Ejection(1, Duration.ofSeconds(60), Duration.ofMinutes(5))), state);
    }

    private static ProxyStatus status(ProxyPool pool, String id) {
        return pool.snapshot().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void anEjectionInOnePoolIsShownByTheOthersSnapshotAndMetrics() {
        ProxyPool a = pool("proc-a");
        ProxyPool b = pool("proc-b");
        ServerMetrics metricsB = new ServerMetrics();
        open.add(metricsB);
        metricsB.bindPool(b);
        Lease lease = (Lease) a.rotation().pick(Provider.EVERYTHING_ELSE, "example.test", Set.of(), false);
        assertThat(lease.proxy().id()).isEqualTo("p1");
        lease.report(Outcome.PROXY_FAULT, Duration.ofMillis(5));
        assertThat(status(a, "p1").state()).isEqualTo(ProxyStatus.State.EJECTED);

        await().atMost(1, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(10))
                .until(() -> status(b, "p1").state() == ProxyStatus.State.EJECTED);
        assertThat(status(b, "p1").ejectedBy()).isEqualTo("proc-a");
        assertThat(metricsB.scrape()).contains("reacher_proxy_ejected{proxy=\"p1\"} 1.0");
        // b no longer picks p1, and its fleet view shows the budget a used.
        Lease next = (Lease) b.rotation().pick(Provider.EVERYTHING_ELSE, "example.test", Set.of(), false);
        assertThat(next.proxy().id()).isEqualTo("p2");
        next.cancel();
    }
}

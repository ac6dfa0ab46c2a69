package dev.reacher.server.metrics;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.PoolListener;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.proxy.ProxyStatus;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The pool's Micrometer adapter, so that core needs no metrics library: a {@link PoolListener} that counts events,
 * plus gauges read from {@link ProxyPool#snapshot()} at scrape time. Every series is tagged with the
 * proxy id only (never its address or credentials):
 * <ul>
 *   <li>{@code reacher_proxy_picks_total}: the pool chose this proxy for an attempt;</li>
 *   <li>{@code reacher_proxy_attempts_seconds{outcome}}: attempt latency by outcome class
 *       ({@code verdict}, {@code proxy_fault}, {@code ip_blacklisted}, {@code greylisted},
 *       {@code target_fault});</li>
 *   <li>{@code reacher_proxy_faults_total{outcome}}: attempts that ended without a verdict, by class;</li>
 *   <li>{@code reacher_proxy_ejections_total}, {@code reacher_proxy_readmissions_total};</li>
 *   <li>{@code reacher_proxy_blacklist_hits_total{provider}};</li>
 *   <li>{@code reacher_proxy_budget_waits_total} (untagged): picks that found every usable proxy
 *       over its budget or {@code max_in_flight}, so the limits set the pace;</li>
 *   <li>{@code reacher_proxy_health_checks_total{result}}: active health check probes ({@code passed}, or the
 *       step that failed: {@code proxy_connect}, {@code greeting}, {@code auth}, {@code connect}); never
 *       verifications, so no pick, attempt or fault series moves for them;</li>
 *   <li>gauges {@code reacher_proxy_in_flight}, {@code reacher_proxy_ejected} (1 while ejected),
 *       {@code reacher_proxy_consecutive_failures}, {@code reacher_proxy_weight}, and
 *       {@code reacher_proxy_budget_left{period}} for each limited period.</li>
 * </ul>
 * With a fleet-wide pool state, in-flight, budget and ejection are the fleet's (the same on every
 * node), and {@code reacher_proxy_state_available} is 1 while the shared store can be used.
 */
public final class PoolMetrics implements PoolListener {
    private final MeterRegistry registry;
    private final Map<String, Counter> picks = new ConcurrentHashMap<>();
    private final Map<String, Counter> ejections = new ConcurrentHashMap<>();
    private final Map<String, Counter> readmissions = new ConcurrentHashMap<>();
    private final Counter budgetWaits;

    private final ProxyPool pool;
    private final java.util.Set<String> registered = ConcurrentHashMap.newKeySet();

    private PoolMetrics(ProxyPool pool, MeterRegistry registry) {
        this.pool = pool;
        this.registry = registry;
        this.budgetWaits = Counter.builder("reacher.proxy.budget.waits")
                .description("Picks that found no usable proxy with budget and a free slot (the verification waited or got 429)")
                .register(registry);
    }

    static PoolMetrics bind(ProxyPool pool, MeterRegistry registry) {
        PoolMetrics metrics = new PoolMetrics(pool, registry);
        pool.ids().forEach(metrics::register);
        if (pool.state().shared()) {
            Gauge.builder("reacher.proxy.state_available", pool, p -> p.stateProblem() == null ? 1 : 0)
                    .description("1 while the fleet's shared proxy state (PostgreSQL) can be used, else 0")
                    .register(registry);
        }
        pool.addListener(metrics);
        return metrics;
    }

    /** Registers one member's series up front, so dashboards see zeroes rather than missing series. */
    private void register(String id) {
        if (!registered.add(id)) {
            return;
        }
        picks.computeIfAbsent(id, i -> counter("reacher.proxy.picks", "Times the pool chose this proxy", i, registry));
        ejections.computeIfAbsent(id, i -> counter("reacher.proxy.ejections", "Times this proxy was ejected", i, registry));
        readmissions.computeIfAbsent(id, i -> counter("reacher.proxy.readmissions",
                "Times this proxy passed its trial after an ejection", i, registry));
        for (Outcome outcome : Outcome.values()) {
            attemptTimer(id, outcome);
            if (outcome != Outcome.VERDICT) {
                faultCounter(id, outcome);
            }
        }
        gauge(pool, registry, id, "reacher.proxy.in_flight", "Attempts in flight through this proxy",
                ProxyStatus::inFlight);
        gauge(pool, registry, id, "reacher.proxy.ejected", "1 while this proxy is ejected, else 0",
                s -> s.state() == ProxyStatus.State.EJECTED ? 1 : 0);
        gauge(pool, registry, id, "reacher.proxy.consecutive_failures", "Proxy faults since the last success",
                ProxyStatus::consecutiveFailures);
        gauge(pool, registry, id, "reacher.proxy.weight", "Configured weight", ProxyStatus::weight);
        ProxyStatus first = status(pool, id);
        if (first != null) {
            for (String period : first.budgetLeft().keySet()) {
                Gauge.builder("reacher.proxy.budget_left", pool, p -> {
                    ProxyStatus s = status(p, id);
                    Double left = s == null ? null : s.budgetLeft().get(period);
                    return left == null ? Double.NaN : left;
                }).description("Requests this proxy may still make in the period (fleet-wide when shared)")
                        .tags("proxy", id, "period", period).register(registry);
            }
        }
    }

    /** A reload added members: their series appear (a removed member's gauges read NaN). */
    @Override
    public void membersChanged(java.util.Set<String> ids) {
        ids.forEach(this::register);
    }

    private static void gauge(ProxyPool pool, MeterRegistry registry, String id, String name, String description,
            ToDoubleFunction<ProxyStatus> value) {
        Gauge.builder(name, pool, p -> {
            ProxyStatus s = status(p, id);
            return s == null ? Double.NaN : value.applyAsDouble(s);
        }).description(description).tag("proxy", id).register(registry);
    }

    private static ProxyStatus status(ProxyPool pool, String id) {
        for (ProxyStatus s : pool.snapshot()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        return null;
    }

    private static Counter counter(String name, String description, String id, MeterRegistry registry) {
        return Counter.builder(name).description(description).tag("proxy", id).register(registry);
    }

    private Timer attemptTimer(String id, Outcome outcome) {
        return Timer.builder("reacher.proxy.attempts").description("SMTP attempts through this proxy, by outcome class")
                .tags("proxy", id, "outcome", outcome.json()).register(registry);
    }

    private Counter faultCounter(String id, Outcome outcome) {
        return Counter.builder("reacher.proxy.faults").description("Attempts through this proxy that gave no verdict")
                .tags("proxy", id, "outcome", outcome.json()).register(registry);
    }

    @Override
    public void picked(String proxyId) {
        picks.computeIfAbsent(proxyId, id -> counter("reacher.proxy.picks", "Times the pool chose this proxy", id, registry))
                .increment();
    }

    @Override
    public void attemptEnded(String proxyId, Outcome outcome, Duration duration) {
        attemptTimer(proxyId, outcome).record(duration);
        if (outcome != Outcome.VERDICT) {
            faultCounter(proxyId, outcome).increment();
        }
    }

    @Override
    public void ejected(String proxyId, Instant until) {
        ejections.computeIfAbsent(proxyId, id -> counter("reacher.proxy.ejections", "Times this proxy was ejected", id,
                registry)).increment();
    }

    @Override
    public void readmitted(String proxyId) {
        readmissions.computeIfAbsent(proxyId, id -> counter("reacher.proxy.readmissions",
                "Times this proxy passed its trial after an ejection", id, registry)).increment();
    }

    @Override
    public void exhausted(Duration retryAfter) {
        budgetWaits.increment();
    }

    @Override
    public void healthChecked(String proxyId, String result) {
        Counter.builder("reacher.proxy.health_checks").description("Active health check probes of this proxy, by result")
                .tags("proxy", proxyId, "result", result).register(registry).increment();
    }

    @Override
    public void blacklisted(String proxyId, Provider provider, Instant until) {
        Counter.builder("reacher.proxy.blacklist.hits").description("Blacklist replies through this proxy, by provider")
                .tags("proxy", proxyId, "provider", provider.key()).register(registry).increment();
    }
}

package dev.reacher.server.metrics;

import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.verify.Reachable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.java21.instrument.binder.jdk.VirtualThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything {@code GET /metrics} exposes, in one Prometheus registry: HTTP requests, verifications
 * by endpoint and {@code is_reachable}, throttle refusals, the JVM (memory, GC, threads, virtual
 * threads, CPU, uptime), through {@link PoolMetrics} each proxy of the pool, and through
 * {@link BulkMetrics} the bulk queue and worker.
 *
 * <p>Names follow Micrometer's conventions; Prometheus sees for example
 * {@code http_server_requests_seconds_count}, {@code reacher_verifications_total} and
 * {@code reacher_proxy_picks_total}. Tags never carry addresses, hosts or credentials.
 */
public final class ServerMetrics implements AutoCloseable {
    /** The scrape's content type (Prometheus text format 0.0.4). */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final VirtualThreadMetrics virtualThreads = new VirtualThreadMetrics();
    private final AtomicInteger inFlight = new AtomicInteger();
    /**
     * The meters of the request path, looked up once: building a meter's id (tags sorted into a new
     * array) and finding it in the registry on every request cost more than recording it.
     */
    private final Map<HttpKey, Timer> httpTimers = new ConcurrentHashMap<>();
    private final Map<VerificationKey, Counter> verificationCounters = new ConcurrentHashMap<>();
    private final Map<VerificationKey, Timer> verificationTimers = new ConcurrentHashMap<>();

    private record HttpKey(String method, String route, int status) {}

    private record VerificationKey(String endpoint, String reachable) {}

    public ServerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        virtualThreads.bindTo(registry);
        registry.gauge("reacher.verifications.in_flight", inFlight);
        // Registered up front so that dashboards see zeroes rather than missing series.
        for (String result : new String[] {"applied", "failed"}) {
            reloadCounter(result);
        }
        for (String endpoint : new String[] {"v0", "v1"}) {
            for (Reachable r : Reachable.values()) {
                verificationCounter(endpoint, r.json());
            }
        }
    }

    /** {@code reacher_config_reloads_total{result}}: one reload ended, {@code applied} or {@code failed}. */
    public void configReload(String result) {
        reloadCounter(result).increment();
    }

    private Counter reloadCounter(String result) {
        return Counter.builder("reacher.config.reloads").description("Configuration reloads (SIGHUP or proxy list change), by result")
                .tag("result", result).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Binds the pool's events and state; call once, at startup. */
    public PoolMetrics bindPool(ProxyPool pool) {
        return PoolMetrics.bind(pool, registry);
    }

    /** Binds the bulk layer's queue and worker gauges; call once, at startup. */
    public void bindBulk(dev.reacher.server.bulk.BulkStack stack) {
        BulkMetrics.bind(stack, registry);
    }

    /** One finished HTTP request; {@code route} is the matched path template, never the raw path. */
    public void httpRequest(String method, String route, int status, Duration duration) {
        httpTimers.computeIfAbsent(new HttpKey(method, route, status), k -> Timer.builder("http.server.requests")
                        .description("HTTP requests by method, matched route and status")
                        .tags("method", k.method(), "uri", k.route(), "status", Integer.toString(k.status()),
                                "outcome", outcome(k.status()))
                        .register(registry))
                .record(duration);
    }

    /** Marks a verification as started; the returned handle records its end. */
    public Verification verificationStarted(String endpoint) {
        inFlight.incrementAndGet();
        return new Verification(endpoint, System.nanoTime());
    }

    /** A {@code /v1/check_email} refused with 429, by reason ({@code per_minute}, {@code proxy_budget}, …). */
    public void throttled(String reason) {
        Counter.builder("reacher.throttled").description("/v1/check_email requests refused: 429 (throttle, proxy_budget) or 503 (proxy_state)")
                .tag("reason", reason).register(registry).increment();
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    private Counter verificationCounter(String endpoint, String reachable) {
        return verificationCounters.computeIfAbsent(new VerificationKey(endpoint, reachable),
                k -> Counter.builder("reacher.verifications")
                        .description("Finished verifications by endpoint and is_reachable")
                        .tags("endpoint", endpoint, "is_reachable", reachable).register(registry));
    }

    private Timer verificationTimer(String endpoint, String reachable) {
        return verificationTimers.computeIfAbsent(new VerificationKey(endpoint, reachable),
                k -> Timer.builder("reacher.verification.duration")
                        .description("Time to verify one address")
                        .tags("endpoint", endpoint, "is_reachable", reachable.toLowerCase(Locale.ROOT))
                        .register(registry));
    }

    private static String outcome(int status) {
        return switch (status / 100) {
            case 1 -> "INFORMATIONAL";
            case 2 -> "SUCCESS";
            case 3 -> "REDIRECTION";
            case 4 -> "CLIENT_ERROR";
            case 5 -> "SERVER_ERROR";
            default -> "UNKNOWN";
        };
    }

    @Override
    public void close() {
        gc.close();
        virtualThreads.close();
        registry.close();
    }

    /** One verification in progress; end it exactly once. */
    public final class Verification {
        private final String endpoint;
        private final long start;
        private boolean ended;

        private Verification(String endpoint, long start) {
            this.endpoint = endpoint;
            this.start = start;
        }

        /** The verification finished with this verdict. */
        public void finished(Reachable reachable) {
            if (end()) {
                verificationCounter(endpoint, reachable.json()).increment();
                verificationTimer(endpoint, reachable.json()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        }

        /** No verdict (refused for proxy budget, or failed). */
        public void abandoned() {
            end();
        }

        private boolean end() {
            if (ended) {
                return false;
            }
            ended = true;
            inFlight.decrementAndGet();
            return true;
        }
    }
}

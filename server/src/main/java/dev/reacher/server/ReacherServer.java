package dev.reacher.server;

import dev.reacher.core.proxy.ActiveHealthCheck;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.http.ReacherApi;
import dev.reacher.server.http.ServerVersion;
import dev.reacher.server.metrics.ServerMetrics;
import dev.reacher.server.reload.LiveConfig;
import dev.reacher.server.reload.ReloadTriggers;
import dev.reacher.server.throttle.Throttle;
import io.javalin.Javalin;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running backend: one {@link ProxyPool}, one {@link EmailVerifier}, one {@link Throttle}, one
 * metrics registry and the Javalin server, all built from a {@link BackendConfig}. Requests are
 * handled on virtual threads; a verification holds no platform thread while it waits on a socket.
 *
 * <pre>{@code
 * BackendConfig config = ConfigLoader.load(null, System.getenv(), Path.of(""));
 * try (ReacherServer server = ReacherServer.start(config)) {
 *     server.awaitStop();
 * }
 * }</pre>
 *
 * {@link #stop()} is graceful: readiness turns 503, new connections are refused and requests in
 * flight (verifications included) get up to {@code shutdown_timeout} to finish.
 */
public final class ReacherServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReacherServer.class);

    private final BackendConfig config;
    private final LiveConfig live;
    private volatile ReloadTriggers reloads; // null until reloadOn
    private final ProxyPool pool;
    private final ActiveHealthCheck healthChecks;
    private final EmailVerifier verifier;
    private final ServerMetrics metrics;
    private final BulkStack bulk; // null when storage is off
    private final Javalin app;
    private final AtomicBoolean accepting = new AtomicBoolean(false);
    private final AtomicBoolean stopped = new AtomicBoolean(false);
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);
    private volatile int boundPort = -1;

    private ReacherServer(BackendConfig config) {
        this.config = config;
        this.live = LiveConfig.of(config);
        this.verifier = ProcessParts.verifier(config);
        this.pool = verifier.proxyPool();
        Throttle throttle = Throttle.of(config.throttle());
        try {
            // The in-process worker shares this throttle: one [throttle] budget for everything verified here.
            this.bulk = ProcessParts.bulk(live, verifier, throttle, false);
        } catch (RuntimeException e) {
            ProcessParts.close(verifier);
            throw e;
        }
        this.metrics = new ServerMetrics();
        metrics.bindPool(pool);
        this.healthChecks = ActiveHealthCheck.start(pool); // after the metrics bind, so every probe is counted
        if (bulk != null) {
            metrics.bindBulk(bulk);
        }
        ReacherApi api = new ReacherApi(config, live, verifier, throttle, bulk, metrics, accepting::get);
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.jetty.modifyServer(server -> server.setStopTimeout(config.shutdownTimeout().toMillis()));
            api.install(cfg);
        });
    }

    /**
     * Builds everything and starts listening on {@code http_host:http_port}.
     *
     * @throws RuntimeException when the port cannot be bound
     */
    public static ReacherServer start(BackendConfig config) {
        ReacherServer server = new ReacherServer(config);
        try {
            server.app.start(config.httpHost(), config.httpPort());
        } catch (RuntimeException e) {
            server.releaseResources();
            throw e;
        }
        server.boundPort = server.app.port();
        server.accepting.set(true);
        server.logStartup();
        return server;
    }

    private void logStartup() {
        for (String warning : config.warnings()) {
            LOG.warn(warning);
        }
        LOG.info("reacher-java {} (Reacher API {}) listening on http://{}:{} as backend \"{}\"",
                ServerVersion.IMPLEMENTATION_VERSION, ServerVersion.API_VERSION, hostForUrl(config.httpHost()), port(),
                config.backendName());
        LOG.info("configuration: {}", config.source() != null ? config.source() : "defaults and RCH__ variables");
        LOG.info("storage: {}; worker mode: {}", config.storage(), config.worker().enable() ? config.worker() : "off (embedded queue)");
        LOG.info("DNS: {}; proxies: {}; pool: {}; auth: {}; throttle: {}", config.dns(),
                config.proxies().isEmpty() ? "none" : String.join(", ", config.proxies().keySet()),
                config.poolSettings().enabled() ? config.poolSettings().strategy() : "off",
                config.authEnabled() ? "x-reacher-secret required" : "off",
                config.throttle().isUnlimited() ? "off" : config.throttle());
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** The bound port (useful with {@code http_port = 0}); still answers after {@link #stop()}. */
    public int port() {
        return boundPort;
    }

    public BackendConfig config() {
        return config;
    }

    /** The configuration verifications use now: {@link #config()} with what reloads have changed. */
    public BackendConfig liveConfig() {
        return live.get();
    }

    /**
     * Reloads the configuration on SIGHUP and whenever the proxy list file changes, reading it with
     * {@code loader} (the way the process read it at startup). Call once, after {@link #start}.
     */
    public void reloadOn(java.util.function.Supplier<BackendConfig> loader) {
        reloads = ProcessParts.watchForReloads(loader, live, verifier, metrics);
    }

    /** The process-wide proxy pool (empty when no proxy is configured). */
    public ProxyPool pool() {
        return pool;
    }

    /** Storage, queue and worker, or empty when storage is off. */
    public java.util.Optional<BulkStack> bulk() {
        return java.util.Optional.ofNullable(bulk);
    }

    /** True while the server accepts new requests ({@code /readyz} is 200). */
    public boolean isReady() {
        return accepting.get();
    }

    /**
     * Stops gracefully: stop accepting, let in-flight requests finish within {@code shutdown_timeout},
     * then release everything. Safe to call more than once and from a shutdown hook.
     */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        accepting.set(false);
        LOG.info("stopping: waiting up to {} s for requests in flight", config.shutdownTimeout().toSeconds());
        try {
            app.stop();
        } catch (RuntimeException e) {
            // Jetty gives up waiting after stopTimeout and reports it; the stop itself completed.
            LOG.warn("requests still in flight after {} s were cut off ({})", config.shutdownTimeout().toSeconds(),
                    e.getCause() != null ? e.getCause().getClass().getSimpleName() : e.getMessage());
        } finally {
            releaseResources();
            stoppedLatch.countDown();
            LOG.info("stopped");
        }
    }

    /** Blocks until {@link #stop()} has completed. */
    public void awaitStop() throws InterruptedException {
        stoppedLatch.await();
    }

    private void releaseResources() {
        if (reloads != null) {
            reloads.close();
        }
        healthChecks.close();
        if (bulk != null) {
            bulk.close(); // stops consuming; tasks in hand finish within worker.shutdown_grace_secs
        }
        ProcessParts.close(verifier);
        metrics.close();
    }

    @Override
    public void close() {
        stop();
    }
}

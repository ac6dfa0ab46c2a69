package dev.reacher.server;

import dev.reacher.core.proxy.ActiveHealthCheck;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.http.ReacherApi;
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
 * A worker process without HTTP ({@code reacher worker}): consumes the RabbitMQ queue with the same
 * configuration as the server (proxies and pool, DNS, {@code [throttle]}, storage), until
 * {@link #stop()}. Needs worker mode: on one machine the server's own worker already runs every
 * task, and the embedded database belongs to one process.
 */
public final class ReacherWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReacherWorker.class);

    private final EmailVerifier verifier;
    private final LiveConfig live;
    private volatile ReloadTriggers reloads; // null until reloadOn
    private final BulkStack stack;
    private final ActiveHealthCheck healthChecks;
    private final ServerMetrics metrics;
    private final Javalin http; // null without worker.http_port
    private final AtomicBoolean stopped = new AtomicBoolean(false);
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);

    private ReacherWorker(EmailVerifier verifier, LiveConfig live, BulkStack stack, ActiveHealthCheck healthChecks,
            ServerMetrics metrics, Javalin http) {
        this.verifier = verifier;
        this.live = live;
        this.stack = stack;
        this.healthChecks = healthChecks;
        this.metrics = metrics;
        this.http = http;
    }

    /**
     * Connects to PostgreSQL and RabbitMQ and starts consuming.
     *
     * @throws IllegalArgumentException when worker mode is off
     * @throws IllegalStateException when the database or the broker cannot be reached
     */
    public static ReacherWorker start(BackendConfig config) {
        if (!config.worker().enable()) {
            throw new IllegalArgumentException("a separate worker needs worker mode: set worker.enable = true "
                    + "(RCH__WORKER__ENABLE), worker.rabbitmq.url (RCH__WORKER__RABBITMQ__URL) and "
                    + "storage.postgres.db_url (RCH__STORAGE__POSTGRES__DB_URL); on one machine `reacher serve` "
                    + "runs bulk jobs itself");
        }
        EmailVerifier verifier = ProcessParts.verifier(config);
        LiveConfig live = LiveConfig.of(config);
        BulkStack stack;
        try {
            stack = ProcessParts.bulk(live, verifier, Throttle.of(config.throttle()), true);
        } catch (RuntimeException e) {
            ProcessParts.close(verifier);
            throw e;
        }
        ServerMetrics metrics = new ServerMetrics();
        metrics.bindPool(verifier.proxyPool());
        metrics.bindBulk(stack);
        ActiveHealthCheck healthChecks = ActiveHealthCheck.start(verifier.proxyPool()); // after the metrics bind
        Javalin http = null;
        if (config.worker().httpPort() != null) {
            try {
                http = startHttp(config, stack, metrics);
            } catch (RuntimeException e) {
                healthChecks.close();
                stack.close();
                ProcessParts.close(verifier);
                metrics.close();
                throw new IllegalStateException("cannot listen on " + config.httpHost() + ":" + config.worker().httpPort()
                        + " (worker.http_port): " + e.getMessage(), e);
            }
        }
        LOG.info("reacher-java worker \"{}\" consuming {} with concurrency {}{}", config.backendName(),
                config.worker().queueName(), config.worker().concurrency(),
                http == null ? "" : "; /healthz, /readyz and /metrics on port " + http.port());
        return new ReacherWorker(verifier, live, stack, healthChecks, metrics, http);
    }

    /** Probes and metrics for orchestrators: a worker has no API, but it must be watchable. */
    private static Javalin startHttp(BackendConfig config, BulkStack stack, ServerMetrics metrics) {
        Javalin app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.routes.get("/healthz", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
            cfg.routes.get("/readyz", ctx -> ReacherApi.writeReadiness(ctx, stack.health()));
            cfg.routes.get("/metrics", ctx -> ctx.contentType(ServerMetrics.CONTENT_TYPE).result(metrics.scrape()));
        });
        return app.start(config.httpHost(), config.worker().httpPort());
    }

    /** The port of {@code /healthz}, {@code /readyz} and {@code /metrics}, or -1 without {@code worker.http_port}. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /**
     * Reloads the configuration on SIGHUP and whenever the proxy list file changes, reading it with
     * {@code loader}. Call once, after {@link #start}.
     */
    public void reloadOn(java.util.function.Supplier<BackendConfig> loader) {
        reloads = ProcessParts.watchForReloads(loader, live, verifier, metrics);
    }

    /** Tasks finished so far by this process. */
    public long processed() {
        return stack.worker().map(w -> w.processed()).orElse(0L);
    }

    /** Stops taking tasks, finishes those in hand (worker.shutdown_grace_secs), then disconnects. Idempotent. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        LOG.info("stopping: finishing the tasks in hand");
        try {
            if (reloads != null) {
                reloads.close();
            }
            healthChecks.close();
            stack.close();
            ProcessParts.close(verifier);
            if (http != null) {
                http.stop(); // last, so that probes see the worker until it is gone
            }
            metrics.close();
        } finally {
            stoppedLatch.countDown();
            LOG.info("stopped");
        }
    }

    public void awaitStop() throws InterruptedException {
        stoppedLatch.await();
    }

    @Override
    public void close() {
        stop();
    }
}

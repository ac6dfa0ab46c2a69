package dev.reacher.server;

import dev.reacher.core.proxy.PoolState;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.smtp.Politeness;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.yahoo.YahooApi;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.fleet.PostgresCatchAllCache;
import dev.reacher.server.fleet.PostgresDestinationLimits;
import dev.reacher.server.fleet.PostgresPoolState;
import dev.reacher.server.metrics.ServerMetrics;
import dev.reacher.server.reload.ConfigReloader;
import dev.reacher.server.reload.LiveConfig;
import dev.reacher.server.reload.ReloadTriggers;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.throttle.Throttle;
import dev.reacher.server.worker.WorkerSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What {@link ReacherServer} and {@link ReacherWorker} both build from a configuration, built one way. */
final class ProcessParts {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessParts.class);
    /** Bound on every wait for the fleet store, so that an unreachable database fails calls, never hangs them. */
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(5);

    private ProcessParts() {}

    /**
     * Reloads on SIGHUP and proxy list changes: the configuration is read again by {@code loader}
     * and applied to {@code live} and the verifier's pool; each outcome is counted in {@code metrics}.
     *
     * @throws IllegalStateException when the proxy list file cannot be watched
     */
    static ReloadTriggers watchForReloads(Supplier<BackendConfig> loader, LiveConfig live, EmailVerifier verifier,
            ServerMetrics metrics) {
        ConfigReloader reloader = new ConfigReloader(loader, live, verifier.proxyPool(), metrics::configReload);
        try {
            return ReloadTriggers.start(reloader, live.get().proxyListFile());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot watch the proxy list " + live.get().proxyListFile() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The verifier: DNS servers, the proxy pool (empty without proxies), proxy DNS mode, browsers, Yahoo API,
     * and the per-destination session limits and catch-all cache of {@code [smtp_politeness]}. The pool's
     * state is this process's own, or the fleet's in PostgreSQL ({@code proxy_pool.fleet}); close
     * both with {@link #close(EmailVerifier)}.
     *
     * @throws IllegalStateException when the fleet's shared state cannot be opened
     */
    static EmailVerifier verifier(BackendConfig config) {
        PoolState state = poolState(config);
        ProxyPool pool = ProxyPool.create(config.proxies().values(), config.poolSettings(), state);
        EmailVerifier.Builder builder = EmailVerifier.builder()
                .dnsServers(config.dns())
                .proxyDns(config.proxyDns())
                .proxyPool(pool)
                .headless(config.headless())
                .yahooApi(new YahooApi(config.yahooApi()))
                .politeness(config.politeness());
        if (state instanceof PostgresPoolState fleet) {
            try {
                sharePoliteness(builder, config, fleet);
            } catch (RuntimeException e) {
                state.close();
                throw new IllegalStateException("cannot open the fleet's shared SMTP politeness state "
                        + "(proxy_pool.fleet.enabled, RCH__PROXY_POOL__FLEET__ENABLED): " + e.getMessage(), e);
            }
        }
        return builder.build();
    }

    /**
     * With the pool's state shared, {@code [smtp_politeness]} is the fleet's too: session slots per
     * destination and catch-all answers in the same PostgreSQL (the verifier closes them).
     */
    private static void sharePoliteness(EmailVerifier.Builder builder, BackendConfig config, PostgresPoolState fleet) {
        StorageSettings storage = config.storage();
        Politeness politeness = config.politeness();
        PostgresDestinationLimits limits = PostgresDestinationLimits.open(storage.postgresUrl(),
                storage.postgresSchema(), fleet.processId(), politeness, fleet.leaseTtl(), STORE_TIMEOUT);
        builder.destinationLimits(limits);
        if (!politeness.catchAllTtl().isZero()) {
            builder.catchAllCache(new PostgresCatchAllCache(limits.database(), politeness.catchAllTtl(),
                    Clock.systemUTC()));
        }
        LOG.info("SMTP politeness: at most {} sessions per destination{} and the catch-all cache shared with the fleet",
                politeness.maxConcurrency(), politeness.minInterval().isZero() ? ""
                        : ", " + politeness.minInterval().toMillis() + " ms apart,");
    }

    private static PoolState poolState(BackendConfig config) {
        BackendConfig.Fleet fleet = config.fleet();
        // Without proxies (and no proxy list that a reload could fill) there is nothing to share.
        if (!fleet.enabled() || config.proxies().isEmpty() && config.proxyListFile() == null) {
            return PoolState.local(Clock.systemUTC());
        }
        StorageSettings storage = config.storage();
        try {
            PostgresPoolState state = PostgresPoolState.open(storage.postgresUrl(), storage.postgresSchema(),
                    processId(config), fleet.leaseTtl(), STORE_TIMEOUT,
                    fleet.onStoreFailure() == BackendConfig.Fleet.OnStoreFailure.LOCAL);
            LOG.info("proxy pool: budgets, slots and health shared with the fleet through PostgreSQL as {} "
                    + "(lease TTL {} s, on store failure: {})", state.processId(), fleet.leaseTtl().toSeconds(),
                    fleet.onStoreFailure().name().toLowerCase(java.util.Locale.ROOT));
            return state;
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open the fleet's shared proxy state (proxy_pool.fleet.enabled, "
                    + "RCH__PROXY_POOL__FLEET__ENABLED; PostgreSQL storage.postgres.db_url): " + e.getMessage(), e);
        }
    }

    /** {@code backend_name@host/pid}: who ejected a proxy, in every process's {@code /v1/proxies}. */
    private static String processId(BackendConfig config) {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "localhost";
            }
        }
        return config.backendName() + "@" + host + "/" + ProcessHandle.current().pid();
    }

    /** Closes the verifier, then the pool's state (a fleet store gives back its slots and disconnects). */
    static void close(EmailVerifier verifier) {
        try {
            verifier.close();
        } finally {
            ProxyPool pool = verifier.proxyPool();
            if (pool != null) {
                pool.state().close();
            }
        }
    }

    /**
     * Storage, queue and a worker (always when {@code forceConsume}, else as {@code worker.consume}
     * says); null when storage is off. Proxy passwords, which task messages never carry, come from
     * this process's own configured proxies.
     *
     * @throws IllegalStateException naming the storage and queue when they cannot be opened (the
     *     caller still owns {@code verifier})
     */
    static BulkStack bulk(LiveConfig live, EmailVerifier verifier, Throttle throttle, boolean forceConsume) {
        BackendConfig config = live.get();
        StorageSettings storage = config.storage();
        if (!storage.stores()) {
            return null;
        }
        WorkerSettings worker = config.worker();
        try {
            return BulkStack.open(storage, forceConsume ? worker.withConsume(true) : worker, verifier,
                    live.credentials(), () -> live.get().bulkTemplate(), throttle);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open bulk storage and queue ("
                    + (storage.usesPostgres() ? "PostgreSQL" : "SQLite " + storage.sqliteFile())
                    + (config.worker().enable() ? ", RabbitMQ" : "") + "): " + e.getMessage(), e);
        }
    }
}

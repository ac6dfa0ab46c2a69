package dev.reacher.server;

import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.yahoo.YahooApi;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.metrics.ServerMetrics;
import dev.reacher.server.reload.ConfigReloader;
import dev.reacher.server.reload.LiveConfig;
import dev.reacher.server.reload.ReloadTriggers;
import dev.reacher.server.throttle.Throttle;
import java.util.function.Supplier;

/** What {@link ReacherServer} and {@link ReacherWorker} both build from a configuration, built one way. */
final class ProcessParts {
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

    /** The verifier: DNS servers, the proxy pool (empty without proxies), proxy DNS mode, browsers, Yahoo API. */
    static EmailVerifier verifier(BackendConfig config) {
        ProxyPool pool = ProxyPool.create(config.proxies().values(), config.poolSettings());
        return EmailVerifier.builder()
                .dnsServers(config.dns())
                .proxyDns(config.proxyDns())
                .proxyPool(pool)
                .headless(config.headless())
                .yahooApi(new YahooApi(config.yahooApi()))
                .build();
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
        var storage = config.storage().settings();
        if (storage == null) {
            return null;
        }
        var worker = config.worker().settings(config.backendName());
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

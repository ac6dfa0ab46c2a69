package dev.reacher.server;

import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.task.ProxyCredentials;
import dev.reacher.server.throttle.Throttle;
import java.util.ArrayList;
import java.util.List;

/** What {@link ReacherServer} and {@link ReacherWorker} both build from a configuration, built one way. */
final class ProcessParts {
    private ProcessParts() {}

    /** The verifier: DNS servers, the proxy pool (empty without proxies), proxy DNS mode. */
    static EmailVerifier verifier(BackendConfig config) {
        ProxyPool pool = ProxyPool.create(config.proxies().values(), config.poolSettings());
        return EmailVerifier.builder()
                .dnsServers(config.dns())
                .proxyDns(config.proxyDns())
                .proxyPool(pool)
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
    static BulkStack bulk(BackendConfig config, EmailVerifier verifier, Throttle throttle, boolean forceConsume) {
        var storage = config.storage().settings();
        if (storage == null) {
            return null;
        }
        CheckEmailInput template = config.bulkTemplate();
        List<ProxyConfig> known = new ArrayList<>();
        config.proxies().values().forEach(p -> known.add(p.proxy()));
        var worker = config.worker().settings(config.backendName());
        try {
            return BulkStack.open(storage, forceConsume ? worker.withConsume(true) : worker, verifier,
                    ProxyCredentials.of(known), template, throttle);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open bulk storage and queue ("
                    + (storage.usesPostgres() ? "PostgreSQL" : "SQLite " + storage.sqliteFile())
                    + (config.worker().enable() ? ", RabbitMQ" : "") + "): " + e.getMessage(), e);
        }
    }
}

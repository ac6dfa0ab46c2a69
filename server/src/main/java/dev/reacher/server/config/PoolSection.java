package dev.reacher.server.config;

import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.core.proxy.PoolSettings;
import dev.reacher.core.proxy.ProxySelectionStrategy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code [proxy_pool]}: rotation, ejection, active health checks and fleet sharing. Defaults come
 * from {@link PoolSettings} and {@link BackendConfig.Fleet}; the records' own checks stay as guards
 * for code that builds them directly, this class names the key at fault.
 */
final class PoolSection {
    /** {@code host:port} or {@code [v6]:port}, as {@code proxy_pool.health_check.target} takes it. */
    private static final Pattern HOST_PORT = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)]|([\\x21-\\x7E&&[^:\\[\\]]]+)):(\\d{1,5})");

    private PoolSection() {}

    static PoolSettings settings(ConfigTree t, Map<String, PoolProxy> proxies) {
        t.requireTable("proxy_pool");
        boolean enabled = ConfigTree.orDefault(t.bool("proxy_pool.enabled"), false);
        PoolSettings defaults = PoolSettings.DISABLED;
        String strategy = t.string("proxy_pool.strategy", defaults.strategy()).strip().toLowerCase(Locale.ROOT);
        List<String> strategies = ProxySelectionStrategy.names();
        if (!strategies.contains(strategy)) {
            throw t.fail("proxy_pool.strategy", "one of " + String.join(", ", strategies), t.node("proxy_pool.strategy"));
        }
        List<String> members = t.stringList("proxy_pool.proxies");
        members = members == null ? List.of() : members.stream().map(s -> s.toLowerCase(Locale.ROOT)).distinct().toList();
        for (String id : members) {
            ProxySection.checkId(t, "proxy_pool.proxies", id, proxies);
        }
        int maxAttempts = ConfigTree.orDefault(t.intValue("proxy_pool.max_attempts", 1, 100, "a whole number 1-100"),
                defaults.maxAttempts());
        boolean retryOnBlacklist = ConfigTree.orDefault(t.bool("proxy_pool.retry_on_blacklist"),
                defaults.retryOnBlacklist());
        t.requireTable("proxy_pool.ejection");
        PoolSettings.Ejection d = PoolSettings.Ejection.DEFAULTS;
        int failures = ConfigTree.orDefault(t.intValue("proxy_pool.ejection.consecutive_failures", 1, 1_000_000,
                "a whole number ≥ 1"), d.consecutiveFailures());
        long base = ConfigTree.orDefault(t.integer("proxy_pool.ejection.base_ejection_ms", 1, 86_400_000L,
                "a whole number of milliseconds 1-86400000"), d.base().toMillis());
        long max = ConfigTree.orDefault(t.integer("proxy_pool.ejection.max_ejection_ms", 1, 86_400_000L,
                "a whole number of milliseconds 1-86400000"), d.max().toMillis());
        if (max < base) {
            throw t.problem("proxy_pool.ejection.max_ejection_ms", "expected at least base_ejection_ms (" + base
                    + "), got " + max);
        }
        if (enabled && proxies.isEmpty()) {
            throw t.problem("proxy_pool.enabled", "is true but no proxy is defined: expected [proxy] "
                    + "(RCH__PROXY__HOST, RCH__PROXY__PORT) or [overrides.proxies.<id>] "
                    + "(RCH__OVERRIDES__PROXIES__<ID>__HOST, …__PORT)");
        }
        return new PoolSettings(enabled, strategy, members, maxAttempts, retryOnBlacklist,
                new PoolSettings.Ejection(failures, Duration.ofMillis(base), Duration.ofMillis(max)),
                PoolSettings.Blacklist.DEFAULTS, healthCheck(t));
    }

    /** {@code [proxy_pool.health_check]}: off unless enabled; see docs/proxies.md, "Active health checks". */
    private static PoolSettings.HealthCheck healthCheck(ConfigTree t) {
        String path = "proxy_pool.health_check";
        t.requireTable(path);
        PoolSettings.HealthCheck d = PoolSettings.HealthCheck.OFF;
        boolean enabled = ConfigTree.orDefault(t.bool(path + ".enabled"), d.enabled());
        long interval = ConfigTree.orDefault(t.integer(path + ".interval_secs", 1, 86_400L,
                "a whole number of seconds 1-86400"), d.interval().toSeconds());
        long timeout = ConfigTree.orDefault(t.integer(path + ".timeout_ms", 1, 60_000L,
                "a whole number of milliseconds 1-60000"), d.timeout().toMillis());
        PoolSettings.HealthCheck check = new PoolSettings.HealthCheck(enabled, Duration.ofSeconds(interval),
                Duration.ofMillis(timeout), null, 0);
        String target = t.string(path + ".target", "").strip();
        if (target.isEmpty()) {
            return check;
        }
        Matcher m = HOST_PORT.matcher(target);
        int port = m.matches() ? Integer.parseInt(m.group(3)) : 0;
        String host = m.matches() ? (m.group(1) != null ? m.group(1) : m.group(2)) : null;
        if (host == null || port < 1 || port > 65535 || host.length() > 255) {
            throw t.fail(path + ".target", "host:port with an ASCII host name or IP ([…] for IPv6) and a port 1-65535,"
                    + " such as smtp.example.com:25", t.node(path + ".target"));
        }
        return check.withTarget(host, port);
    }

    /**
     * {@code [proxy_pool.fleet]}: shared pool state needs the scale-out PostgreSQL; by default it
     * is on exactly when worker mode is (several processes then use the same proxies).
     */
    static BackendConfig.Fleet fleet(ConfigTree t, boolean usesPostgres, boolean workerMode) {
        t.requireTable("proxy_pool.fleet");
        Boolean enabled = t.bool("proxy_pool.fleet.enabled");
        long ttl = ConfigTree.orDefault(t.integer("proxy_pool.fleet.lease_ttl_secs", 3, 3600,
                "a whole number of seconds 3-3600"), BackendConfig.Fleet.DEFAULT_LEASE_TTL.toSeconds());
        String failure = t.string("proxy_pool.fleet.on_store_failure", "pause").strip().toLowerCase(Locale.ROOT);
        BackendConfig.Fleet.OnStoreFailure onFailure = switch (failure) {
            case "pause" -> BackendConfig.Fleet.OnStoreFailure.PAUSE;
            case "local" -> BackendConfig.Fleet.OnStoreFailure.LOCAL;
            default -> throw t.fail("proxy_pool.fleet.on_store_failure", "one of pause, local",
                    t.node("proxy_pool.fleet.on_store_failure"));
        };
        if (Boolean.TRUE.equals(enabled) && !usesPostgres) {
            throw t.problem("proxy_pool.fleet.enabled", "is true but the shared proxy state lives in PostgreSQL: "
                    + "set storage.postgres.db_url (" + ConfigTree.envVar("storage.postgres.db_url") + ")");
        }
        boolean on = enabled != null ? enabled : usesPostgres && workerMode;
        return new BackendConfig.Fleet(on, Duration.ofSeconds(ttl), onFailure);
    }
}

package dev.reacher.core.proxy;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The {@code [proxy_pool]} section: whether rotation is on, how members are chosen, how failures
 * are retried elsewhere and when a failing proxy is taken out of rotation.
 *
 * @param members proxy ids in the pool; empty means every defined proxy
 * @param maxAttempts proxies tried for one verification when a proxy fails (not for verdicts)
 * @param retryOnBlacklist retry an IP-blacklisted reply through another proxy
 */
public record PoolSettings(boolean enabled, String strategy, List<String> members, int maxAttempts,
        boolean retryOnBlacklist, Ejection ejection, Blacklist blacklist, HealthCheck healthCheck) {

    /** Without active health checks. */
    public PoolSettings(boolean enabled, String strategy, List<String> members, int maxAttempts,
            boolean retryOnBlacklist, Ejection ejection, Blacklist blacklist) {
        this(enabled, strategy, members, maxAttempts, retryOnBlacklist, ejection, blacklist, HealthCheck.OFF);
    }

    /**
     * Envoy-style passive health: after {@code consecutiveFailures} proxy faults a proxy is skipped
     * for {@code base × times ejected}, capped at {@code max}; then it gets one trial verification.
     */
    public record Ejection(int consecutiveFailures, Duration base, Duration max) {
        public static final Ejection DEFAULTS = new Ejection(5, Duration.ofSeconds(30), Duration.ofMinutes(5));

        public Ejection {
            if (consecutiveFailures < 1) {
                throw new IllegalArgumentException("proxy_pool.ejection.consecutive_failures must be at least 1");
            }
            // Checks.positive, not PoolSettings.requirePositive: calling a static method of the outer
            // class from here would initialise PoolSettings, whose DISABLED needs DEFAULTS, which is
            // still null while this class is being initialised (NPE on first use of Ejection).
            Checks.positive("proxy_pool.ejection.base_ejection_ms", base);
            Checks.positive("proxy_pool.ejection.max_ejection_ms", max);
            if (max.compareTo(base) < 0) {
                throw new IllegalArgumentException(
                        "proxy_pool.ejection.max_ejection_ms must not be below base_ejection_ms");
            }
        }
    }

    /** Full-jitter backoff for a (proxy, provider) pair after a blacklist reply: base 300 s, cap 1 h. */
    public record Blacklist(Duration base, Duration max) {
        public static final Blacklist DEFAULTS = new Blacklist(Duration.ofSeconds(300), Duration.ofHours(1));

        public Blacklist {
            Checks.positive("blacklist base", base);
            Checks.positive("blacklist max", max);
        }
    }

    /**
     * {@code [proxy_pool.health_check]}: ejected and idle members are probed every {@code interval}
     * (see {@link ActiveHealthCheck}), each probe bounded by {@code timeout}.
     *
     * @param targetHost with {@code targetPort}, where a probe asks the proxy to CONNECT after the
     *     authentication; null for greeting and authentication only
     */
    public record HealthCheck(boolean enabled, Duration interval, Duration timeout, String targetHost, int targetPort) {
        public static final HealthCheck OFF = new HealthCheck(false, Duration.ofSeconds(30), Duration.ofSeconds(5),
                null, 0);

        public HealthCheck {
            Checks.positive("proxy_pool.health_check.interval_secs", interval);
            Checks.positive("proxy_pool.health_check.timeout_ms", timeout);
            if (targetHost != null && (targetHost.isBlank() || targetPort < 1 || targetPort > 65535)) {
                throw new IllegalArgumentException("proxy_pool.health_check.target must be host:port with a port 1-65535");
            }
        }

        /** Probing every {@code interval} with the default timeout, no CONNECT target. */
        public static HealthCheck every(Duration interval) {
            return new HealthCheck(true, interval, OFF.timeout(), null, 0);
        }

        public HealthCheck withTarget(String host, int port) {
            return new HealthCheck(enabled, interval, timeout, host, port);
        }

        public HealthCheck withTimeout(Duration t) {
            return new HealthCheck(enabled, interval, t, targetHost, targetPort);
        }
    }

    public static final PoolSettings DISABLED = new PoolSettings(false, "round_robin", List.of(), 3, true,
            Ejection.DEFAULTS, Blacklist.DEFAULTS);

    public PoolSettings {
        Objects.requireNonNull(strategy, "strategy");
        ProxySelectionStrategy.named(strategy); // fails with the list of valid names
        members = List.copyOf(members);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("proxy_pool.max_attempts must be at least 1, got " + maxAttempts);
        }
        Objects.requireNonNull(ejection, "ejection");
        Objects.requireNonNull(blacklist, "blacklist");
        Objects.requireNonNull(healthCheck, "healthCheck");
    }

    /** Enabled with the given strategy and defaults for everything else. */
    public static PoolSettings enabled(String strategy) {
        return new PoolSettings(true, strategy, List.of(), 3, true, Ejection.DEFAULTS, Blacklist.DEFAULTS);
    }

    public PoolSettings withMaxAttempts(int n) {
        return new PoolSettings(enabled, strategy, members, n, retryOnBlacklist, ejection, blacklist, healthCheck);
    }

    public PoolSettings withEjection(Ejection e) {
        return new PoolSettings(enabled, strategy, members, maxAttempts, retryOnBlacklist, e, blacklist, healthCheck);
    }

    public PoolSettings withMembers(List<String> ids) {
        return new PoolSettings(enabled, strategy, ids, maxAttempts, retryOnBlacklist, ejection, blacklist, healthCheck);
    }

    public PoolSettings withHealthCheck(HealthCheck h) {
        return new PoolSettings(enabled, strategy, members, maxAttempts, retryOnBlacklist, ejection, blacklist, h);
    }

    /** Kept out of PoolSettings itself; see the note in {@link Ejection}. */
    private static final class Checks {
        static void positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
        }
    }
}

package dev.reacher.core.proxy;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.AttemptRoutes;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.smtp.SmtpError;
import dev.reacher.core.smtp.SmtpRoute;
import dev.reacher.core.socks5.ProxyConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Chooses where one verification's SMTP connections go, in this order of precedence:
 * <ol>
 *   <li>the provider's configured proxy id, or a comma-separated list of ids that rotates with the
 *       pool's strategy (a request-body proxy arrives here as id {@code default} for every provider);
 *   <li>otherwise, when the pool is enabled, the pool's rotation;
 *   <li>otherwise a direct connection.
 * </ol>
 * With the pool disabled, a single id is a fixed route with no health tracking: upstream's
 * behaviour exactly.
 */
public final class ProxyRouter {
    private final ProxyPool pool; // null: no proxies were configured for rotation

    public ProxyRouter(ProxyPool pool) {
        this.pool = pool;
    }

    public ProxyPool pool() {
        return pool;
    }

    /**
     * The plan for one verification.
     *
     * @param proxySpec the provider's SMTP config {@code proxy}: null, an id, or {@code id1,id2}
     * @param proxies the verification method's proxies by id
     */
    public AttemptRoutes plan(String proxySpec, Map<String, ProxyConfig> proxies, Provider provider, String domain,
            LimitPolicy policy) {
        return plan(proxySpec, proxies, provider, domain, policy, Set.of());
    }

    /**
     * As {@link #plan(String, Map, Provider, String, LimitPolicy)}, steering a rotation away from
     * {@code avoid} (the proxies an earlier try of the same address went through) as long as another
     * member is left; fixed routes ignore it.
     */
    public AttemptRoutes plan(String proxySpec, Map<String, ProxyConfig> proxies, Provider provider, String domain,
            LimitPolicy policy, Set<String> avoid) {
        return plan(proxySpec, proxies, provider, domain, policy, avoid, null);
    }

    /**
     * As {@link #plan(String, Map, Provider, String, LimitPolicy, Set)}, with the best MX host, which
     * scopes blacklist backoff for {@code everything_else} (null: the whole provider).
     */
    public AttemptRoutes plan(String proxySpec, Map<String, ProxyConfig> proxies, Provider provider, String domain,
            LimitPolicy policy, Set<String> avoid, String mxHost) {
        List<String> ids = parseIds(proxySpec);
        if (ids.isEmpty()) {
            return pool != null && pool.enabled()
                    ? new RoutePlan(pool.rotation(), provider, mxHost, domain, policy, avoid)
                    : AttemptRoutes.fixed(SmtpRoute.direct());
        }
        if (ids.size() == 1) {
            String id = ids.get(0);
            ProxyConfig proxy = Objects.requireNonNull(proxies.get(id), () -> "unknown proxy id " + id);
            PoolProxy member = pool == null ? null : pool.proxy(id);
            // Only the pool's own proxy gets health and limits; a request's ad-hoc proxy is used as is.
            if (pool != null && pool.enabled() && member != null && member.proxy().equals(proxy)) {
                return new RoutePlan(pool.rotation(ids), provider, mxHost, domain, policy, avoid);
            }
            if (member != null && member.proxy().equals(proxy)) {
                return AttemptRoutes.fixed(new AttemptRoutes.Next(SmtpRoute.via(id, proxy), member.helloName(),
                        member.fromEmail(), null));
            }
            return AttemptRoutes.fixed(SmtpRoute.via(id, proxy));
        }
        if (pool == null) {
            throw new IllegalStateException("the proxy list `" + proxySpec + "` needs a proxy pool: "
                    + "build the verifier with EmailVerifier.builder().proxyPool(…)");
        }
        return new RoutePlan(pool.rotation(ids), provider, mxHost, domain, policy, avoid);
    }

    /**
     * Where a headless browser session goes: with the pool enabled, the pool's rotation over the
     * members that can serve it ({@link #servesHeadless}); otherwise a direct connection. With the
     * pool enabled but no such member, the plan's only answer is an error: the browser is not sent
     * around the pool.
     */
    public AttemptRoutes planHeadless(Provider provider, String domain, LimitPolicy policy, Set<String> avoid) {
        if (pool == null || !pool.enabled()) {
            return AttemptRoutes.fixed(SmtpRoute.direct());
        }
        List<String> ids = pool.ids().stream().sorted().filter(id -> servesHeadless(pool.proxy(id))).toList();
        if (ids.isEmpty()) {
            return AttemptRoutes.fixed(AttemptRoutes.Next.failed(SmtpError.headless("NewSession",
                    "no proxy of the pool can carry a browser session: Chromium cannot authenticate to a SOCKS5 "
                            + "proxy, so members with a username or password are skipped for headless checks")));
        }
        return new RoutePlan(pool.rotation(ids), provider, null, domain, policy, avoid); // named providers: scoped by provider
    }

    /** Whether a browser can use this member: Chromium speaks SOCKS5 without authentication only. */
    public static boolean servesHeadless(PoolProxy proxy) {
        return !proxy.proxy().hasCredentials();
    }

    /** {@code "proxy1, proxy2"} → [proxy1, proxy2]; null or blank → []. */
    public static List<String> parseIds(String spec) {
        if (spec == null || spec.isBlank()) {
            return List.of();
        }
        return Arrays.stream(spec.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Rotation with failover: each failed proxy is excluded for the rest of the verification. */
    private final class RoutePlan implements AttemptRoutes {
        private final Rotation rotation;
        private final Provider provider;
        private final String mxHost;
        private final String domain;
        private final LimitPolicy policy;
        private final Set<String> failed = new HashSet<>();
        private Lease current;

        RoutePlan(Rotation rotation, Provider provider, String mxHost, String domain, LimitPolicy policy,
                Set<String> avoid) {
            this.rotation = rotation;
            this.provider = provider;
            this.mxHost = mxHost;
            this.domain = domain;
            this.policy = policy;
            // Avoided proxies start out as failed ones, unless that would leave no member at all.
            if (!avoid.isEmpty() && rotation.members().stream().anyMatch(p -> !avoid.contains(p.id()))) {
                failed.addAll(avoid);
            }
        }

        @Override
        public Next next(boolean failover, Instant deadline) {
            if (failover && current != null) {
                failed.add(current.proxy().id());
            }
            current = null;
            while (true) {
                ProxyPool.Pick pick = rotation.pick(provider, mxHost, domain, failed, policy == LimitPolicy.IGNORE);
                switch (pick) {
                    case Lease lease -> {
                        current = lease;
                        PoolProxy p = lease.proxy();
                        return new Next(lease.route(), p.helloName(), p.fromEmail(), null);
                    }
                    case ProxyPool.Unavailable u -> {
                        return Next.failed(SmtpError.socks5(u.reason()));
                    }
                    case ProxyPool.Exhausted e -> {
                        Instant now = pool.clock().instant();
                        // No budget says nothing about the address, so it is no SMTP error: the caller
                        // answers 429 (FAIL) or runs the verification again once the budget is back (WAIT).
                        if (policy == LimitPolicy.FAIL || Duration.between(now, deadline).compareTo(e.retryAfter()) < 0) {
                            throw new ProxyLimitExceededException(e.retryAfter(), now.plus(e.retryAfter()));
                        }
                        LockSupport.parkNanos(e.retryAfter().toNanos()); // a virtual thread parks cheaply
                        if (Thread.currentThread().isInterrupted()) {
                            return Next.failed(SmtpError.socks5("interrupted while waiting for proxy budget"));
                        }
                    }
                }
            }
        }

        @Override
        public void report(Outcome outcome, Duration duration) {
            report(outcome, duration, null);
        }

        @Override
        public void report(Outcome outcome, Duration duration, String error) {
            if (current != null) {
                current.report(outcome, duration, error);
            }
        }

        @Override
        public int maxAttempts() {
            return Math.min(pool.settings().maxAttempts(), Math.max(1, rotation.members().size()));
        }

        @Override
        public boolean retryOnBlacklist() {
            return pool.settings().retryOnBlacklist();
        }
    }
}

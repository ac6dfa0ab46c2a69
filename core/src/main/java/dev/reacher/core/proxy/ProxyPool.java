package dev.reacher.core.proxy;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.smtp.SmtpRoute;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

/**
 * Every configured SOCKS5 proxy with its health, and the rotations that choose among them. Build
 * one per process at startup and share it: counters, ejections and budgets are only meaningful if
 * every verification goes through the same pool.
 *
 * <p>A {@link Rotation} is a strategy's selector over a list of member ids: the pool's own members,
 * or a provider override's list ({@code RCH__OVERRIDES__GMAIL__PROXY=proxy1,proxy2}). Rotations are
 * built once and cached; health is shared by all rotations a proxy belongs to.
 */
public final class ProxyPool {
    private final PoolSettings settings;
    private final ProxySelectionStrategy strategy;
    private final Clock clock;
    private final Map<String, ProxyHealth> health; // ordered by id
    private final Map<List<String>, Rotation> rotations = new ConcurrentHashMap<>();
    private final List<PoolListener> listeners = new CopyOnWriteArrayList<>();
    private final Rotation main;

    private ProxyPool(Collection<PoolProxy> proxies, PoolSettings settings, ProxySelectionStrategy strategy,
            Clock clock, RandomGenerator random) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.clock = Objects.requireNonNull(clock, "clock");
        Map<String, ProxyHealth> byId = new TreeMap<>();
        for (PoolProxy p : proxies) {
            if (byId.put(p.id(), new ProxyHealth(p, settings, clock, random)) != null) {
                throw new IllegalArgumentException("duplicate proxy id " + p.id());
            }
        }
        this.health = java.util.Collections.unmodifiableMap(byId);
        List<String> memberIds = settings.members().isEmpty() ? List.copyOf(byId.keySet()) : settings.members();
        this.main = byId.isEmpty() ? null : rotation(memberIds);
    }

    /**
     * @param proxies every defined proxy (the pool's members are {@code settings.members()}, or all)
     * @throws IllegalArgumentException for duplicate or unknown ids, or an enabled pool without members
     */
    public static ProxyPool create(Collection<PoolProxy> proxies, PoolSettings settings) {
        return create(proxies, settings, ProxySelectionStrategy.named(settings.strategy()), Clock.systemUTC(),
                new SplittableRandom());
    }

    /** With an explicit strategy, clock and randomness, for tests and benchmarks. */
    public static ProxyPool create(Collection<PoolProxy> proxies, PoolSettings settings,
            ProxySelectionStrategy strategy, Clock clock, RandomGenerator random) {
        if (settings.enabled() && proxies.isEmpty()) {
            throw new IllegalArgumentException("proxy_pool.enabled is true but no proxy is defined");
        }
        return new ProxyPool(proxies, settings, strategy, clock, random);
    }

    public PoolSettings settings() {
        return settings;
    }

    /** True when verifications without a pinned proxy rotate over the pool. */
    /** The clock health, limits and route plans read time on. */
    Clock clock() {
        return clock;
    }

    public boolean enabled() {
        return settings.enabled() && main != null;
    }

    /** The pool's own rotation (its members, or every proxy). */
    public Rotation rotation() {
        if (main == null) {
            throw new IllegalStateException("the pool has no proxies");
        }
        return main;
    }

    /**
     * The rotation over exactly these ids, built on first use and then shared.
     *
     * @throws IllegalArgumentException if an id is not a defined proxy
     */
    public Rotation rotation(List<String> ids) {
        List<String> key = ids.stream().map(id -> id.toLowerCase(Locale.ROOT)).sorted().distinct().toList();
        if (key.isEmpty()) {
            throw new IllegalArgumentException("a rotation needs at least one proxy id");
        }
        for (String id : key) {
            if (!health.containsKey(id)) {
                throw new IllegalArgumentException("unknown proxy id `" + id + "`, defined: " + health.keySet());
            }
        }
        return rotations.computeIfAbsent(key, Rotation::new);
    }

    /** The member with this id, if defined. */
    public PoolProxy proxy(String id) {
        ProxyHealth h = health.get(id);
        return h == null ? null : h.proxy();
    }

    public Set<String> ids() {
        return health.keySet();
    }

    /** Each proxy's state now, ordered by id; safe to serve to operators (no credentials). */
    public List<ProxyStatus> snapshot() {
        return health.values().stream().map(ProxyHealth::status).toList();
    }

    public void addListener(PoolListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    /** The result of asking a rotation for a proxy. */
    public sealed interface Pick {}

    /**
     * Every usable member is over its rate limit or {@code max_in_flight}.
     *
     * @param retryAfter when the soonest budget frees up
     */
    public record Exhausted(Duration retryAfter) implements Pick {}

    /** No member may be tried (all excluded after failing this verification). */
    public record Unavailable(String reason) implements Pick {}

    /**
     * A proxy reserved for one attempt. Report the attempt's outcome exactly once with
     * {@link #report}; that frees the slot and updates the proxy's health.
     */
    public final class Lease implements Pick {
        private final ProxyHealth health;
        private final Provider provider;
        private final AtomicBoolean reported = new AtomicBoolean();

        private Lease(ProxyHealth health, Provider provider) {
            this.health = health;
            this.provider = provider;
        }

        public PoolProxy proxy() {
            return health.proxy();
        }

        public SmtpRoute route() {
            return SmtpRoute.via(health.proxy().id(), health.proxy().proxy());
        }

        public void report(Outcome outcome, Duration duration) {
            if (!reported.compareAndSet(false, true)) {
                return;
            }
            ProxyHealth.Transition t = health.release(outcome, provider);
            String id = health.proxy().id();
            for (PoolListener l : listeners) {
                l.attemptEnded(id, outcome, duration);
                switch (t.kind()) {
                    case EJECTED -> l.ejected(id, t.until());
                    case READMITTED -> l.readmitted(id);
                    case BLACKLISTED -> l.blacklisted(id, provider, t.until());
                    case NONE -> { }
                }
            }
        }

        /** Frees the slot without judging the proxy (the attempt never ran). */
        public void cancel() {
            if (reported.compareAndSet(false, true)) {
                health.releaseWithoutOutcome();
            }
        }
    }

    /** A strategy's selector over a fixed list of members, plus the health filter in front of it. */
    public final class Rotation {
        private final List<ProxyHealth> members;
        private final List<PoolProxy> memberProxies;
        private final ProxySelectionStrategy.ProxySelector selector;

        private Rotation(List<String> ids) {
            this.members = ids.stream().map(health::get).toList();
            this.memberProxies = members.stream().map(ProxyHealth::proxy).toList();
            this.selector = strategy.newSelector(memberProxies);
        }

        public List<PoolProxy> members() {
            return memberProxies;
        }

        /**
         * Reserves a proxy for one attempt to {@code provider}'s MX.
         *
         * @param domain the recipient domain (for the sticky strategy)
         * @param exclude ids already tried by this verification
         * @param ignoreLimits take the least-loaded usable proxy even when every one is over its
         *     rate limit or in-flight cap (upstream's v0 endpoint ignores throttling)
         */
        public Pick pick(Provider provider, String domain, Set<String> exclude, boolean ignoreLimits) {
            Instant now = clock.instant();
            String lowerDomain = domain.toLowerCase(Locale.ROOT);
            List<ProxyHealth> notExcluded = new ArrayList<>(members.size());
            List<ProxyHealth> usable = new ArrayList<>(members.size());
            for (ProxyHealth h : members) {
                if (exclude.contains(h.proxy().id())) {
                    continue;
                }
                notExcluded.add(h);
                if (h.unusableUntil(provider, now) == null) {
                    usable.add(h);
                }
            }
            if (notExcluded.isEmpty()) {
                return new Unavailable("all proxies unavailable: every proxy of the rotation failed this verification");
            }
            if (usable.isEmpty() && !exclude.isEmpty()) {
                return new Unavailable("all proxies unavailable: the remaining ones are ejected or blacklisted for "
                        + provider.displayName());
            }
            if (usable.isEmpty()) {
                // All ejected or blacklisted: fail open, one attempt through the one that recovers first.
                ProxyHealth soonest = notExcluded.stream()
                        .min(Comparator.comparing((ProxyHealth h) -> h.unusableUntil(provider, now))
                                .thenComparing(h -> h.proxy().id()))
                        .orElseThrow();
                return leaseOrWait(soonest, provider, ignoreLimits);
            }
            Duration soonestBudget = null;
            List<ProxyHealth> withSlot = new ArrayList<>(usable);
            while (!withSlot.isEmpty()) {
                ProxyHealth chosen = select(withSlot, lowerDomain);
                Duration wait = chosen.tryAcquire(true);
                if (wait == null) {
                    return lease(chosen, provider);
                }
                soonestBudget = soonestBudget == null || wait.compareTo(soonestBudget) < 0 ? wait : soonestBudget;
                withSlot.remove(chosen);
            }
            if (ignoreLimits) {
                ProxyHealth least = usable.stream().min(Comparator.comparingInt(ProxyHealth::inFlight)).orElseThrow();
                return leaseOrWait(least, provider, true);
            }
            return new Exhausted(soonestBudget);
        }

        private ProxyHealth select(List<ProxyHealth> candidates, String domain) {
            List<PoolProxy> proxies = candidates.stream().map(ProxyHealth::proxy).toList();
            PoolProxy picked = selector.select(proxies, new ProxySelectionStrategy.PickContext() {
                @Override
                public String domain() {
                    return domain;
                }

                @Override
                public int inFlight(PoolProxy proxy) {
                    return health.get(proxy.id()).inFlight();
                }
            });
            for (ProxyHealth h : candidates) {
                if (h.proxy() == picked) {
                    return h;
                }
            }
            throw new IllegalStateException("strategy picked a proxy that is not a candidate: " + picked.id());
        }

        /** Fail-open and ignore-limits paths: one given proxy, past its limits when allowed. */
        private Pick leaseOrWait(ProxyHealth h, Provider provider, boolean ignoreLimits) {
            Duration wait = h.tryAcquire(true);
            if (wait == null) {
                return lease(h, provider);
            }
            if (!ignoreLimits) {
                return new Exhausted(wait);
            }
            h.tryAcquire(false); // always succeeds: v0 traffic is never refused for budget
            return lease(h, provider);
        }

        private Lease lease(ProxyHealth h, Provider provider) {
            for (PoolListener l : listeners) {
                l.picked(h.proxy().id());
            }
            return new Lease(h, provider);
        }
    }
}

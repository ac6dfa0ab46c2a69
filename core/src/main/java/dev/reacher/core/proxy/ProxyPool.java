package dev.reacher.core.proxy;

import dev.reacher.core.mx.Provider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;

/**
 * Every configured SOCKS5 proxy with its health, and the rotations that choose among them. Build
 * one per process at startup and share it: counters, ejections and budgets are only meaningful if
 * every verification goes through the same pool.
 *
 * <p>A {@link Rotation} is a strategy's selector over a list of member ids: the pool's own members,
 * or a provider override's list ({@code RCH__OVERRIDES__GMAIL__PROXY=proxy1,proxy2}). Rotations are
 * built once and cached; health is shared by all rotations a proxy belongs to.
 *
 * <p>The member set can be replaced while the pool is in use ({@link #reload}): a member whose
 * settings are unchanged keeps its health, budget and counters; a new or changed one starts
 * afresh; a removed one gets no new picks, while attempts already holding it finish and report as
 * usual. Rotations are rebuilt over the new set.
 */
public final class ProxyPool {
    private final PoolSettings settings;
    private final ProxySelectionStrategy strategy;
    private final PoolState state;
    private final Clock clock;
    private final RandomGenerator random;
    private final List<PoolListener> listeners = new CopyOnWriteArrayList<>();
    /** The current member set; replaced as a whole by {@link #reload}. */
    private volatile PoolMembers current;

    private ProxyPool(Collection<PoolProxy> proxies, PoolSettings settings, ProxySelectionStrategy strategy,
            PoolState state, RandomGenerator random) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.state = Objects.requireNonNull(state, "state");
        this.clock = state.clock();
        this.random = random;
        this.current = PoolMembers.of(this, proxies, Map.of(), state, random);
        state.subscribe(this::applyShared);
    }

    /**
     * Replaces the member set at once. Unchanged members (same id, equal settings) keep their
     * health, budgets and counters; new and changed ones start afresh (changed credentials apply
     * to connections opened from now on) except for what a shared state says of them (a fleet's
     * ejections and blacklists hold for the new member too); removed ones get no new picks.
     * Rotations are rebuilt, so strategies start their sequence again.
     *
     * @param proxies every defined proxy, as for {@link #create}
     * @throws IllegalArgumentException for duplicate ids, ids of {@code settings.members()} that are
     *     no longer defined, or an enabled pool left without members; the pool is then unchanged
     */
    public void reload(Collection<PoolProxy> proxies) {
        if (settings.enabled() && proxies.isEmpty()) {
            throw new IllegalArgumentException("proxy_pool.enabled is true but no proxy is defined");
        }
        PoolMembers before;
        PoolMembers after;
        synchronized (this) {
            before = current;
            after = PoolMembers.of(this, proxies, before.health, state, random);
            current = after;
        }
        if (state.shared()) {
            List<HealthEvent> known = state.current();
            for (HealthEvent e : known) {
                ProxyHealth h = after.health.get(e.proxyId());
                if (h != null && h != before.health.get(e.proxyId())) {
                    h.apply(e);
                }
            }
        }
        Set<String> ids = after.health.keySet();
        for (PoolListener l : listeners) {
            l.membersChanged(ids);
        }
    }

    /**
     * @param proxies every defined proxy (the pool's members are {@code settings.members()}, or all)
     * @throws IllegalArgumentException for duplicate or unknown ids, or an enabled pool without members
     */
    public static ProxyPool create(Collection<PoolProxy> proxies, PoolSettings settings) {
        return create(proxies, settings, PoolState.local(Clock.systemUTC()));
    }

    /**
     * With budgets, slots and health events kept in {@code state}: {@link PoolState#local} for one
     * process, or a store shared by a fleet. Whoever made the state closes it, after the pool is no longer used.
     */
    public static ProxyPool create(Collection<PoolProxy> proxies, PoolSettings settings, PoolState state) {
        return create(proxies, settings, ProxySelectionStrategy.named(settings.strategy()), state,
                new SplittableRandom());
    }

    /** With an explicit strategy, clock and randomness, for tests and benchmarks. */
    public static ProxyPool create(Collection<PoolProxy> proxies, PoolSettings settings,
            ProxySelectionStrategy strategy, Clock clock, RandomGenerator random) {
        return create(proxies, settings, strategy, PoolState.local(clock), random);
    }

    /** With an explicit strategy, state and randomness. */
    public static ProxyPool create(Collection<PoolProxy> proxies, PoolSettings settings,
            ProxySelectionStrategy strategy, PoolState state, RandomGenerator random) {
        if (settings.enabled() && proxies.isEmpty()) {
            throw new IllegalArgumentException("proxy_pool.enabled is true but no proxy is defined");
        }
        return new ProxyPool(proxies, settings, strategy, state, random);
    }

    /** Where budgets, slots and health events are kept (this process, or the fleet's store). */
    public PoolState state() {
        return state;
    }

    /** Null while the pool's state is usable, else why not (a fleet store that cannot be reached). */
    public String stateProblem() {
        return state.problem();
    }

    /** Another process's health change (or the shared state read at start): apply it and tell the listeners. */
    private void applyShared(HealthEvent event) {
        ProxyHealth h = current.health.get(event.proxyId());
        if (h == null || event.by().equals(state.processId())) {
            return; // a proxy this process does not define (now), or our own change coming back
        }
        Provider provider = event.scope() == null ? null : BlacklistBackoff.providerOf(event.scope());
        notify(event.proxyId(), provider, h.apply(event));
    }

    /** Tells the listeners of a change of state ({@code provider}: the one a blacklist backoff concerns). */
    void notify(String id, Provider provider, Transition t) {
        for (PoolListener l : listeners) {
            switch (t.kind()) {
                case EJECTED -> l.ejected(id, t.until());
                case READMITTED -> l.readmitted(id);
                case BLACKLISTED -> l.blacklisted(id, provider, t.until());
                case NONE -> { }
            }
        }
    }

    public PoolSettings settings() {
        return settings;
    }

    /** The clock health, limits and route plans read time on. */
    Clock clock() {
        return clock;
    }

    ProxySelectionStrategy strategy() {
        return strategy;
    }

    List<PoolListener> listeners() {
        return listeners;
    }

    /** True when verifications without a pinned proxy rotate over the pool. */
    public boolean enabled() {
        return settings.enabled() && current.main != null;
    }

    /** The pool's own rotation (its members, or every proxy). */
    public Rotation rotation() {
        Rotation main = current.main;
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
        return current.rotation(ids);
    }

    /** The member with this id, if defined. */
    public PoolProxy proxy(String id) {
        ProxyHealth h = current.health.get(id);
        return h == null ? null : h.proxy();
    }

    public Set<String> ids() {
        return current.health.keySet();
    }

    /** Each proxy's state now, ordered by id; safe to serve to operators (no credentials). */
    public List<ProxyStatus> snapshot() {
        return current.health.values().stream().map(ProxyHealth::status).toList();
    }

    /**
     * Why verifications without a pinned proxy cannot be served now, or null when they can. With
     * the pool enabled there is no direct route, so when every member of the pool's rotation is
     * ejected nothing can serve (beyond the one fail-open attempt). Rate limits do not count: they
     * free up by themselves and are answered with 429.
     */
    public String unavailableReason() {
        if (!enabled()) {
            return null;
        }
        Instant now = clock.instant();
        Rotation main = current.main;
        if (main == null) {
            return null;
        }
        List<String> ejected = new ArrayList<>();
        for (ProxyHealth h : main.members) {
            Instant until = h.ejectedUntil(now);
            if (until == null) {
                return null;
            }
            ejected.add(h.proxy().id() + " until " + until);
        }
        return "every proxy of the pool is ejected and the pool allows no direct route: " + String.join(", ", ejected);
    }

    /**
     * Applies one {@link ActiveHealthCheck} probe of {@code probed}, unless a reload replaced or
     * removed that member meanwhile. A probe is no verification: no budget, slot, pick or attempt.
     *
     * @param result {@code passed} or the step that failed, for the listeners
     * @param failure null when the probe passed, else its error (no credentials)
     * @param nextProbe when the member will be probed again
     * @return {@code EJECTED}, {@code READMITTED} (an ejection ended: back in rotation on trial) or
     *     {@code NONE}; null when ignored
     */
    Transition probed(PoolProxy probed, String result, String failure, Instant nextProbe) {
        ProxyHealth h = current.health.get(probed.id());
        if (h == null || !h.proxy().equals(probed)) {
            return null;
        }
        Instant now = clock.instant();
        Transition t = failure == null
                ? (h.probePassed(now) ? Transition.READMITTED : Transition.NONE)
                : h.probeFailed(failure, now, nextProbe);
        for (PoolListener l : listeners) {
            l.healthChecked(probed.id(), result);
            if (t.kind() == Transition.Kind.EJECTED) {
                l.ejected(probed.id(), t.until());
            }
        }
        return t;
    }

    public void addListener(PoolListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    /** The result of asking a rotation for a proxy. */
    public sealed interface Pick permits Exhausted, Unavailable, Lease {}

    /**
     * Every usable member is over its rate limit or {@code max_in_flight}.
     *
     * @param retryAfter when the soonest budget frees up
     */
    public record Exhausted(Duration retryAfter) implements Pick {}

    /** No member may be tried (all excluded after failing this verification). */
    public record Unavailable(String reason) implements Pick {}
}

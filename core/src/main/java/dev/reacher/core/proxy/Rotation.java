package dev.reacher.core.proxy;

import dev.reacher.core.mx.Provider;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A strategy's selector over a fixed list of members, plus the health filter in front of it. */
public final class Rotation {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyPool.class);
    private final ProxyPool pool;
    /** Read by {@link ProxyPool#unavailableReason}. */
    final List<ProxyHealth> members;
    private final List<PoolProxy> memberProxies;
    private final ProxySelectionStrategy.ProxySelector selector;

    Rotation(ProxyPool pool, List<ProxyHealth> members) {
        this.pool = pool;
        this.members = members;
        this.memberProxies = members.stream().map(ProxyHealth::proxy).toList();
        this.selector = pool.strategy().newSelector(memberProxies);
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
    public ProxyPool.Pick pick(Provider provider, String domain, Set<String> exclude, boolean ignoreLimits) {
        return pick(provider, null, domain, exclude, ignoreLimits);
    }

    /**
     * As {@link #pick(Provider, String, Set, boolean)}, with the best MX host: for
     * {@code everything_else} a blacklist backoff is scoped to that host rather than to the
     * whole provider (see docs/proxies.md, "Blacklist").
     */
    public ProxyPool.Pick pick(Provider provider, String mxHost, String domain, Set<String> exclude, boolean ignoreLimits) {
        String scope = BlacklistBackoff.scope(provider, mxHost);
        Instant now = pool.clock().instant();
        String lowerDomain = domain.toLowerCase(Locale.ROOT);
        List<ProxyHealth> notExcluded = new ArrayList<>(members.size());
        List<ProxyHealth> usable = new ArrayList<>(members.size());
        for (ProxyHealth h : members) {
            if (exclude.contains(h.proxy().id())) {
                continue;
            }
            notExcluded.add(h);
            if (h.unusableUntil(scope, now) == null) {
                usable.add(h);
            }
        }
        if (notExcluded.isEmpty()) {
            return new ProxyPool.Unavailable("all proxies unavailable: every proxy of the rotation failed this verification");
        }
        if (usable.isEmpty() && !exclude.isEmpty()) {
            return new ProxyPool.Unavailable("all proxies unavailable: the remaining ones are ejected or blacklisted for "
                    + provider.displayName());
        }
        if (usable.isEmpty()) {
            // All ejected or blacklisted: fail open, one attempt through the one that recovers first.
            ProxyHealth soonest = notExcluded.stream()
                    .min(Comparator.comparing((ProxyHealth h) -> h.unusableUntil(scope, now))
                            .thenComparing(h -> h.proxy().id()))
                    .orElseThrow();
            return leaseOrWait(soonest, provider, scope, ignoreLimits);
        }
        Duration soonestBudget = null;
        List<ProxyHealth> withSlot = new ArrayList<>(usable);
        while (!withSlot.isEmpty()) {
            ProxyHealth chosen = select(withSlot, lowerDomain);
            PoolState.Acquire acquired = chosen.tryAcquire(true);
            if (acquired instanceof PoolState.Slot slot) {
                return lease(chosen, slot, provider, scope);
            }
            Duration wait = ((PoolState.Wait) acquired).retryAfter();
            soonestBudget = soonestBudget == null || wait.compareTo(soonestBudget) < 0 ? wait : soonestBudget;
            withSlot.remove(chosen);
        }
        if (ignoreLimits) {
            ProxyHealth least = usable.stream().min(Comparator.comparingInt(ProxyHealth::inFlight)).orElseThrow();
            return leaseOrWait(least, provider, scope, true);
        }
        return exhausted(soonestBudget);
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
                for (ProxyHealth h : members) {
                    if (h.proxy() == proxy) {
                        return h.inFlight();
                    }
                }
                return 0;
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
    private ProxyPool.Pick leaseOrWait(ProxyHealth h, Provider provider, String scope, boolean ignoreLimits) {
        PoolState.Acquire acquired = h.tryAcquire(true);
        if (acquired instanceof PoolState.Slot slot) {
            return lease(h, slot, provider, scope);
        }
        if (!ignoreLimits) {
            return exhausted(((PoolState.Wait) acquired).retryAfter());
        }
        // Always a slot: v0 traffic is never refused for budget.
        return lease(h, (PoolState.Slot) h.tryAcquire(false), provider, scope);
    }

    private ProxyPool.Exhausted exhausted(Duration retryAfter) {
        for (PoolListener l : pool.listeners()) {
            l.exhausted(retryAfter);
        }
        return new ProxyPool.Exhausted(retryAfter);
    }

    private Lease lease(ProxyHealth h, PoolState.Slot slot, Provider provider, String scope) {
        if (h.announceTrial(pool.clock().instant())) {
            LOG.info("proxy {} on trial: its ejection ended, the next fault ejects it again (last error: {})",
                    h.proxy().id(), h.lastError());
        }
        for (PoolListener l : pool.listeners()) {
            l.picked(h.proxy().id());
        }
        return new Lease(pool, h, slot, provider, scope);
    }
}

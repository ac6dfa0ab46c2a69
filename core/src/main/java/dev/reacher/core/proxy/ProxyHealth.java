package dev.reacher.core.proxy;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * Everything the pool remembers about one proxy, in one place (like OkHttp's {@code RouteDatabase}):
 * consecutive proxy faults, ejection and trial ({@link EjectionState}), blacklist backoff per scope
 * (provider, or MX host; {@link BlacklistBackoff}), the last error and counters;
 * in-flight slots and request budget live in the {@link PoolState} (this process's, or a fleet's).
 * Attempts report their classified outcome here once, where they end; a resulting ejection,
 * readmission or blacklist is published to the state, and changes made by other processes arrive
 * in {@link #apply}.
 */
final class ProxyHealth {
    private final PoolProxy proxy;
    private final Clock clock;
    private final PoolState state;
    private final LongAdder picks = new LongAdder();
    private final LongAdder verdicts = new LongAdder();
    private final LongAdder proxyFaults = new LongAdder();
    private final LongAdder blacklistHits = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private final EjectionState ejection;
    private final BlacklistBackoff blacklist;
    private String lastError; // the last error counted against this proxy, credentials masked
    private Instant lastErrorAt;

    ProxyHealth(PoolProxy proxy, PoolSettings settings, PoolState state, RandomGenerator random) {
        this.proxy = proxy;
        this.state = state;
        this.clock = state.clock();
        this.ejection = new EjectionState(settings.ejection(), state, proxy.id());
        this.blacklist = new BlacklistBackoff(settings.blacklist(), random);
    }

    PoolProxy proxy() {
        return proxy;
    }

    int inFlight() {
        return state.inFlight(proxy.id());
    }

    /**
     * When this proxy may next be used for {@code provider}: null if now, else the instant its
     * ejection or blacklist backoff ends. A proxy whose ejection time is over is usable on trial.
     */
    Instant unusableUntil(Provider provider, Instant now) {
        return unusableUntil(provider.key(), now);
    }

    /** As {@link #unusableUntil(Provider, Instant)} for a {@link BlacklistBackoff#scope}. */
    Instant unusableUntil(String scope, Instant now) {
        lock.lock();
        try {
            Instant until = ejection.blockedUntil(now);
            Instant backoff = blacklist.until(scope, now);
            return backoff != null && (until == null || backoff.isAfter(until)) ? backoff : until;
        } finally {
            lock.unlock();
        }
    }

    /** The end of the current ejection, or null when not ejected at {@code now}. */
    Instant ejectedUntil(Instant now) {
        lock.lock();
        try {
            return ejection.until(now);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes a slot and one request from every rate-limit period; with {@code enforceLimits} false,
     * takes the slot whatever the cap and budget say.
     *
     * @throws PoolStateUnavailableException when the shared state cannot be asked
     */
    PoolState.Acquire tryAcquire(boolean enforceLimits) {
        PoolState.Acquire a = state.tryAcquire(proxy, enforceLimits);
        if (a instanceof PoolState.Slot) {
            picks.increment();
        }
        return a;
    }

    /**
     * Records how an attempt through this proxy ended and frees its slot.
     *
     * @return what changed, for the pool's listeners
     */
    Transition release(PoolState.Slot slot, Outcome outcome, Provider provider) {
        return release(slot, outcome, provider.key(), null);
    }

    /**
     * As {@link #release(PoolState.Slot, Outcome, Provider)} for a {@link BlacklistBackoff#scope},
     * remembering {@code error} as the proxy's last error when the outcome counts against it
     * (proxy fault, blacklist reply).
     */
    Transition release(PoolState.Slot slot, Outcome outcome, String scope, String error) {
        state.release(slot);
        Transition t = record(outcome, scope, error);
        switch (t.kind()) {
            case EJECTED -> state.publish(new HealthEvent(HealthEvent.Kind.EJECTED, proxy.id(), null, t.until(),
                    t.strikes(), state.processId()));
            case READMITTED -> state.publish(new HealthEvent(HealthEvent.Kind.READMITTED, proxy.id(), null, null, 0,
                    state.processId()));
            case BLACKLISTED -> state.publish(new HealthEvent(HealthEvent.Kind.BLACKLISTED, proxy.id(), scope,
                    t.until(), t.strikes(), state.processId()));
            case NONE -> { }
        }
        return t;
    }

    private Transition record(Outcome outcome, String scope, String error) {
        Instant now = clock.instant();
        lock.lock();
        try {
            if (outcome == Outcome.PROXY_FAULT || outcome == Outcome.IP_BLACKLISTED) {
                lastError = mask(error == null ? outcome.json() : error);
                lastErrorAt = now;
            }
            switch (outcome) {
                case PROXY_FAULT -> {
                    proxyFaults.increment();
                    return ejection.fault(now);
                }
                case IP_BLACKLISTED -> {
                    blacklistHits.increment();
                    BlacklistBackoff.Strike strike = blacklist.strike(scope, now);
                    return Transition.blacklisted(strike.until(), strike.strikes());
                }
                default -> {
                    // The proxy carried the conversation: it works.
                    if (outcome == Outcome.VERDICT) {
                        verdicts.increment();
                    }
                    return ejection.worked();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * True exactly once per ejection: the first time the proxy is picked after its ejection time
     * ended (it is on trial now), so the pool can say so once.
     */
    boolean announceTrial(Instant now) {
        lock.lock();
        try {
            return ejection.announceTrial(now);
        } finally {
            lock.unlock();
        }
    }

    /**
     * An active health check passed (see {@link ActiveHealthCheck}). An ejected proxy returns to
     * rotation now, on trial: the probe shows it answers, not that verifications through it succeed,
     * so its next fault ejects it again and its first success readmits it fully.
     *
     * @return true when this ended an ejection
     */
    boolean probePassed(Instant now) {
        int streak;
        lock.lock();
        try {
            streak = ejection.endEarly(now);
        } finally {
            lock.unlock();
        }
        if (streak == 0) {
            return false;
        }
        // The fleet's ejection ends now too; its one trial still goes to one process.
        state.publish(new HealthEvent(HealthEvent.Kind.EJECTED, proxy.id(), null, now, streak, state.processId()));
        return true;
    }

    /**
     * An active health check failed: a proxy in rotation is ejected at once (as a failed trial is);
     * an ejected one stays out at least until {@code nextProbe}, so no trial traffic reaches it
     * before the next probe can tell. Not a verification: no counter but the last error changes.
     */
    Transition probeFailed(String error, Instant now, Instant nextProbe) {
        Transition t;
        lock.lock();
        try {
            lastError = mask(error);
            lastErrorAt = now;
            t = ejection.probeFailed(now, nextProbe);
        } finally {
            lock.unlock();
        }
        if (t == null) {
            return Transition.NONE; // still ejected, now at least until the next probe
        }
        state.publish(new HealthEvent(HealthEvent.Kind.EJECTED, proxy.id(), null, t.until(), t.strikes(), state.processId()));
        return t;
    }

    /** The last error counted against this proxy, for log lines; null if none. */
    String lastError() {
        lock.lock();
        try {
            return lastError;
        } finally {
            lock.unlock();
        }
    }

    /** Error texts never carry the password; masked anyway in case a peer echoed it back. */
    private String mask(String text) {
        String password = proxy.proxy().password();
        return password == null || password.isEmpty() ? text : text.replace(password, "***");
    }

    /** Frees the slot of an attempt that never reached an outcome worth recording. */
    void releaseWithoutOutcome(PoolState.Slot slot) {
        state.release(slot);
    }

    /**
     * Applies a change another process made (or the shared state read at start).
     *
     * @return what changed here, for the pool's listeners
     */
    Transition apply(HealthEvent event) {
        lock.lock();
        try {
            switch (event.kind()) {
                case EJECTED -> {
                    return ejection.ejectedElsewhere(event);
                }
                case READMITTED -> {
                    return ejection.readmittedElsewhere();
                }
                case BLACKLISTED -> {
                    return blacklist.apply(event.scope(), event.until(), event.strikes())
                            ? Transition.blacklisted(event.until(), event.strikes())
                            : Transition.NONE; // already avoided at least as long
                }
                default -> throw new IllegalStateException("unknown event " + event.kind());
            }
        } finally {
            lock.unlock();
        }
    }

    ProxyStatus status() {
        Instant now = clock.instant();
        lock.lock();
        try {
            ProxyStatus.State state;
            String until = null;
            Instant ejectedUntil = ejection.until(now);
            if (ejectedUntil != null) {
                state = ProxyStatus.State.EJECTED;
                until = ejectedUntil.toString();
            } else if (ejection.out()) {
                state = ProxyStatus.State.TRIAL;
            } else {
                state = ProxyStatus.State.HEALTHY;
            }
            Map<String, String> listed = blacklist.listed(now);
            return new ProxyStatus(proxy.id(), proxy.proxy().address(), proxy.weight(), state, until,
                    state == ProxyStatus.State.HEALTHY ? null : ejection.by(), listed, inFlight(), proxy.maxInFlight(),
                    this.state.budgetLeft(proxy), picks.sum(), verdicts.sum(), proxyFaults.sum(), blacklistHits.sum(),
                    ejection.consecutiveFailures(), ejection.timesEjected(), ProxyRouter.servesHeadless(proxy), lastError,
                    lastErrorAt == null ? null : lastErrorAt.toString());
        } finally {
            lock.unlock();
        }
    }
}

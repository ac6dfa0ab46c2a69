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
 * consecutive proxy faults, ejection, blacklist backoff per scope (provider, or MX host) and counters;
 * in-flight slots and request budget live in the {@link PoolState} (this process's, or a fleet's).
 * Attempts report their classified outcome here once, where they end; a resulting ejection,
 * readmission or blacklist is published to the state, and changes made by other processes arrive
 * in {@link #apply}.
 */
final class ProxyHealth {
    private final PoolProxy proxy;
    private final PoolSettings settings;
    private final Clock clock;
    private final PoolState state;
    private final LongAdder picks = new LongAdder();
    private final LongAdder verdicts = new LongAdder();
    private final LongAdder proxyFaults = new LongAdder();
    private final LongAdder blacklistHits = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private int consecutiveFailures;
    private int ejectionStreak;
    private int timesEjected;
    private Instant ejectedUntil;
    private boolean trialAnnounced; // the current ejection's trial has been reported once
    private String lastError; // the last error counted against this proxy, credentials masked
    private Instant lastErrorAt;
    private String ejectedBy;
    private Trial trial = Trial.UNCLAIMED;
    private Instant trialRetryAt;
    private final BlacklistBackoff blacklist;

    /** Who sends the trial traffic once an ejection is over: one process of the fleet. */
    private enum Trial { UNCLAIMED, MINE, OTHERS }

    ProxyHealth(PoolProxy proxy, PoolSettings settings, PoolState state, RandomGenerator random) {
        this.proxy = proxy;
        this.settings = settings;
        this.state = state;
        this.clock = state.clock();
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
            Instant until = null;
            if (ejectedUntil != null && now.isBefore(ejectedUntil)) {
                until = ejectedUntil;
            } else if (ejectionStreak > 0) {
                until = trialBlockedUntil(now);
            }
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
            return ejectedUntil != null && now.isBefore(ejectedUntil) ? ejectedUntil : null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * On trial (ejection over, not yet readmitted): null when this process holds the fleet's trial
     * claim, else when to ask again. Called under the lock; asks the state at most once a second.
     */
    private Instant trialBlockedUntil(Instant now) {
        if (trial == Trial.MINE) {
            return null;
        }
        if (trial == Trial.OTHERS && trialRetryAt != null && now.isBefore(trialRetryAt)) {
            return trialRetryAt;
        }
        boolean mine;
        try {
            mine = state.claimTrial(proxy.id());
        } catch (PoolStateUnavailableException e) {
            mine = false;
        }
        trial = mine ? Trial.MINE : Trial.OTHERS;
        trialRetryAt = mine ? null : now.plusSeconds(1);
        return trialRetryAt;
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
                    consecutiveFailures++;
                    boolean onTrial = ejectionStreak > 0 && (ejectedUntil == null || !now.isBefore(ejectedUntil));
                    if (onTrial || consecutiveFailures >= settings.ejection().consecutiveFailures()) {
                        return eject(now);
                    }
                    return Transition.NONE;
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
                    consecutiveFailures = 0;
                    boolean readmitted = ejectionStreak > 0;
                    clearEjection();
                    return readmitted ? Transition.READMITTED : Transition.NONE;
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
            if (ejectionStreak == 0 || trialAnnounced || ejectedUntil == null || now.isBefore(ejectedUntil)) {
                return false;
            }
            trialAnnounced = true;
            return true;
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
            if (ejectedUntil == null || !now.isBefore(ejectedUntil)) {
                return false;
            }
            ejectedUntil = now;
            trialAnnounced = true; // the health check's log line already said so
            streak = ejectionStreak;
        } finally {
            lock.unlock();
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
            if (ejectedUntil != null && now.isBefore(ejectedUntil)) {
                if (ejectedUntil.isBefore(nextProbe)) {
                    ejectedUntil = nextProbe;
                }
                return Transition.NONE;
            }
            t = eject(now);
        } finally {
            lock.unlock();
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

    private Transition eject(Instant now) {
        ejectionStreak++;
        timesEjected++;
        consecutiveFailures = 0;
        trialAnnounced = false;
        long ms = Math.min(settings.ejection().base().toMillis() * ejectionStreak, settings.ejection().max().toMillis());
        ejectedUntil = now.plusMillis(ms);
        ejectedBy = state.processId();
        trial = Trial.UNCLAIMED;
        return Transition.ejected(ejectedUntil, ejectionStreak);
    }

    private void clearEjection() {
        ejectionStreak = 0;
        ejectedUntil = null;
        ejectedBy = null;
        trial = Trial.UNCLAIMED;
        trialRetryAt = null;
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
                    ejectionStreak = Math.max(1, event.strikes());
                    ejectedUntil = event.until();
                    ejectedBy = event.by();
                    consecutiveFailures = 0;
                    trialAnnounced = false;
                    trial = Trial.UNCLAIMED;
                    trialRetryAt = null;
                    return Transition.ejected(event.until(), ejectionStreak);
                }
                case READMITTED -> {
                    boolean was = ejectionStreak > 0;
                    clearEjection();
                    consecutiveFailures = 0;
                    return was ? Transition.READMITTED : Transition.NONE;
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
            if (ejectedUntil != null && now.isBefore(ejectedUntil)) {
                state = ProxyStatus.State.EJECTED;
                until = ejectedUntil.toString();
            } else if (ejectionStreak > 0) {
                state = ProxyStatus.State.TRIAL;
            } else {
                state = ProxyStatus.State.HEALTHY;
            }
            Map<String, String> listed = blacklist.listed(now);
            return new ProxyStatus(proxy.id(), proxy.proxy().address(), proxy.weight(), state, until,
                    state == ProxyStatus.State.HEALTHY ? null : ejectedBy, listed, inFlight(), proxy.maxInFlight(),
                    this.state.budgetLeft(proxy), picks.sum(), verdicts.sum(), proxyFaults.sum(), blacklistHits.sum(),
                    consecutiveFailures, timesEjected, ProxyRouter.servesHeadless(proxy), lastError,
                    lastErrorAt == null ? null : lastErrorAt.toString());
        } finally {
            lock.unlock();
        }
    }

    /** A change of state worth telling listeners about. */
    record Transition(Kind kind, Instant until, int strikes) {
        enum Kind { NONE, EJECTED, READMITTED, BLACKLISTED }

        static final Transition NONE = new Transition(Kind.NONE, null, 0);
        static final Transition READMITTED = new Transition(Kind.READMITTED, null, 0);

        static Transition ejected(Instant until, int streak) {
            return new Transition(Kind.EJECTED, until, streak);
        }

        static Transition blacklisted(Instant until, int strikes) {
            return new Transition(Kind.BLACKLISTED, until, strikes);
        }
    }
}

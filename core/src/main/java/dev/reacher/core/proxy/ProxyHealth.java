package dev.reacher.core.proxy;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LocalBucketBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * Everything the pool remembers about one proxy, in one place (like OkHttp's {@code RouteDatabase}):
 * in-flight count, consecutive proxy faults, ejection, blacklist backoff per scope (provider, or MX host), request
 * budget and counters. Attempts report their classified outcome here once, where they end.
 */
final class ProxyHealth {
    private final PoolProxy proxy;
    private final PoolSettings settings;
    private final Clock clock;
    private final RandomGenerator random;
    private final Bucket bucket; // null when the proxy has no rate limits
    private final AtomicInteger inFlight = new AtomicInteger();
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
    private final Map<String, Backoff> blacklist = new HashMap<>(); // by blacklistScope(…)

    private record Backoff(Instant until, int strikes) {}

    /**
     * What a blacklist reply is about: the receiving server. For a named provider (gmail, yahoo, …)
     * its whole fleet shares one reputation, so the scope is the provider key; for
     * {@code everything_else} it is the best MX host (lowercase, no trailing dot), so one small
     * domain's blacklist does not take the proxy out for every other domain. Without an MX host the
     * provider key.
     */
    static String blacklistScope(Provider provider, String mxHost) {
        if (provider != Provider.EVERYTHING_ELSE || mxHost == null || mxHost.isBlank()) {
            return provider.key();
        }
        String host = mxHost.strip().toLowerCase(Locale.ROOT);
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    ProxyHealth(PoolProxy proxy, PoolSettings settings, Clock clock, RandomGenerator random) {
        this.proxy = proxy;
        this.settings = settings;
        this.clock = clock;
        this.random = random;
        this.bucket = buildBucket(proxy.limits(), clock);
    }

    PoolProxy proxy() {
        return proxy;
    }

    int inFlight() {
        return inFlight.get();
    }

    /**
     * When this proxy may next be used for {@code provider}: null if now, else the instant its
     * ejection or blacklist backoff ends. A proxy whose ejection time is over is usable on trial.
     */
    Instant unusableUntil(Provider provider, Instant now) {
        return unusableUntil(provider.key(), now);
    }

    /** As {@link #unusableUntil(Provider, Instant)} for a {@link #blacklistScope}. */
    Instant unusableUntil(String scope, Instant now) {
        lock.lock();
        try {
            Instant until = null;
            if (ejectedUntil != null && now.isBefore(ejectedUntil)) {
                until = ejectedUntil;
            }
            Backoff b = blacklist.get(scope);
            if (b != null && now.isBefore(b.until()) && (until == null || b.until().isAfter(until))) {
                until = b.until();
            }
            return until;
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
     * Takes a slot and one request from every rate-limit bucket; with {@code enforceLimits} false,
     * takes the slot whatever the cap and budget say.
     *
     * @return null when taken, else how long until budget or a slot frees up
     */
    Duration tryAcquire(boolean enforceLimits) {
        if (!enforceLimits) {
            inFlight.incrementAndGet();
            picks.increment();
            return null;
        }
        Integer cap = proxy.maxInFlight();
        while (true) {
            int n = inFlight.get();
            if (cap != null && n >= cap) {
                return Duration.ofMillis(50); // a slot frees when a verification ends; poll briefly
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                break;
            }
        }
        if (bucket != null) {
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                inFlight.decrementAndGet();
                return Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill()));
            }
        }
        picks.increment();
        return null;
    }

    /**
     * Records how an attempt through this proxy ended and frees its slot.
     *
     * @return what changed, for the pool's listeners
     */
    Transition release(Outcome outcome, Provider provider) {
        return release(outcome, provider.key(), null);
    }

    /**
     * As {@link #release(Outcome, Provider)} for a {@link #blacklistScope}, remembering {@code error} as the proxy's last error
     * when the outcome counts against it (proxy fault, blacklist reply).
     */
    Transition release(Outcome outcome, String scope, String error) {
        inFlight.decrementAndGet();
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
                    Backoff previous = blacklist.get(scope);
                    int strikes = previous == null ? 1 : previous.strikes() + 1;
                    Instant until = now.plus(fullJitter(strikes));
                    blacklist.put(scope, new Backoff(until, strikes));
                    return Transition.blacklisted(until);
                }
                default -> {
                    // The proxy carried the conversation: it works.
                    if (outcome == Outcome.VERDICT) {
                        verdicts.increment();
                    }
                    consecutiveFailures = 0;
                    boolean readmitted = ejectionStreak > 0;
                    ejectionStreak = 0;
                    ejectedUntil = null;
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
        lock.lock();
        try {
            if (ejectedUntil == null || !now.isBefore(ejectedUntil)) {
                return false;
            }
            ejectedUntil = now;
            trialAnnounced = true; // the health check's log line already said so
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * An active health check failed: a proxy in rotation is ejected at once (as a failed trial is);
     * an ejected one stays out at least until {@code nextProbe}, so no trial traffic reaches it
     * before the next probe can tell. Not a verification: no counter but the last error changes.
     */
    Transition probeFailed(String error, Instant now, Instant nextProbe) {
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
            return eject(now);
        } finally {
            lock.unlock();
        }
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
    void releaseWithoutOutcome() {
        inFlight.decrementAndGet();
    }

    private Transition eject(Instant now) {
        ejectionStreak++;
        timesEjected++;
        consecutiveFailures = 0;
        trialAnnounced = false;
        long ms = Math.min(settings.ejection().base().toMillis() * ejectionStreak, settings.ejection().max().toMillis());
        ejectedUntil = now.plusMillis(ms);
        return Transition.ejected(ejectedUntil);
    }

    /** AWS "full jitter": uniform in [0, min(cap, base × 2^(strikes-1))]. */
    private Duration fullJitter(int strikes) {
        long base = settings.blacklist().base().toMillis();
        long cap = settings.blacklist().max().toMillis();
        long ceiling = strikes > 20 ? cap : Math.min(cap, base << (strikes - 1));
        return Duration.ofMillis(1 + (long) (random.nextDouble() * ceiling));
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
            Map<String, String> listed = new TreeMap<>();
            blacklist.forEach((scope, b) -> {
                if (now.isBefore(b.until())) {
                    listed.put(scope, b.until().toString());
                }
            });
            return new ProxyStatus(proxy.id(), proxy.proxy().address(), proxy.weight(), state, until, listed,
                    inFlight.get(), proxy.maxInFlight(), picks.sum(), verdicts.sum(), proxyFaults.sum(),
                    blacklistHits.sum(), consecutiveFailures, timesEjected, ProxyRouter.servesHeadless(proxy), lastError,
                    lastErrorAt == null ? null : lastErrorAt.toString());
        } finally {
            lock.unlock();
        }
    }

    /** A change of state worth telling listeners about. */
    record Transition(Kind kind, Instant until) {
        enum Kind { NONE, EJECTED, READMITTED, BLACKLISTED }

        static final Transition NONE = new Transition(Kind.NONE, null);
        static final Transition READMITTED = new Transition(Kind.READMITTED, null);

        static Transition ejected(Instant until) {
            return new Transition(Kind.EJECTED, until);
        }

        static Transition blacklisted(Instant until) {
            return new Transition(Kind.BLACKLISTED, until);
        }
    }

    private static Bucket buildBucket(RateLimits limits, Clock clock) {
        if (limits.isUnlimited()) {
            return null;
        }
        LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(new ClockTimeMeter(clock));
        for (RateLimits.Limit l : limits.limits()) {
            builder.addLimit(Bandwidth.builder().capacity(l.max()).refillGreedy(l.max(), l.period().length()).build());
        }
        return builder.build();
    }

    /** Lets tests drive the buckets with a fake clock. */
    private record ClockTimeMeter(Clock clock) implements TimeMeter {
        @Override
        public long currentTimeNanos() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public boolean isWallClockBased() {
            return true;
        }
    }
}

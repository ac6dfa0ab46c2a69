package dev.reacher.core.proxy;

import dev.reacher.core.mx.Provider;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * One proxy's blacklist backoffs, by scope: after a blacklist reply the proxy is avoided for that
 * receiving server for a random time that grows with each strike (AWS "full jitter"). Not
 * thread-safe: {@link ProxyHealth} calls it under its lock.
 */
final class BlacklistBackoff {
    record Strike(Instant until, int strikes) {}

    private final PoolSettings.Blacklist settings;
    private final RandomGenerator random;
    private final Map<String, Strike> byScope = new HashMap<>();

    BlacklistBackoff(PoolSettings.Blacklist settings, RandomGenerator random) {
        this.settings = settings;
        this.random = random;
    }

    /**
     * What a blacklist reply is about: the receiving server. For a named provider (gmail, yahoo, …)
     * its whole fleet shares one reputation, so the scope is the provider key; for
     * {@code everything_else} it is the best MX host (lowercase, no trailing dot), so one small
     * domain's blacklist does not take the proxy out for every other domain. Without an MX host the
     * provider key.
     */
    static String scope(Provider provider, String mxHost) {
        if (provider != Provider.EVERYTHING_ELSE || mxHost == null || mxHost.isBlank()) {
            return provider.key();
        }
        String host = mxHost.strip().toLowerCase(Locale.ROOT);
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    /** The provider a {@link #scope} belongs to: its key names it, an MX host is {@code everything_else}. */
    static Provider providerOf(String scope) {
        for (Provider p : Provider.values()) {
            if (p.key().equals(scope)) {
                return p;
            }
        }
        return Provider.EVERYTHING_ELSE;
    }

    /** A blacklist reply for {@code scope} now: one more strike, and the returned end of the backoff. */
    Strike strike(String scope, Instant now) {
        Strike previous = byScope.get(scope);
        int strikes = previous == null ? 1 : previous.strikes() + 1;
        Strike s = new Strike(now.plus(fullJitter(strikes)), strikes);
        byScope.put(scope, s);
        return s;
    }

    /** Another process's backoff; false when this one already avoids the scope at least as long. */
    boolean apply(String scope, Instant until, int strikes) {
        Strike previous = byScope.get(scope);
        if (previous != null && !previous.until().isBefore(until)) {
            return false;
        }
        byScope.put(scope, new Strike(until, strikes));
        return true;
    }

    /** The end of {@code scope}'s backoff, or null when none runs at {@code now}. */
    Instant until(String scope, Instant now) {
        Strike s = byScope.get(scope);
        return s != null && now.isBefore(s.until()) ? s.until() : null;
    }

    /** Scopes backed off at {@code now}, sorted, with the end of each backoff. */
    Map<String, String> listed(Instant now) {
        Map<String, String> listed = new TreeMap<>();
        byScope.forEach((scope, s) -> {
            if (now.isBefore(s.until())) {
                listed.put(scope, s.until().toString());
            }
        });
        return listed;
    }

    /** Uniform in [0, min(cap, base × 2^(strikes-1))]. */
    private Duration fullJitter(int strikes) {
        long base = settings.base().toMillis();
        long cap = settings.max().toMillis();
        long ceiling = strikes > 20 ? cap : Math.min(cap, base << (strikes - 1));
        return Duration.ofMillis(1 + (long) (random.nextDouble() * ceiling));
    }
}

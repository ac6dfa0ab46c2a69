package dev.reacher.core.proxy;

import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * How the pool chooses a proxy for the next verification. The static factories are the whole
 * menu; each returns a strategy whose {@link #newSelector} is called once per rotation (one per
 * pool, one per provider override list), at startup, so counters live as long as the process.
 *
 * <p>Health, rate limits and blacklists are not the strategies' business: the pool hands a
 * selector only the members that may be used right now, in id order.
 */
@FunctionalInterface
public interface ProxySelectionStrategy {

    /** Builds the stateful selector for a rotation over {@code members} (ordered by id). */
    ProxySelector newSelector(List<PoolProxy> members);

    /** Picks one proxy among the currently usable candidates. */
    @FunctionalInterface
    interface ProxySelector {
        /**
         * @param candidates non-empty, in id order, a subset of the rotation's members
         * @param context the recipient domain and the in-flight counts, for strategies that use them
         */
        PoolProxy select(List<PoolProxy> candidates, PickContext context);
    }

    /** What a strategy may look at besides the candidates. */
    interface PickContext {
        /** The recipient's domain, lowercase. */
        String domain();

        /** Verifications currently in flight through {@code proxy}. */
        int inFlight(PoolProxy proxy);
    }

    /**
     * Each usable proxy in turn: with a, b and c healthy the picks are a b c a b c …; a shared
     * atomic cursor, so concurrent picks stay exactly balanced, and a skipped or failing member's
     * turn goes to the next in line (shares of the others stay even).
     */
    static ProxySelectionStrategy roundRobin() {
        return RoundRobinStrategy.INSTANCE;
    }

    /** Uniformly at random among the usable proxies. */
    static ProxySelectionStrategy random() {
        return members -> new RandomStrategy(null);
    }

    /** Random with a given generator, for reproducible tests. */
    static ProxySelectionStrategy random(RandomGenerator generator) {
        return members -> new RandomStrategy(generator);
    }

    /**
     * nginx's smooth weighted round robin: deterministic, interleaved, proportional to
     * {@code weight}; weights 5, 1, 1 give a a b a c a a.
     */
    static ProxySelectionStrategy weighted() {
        return WeightedRoundRobinStrategy::new;
    }

    /**
     * Power of two choices: two usable proxies at random, take the one with fewer verifications in
     * flight. Spreads load away from slow proxies without scanning them all.
     */
    static ProxySelectionStrategy leastUsed() {
        return members -> new LeastUsedStrategy(null);
    }

    static ProxySelectionStrategy leastUsed(RandomGenerator generator) {
        return members -> new LeastUsedStrategy(generator);
    }

    /**
     * Rendezvous hashing of the recipient domain: the same domain always goes out through the same
     * proxy while it is usable (greylisting servers remember the IP), and only the domains of a
     * proxy that becomes unusable move, to their next-highest score.
     */
    static ProxySelectionStrategy sticky() {
        return members -> StickyStrategy.INSTANCE;
    }

    /**
     * The strategy for a configuration name: {@code round_robin}, {@code random}, {@code weighted},
     * {@code least_used} or {@code sticky}.
     *
     * @throws IllegalArgumentException for any other name
     */
    static ProxySelectionStrategy named(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "round_robin" -> roundRobin();
            case "random" -> random();
            case "weighted" -> weighted();
            case "least_used" -> leastUsed();
            case "sticky" -> sticky();
            default -> throw new IllegalArgumentException("unknown strategy `" + name
                    + "`, expected one of " + String.join(", ", names()));
        };
    }

    /** The names {@link #named} accepts, in the order the documentation lists them. */
    static List<String> names() {
        return List.of("round_robin", "random", "weighted", "least_used", "sticky");
    }
}

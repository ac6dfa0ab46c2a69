package dev.reacher.core.proxy;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * One generation of a {@link ProxyPool}'s members: their health by id, the rotations over them
 * (built on first use, then shared) and the pool's own rotation. {@link ProxyPool#reload} replaces
 * the generation as a whole.
 */
final class PoolMembers {
    final Map<String, ProxyHealth> health; // ordered by id
    /** The pool's own rotation (its members, or every proxy); null when no proxy is defined. */
    final Rotation main;
    private final ProxyPool pool;
    private final Map<List<String>, Rotation> rotations = new ConcurrentHashMap<>();

    private PoolMembers(ProxyPool pool, Map<String, ProxyHealth> health) {
        this.pool = pool;
        this.health = Collections.unmodifiableMap(health);
        List<String> memberIds = pool.settings().members().isEmpty()
                ? List.copyOf(health.keySet()) : pool.settings().members();
        this.main = health.isEmpty() ? null : rotation(memberIds);
    }

    /**
     * A generation over {@code proxies}, reusing the health of members whose settings are unchanged.
     * Budgets and slots are not part of it: the {@link PoolState} keeps them by proxy id, so an
     * attempt that holds a slot of a replaced member gives it back to the same count.
     */
    static PoolMembers of(ProxyPool pool, Collection<PoolProxy> proxies, Map<String, ProxyHealth> previous,
            PoolState state, RandomGenerator random) {
        Map<String, ProxyHealth> byId = new TreeMap<>();
        for (PoolProxy p : proxies) {
            ProxyHealth kept = previous.get(p.id());
            ProxyHealth h = kept != null && kept.proxy().equals(p) ? kept
                    : new ProxyHealth(p, pool.settings(), state, random);
            if (byId.put(p.id(), h) != null) {
                throw new IllegalArgumentException("duplicate proxy id " + p.id());
            }
        }
        return new PoolMembers(pool, byId);
    }

    /**
     * The rotation over exactly these ids (case-insensitive, in any order).
     *
     * @throws IllegalArgumentException if an id is not a defined proxy
     */
    Rotation rotation(List<String> ids) {
        List<String> key = ids.stream().map(id -> id.toLowerCase(Locale.ROOT)).sorted().distinct().toList();
        if (key.isEmpty()) {
            throw new IllegalArgumentException("a rotation needs at least one proxy id");
        }
        for (String id : key) {
            if (!health.containsKey(id)) {
                throw new IllegalArgumentException("unknown proxy id `" + id + "`, defined: " + health.keySet());
            }
        }
        return rotations.computeIfAbsent(key, k -> new Rotation(pool, k.stream().map(health::get).toList()));
    }
}

package dev.reacher.core.proxy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * nginx's smooth weighted round robin ({@code ngx_http_upstream_get_peer}): every pick adds each
 * candidate's weight to its current weight, takes the largest, and subtracts the total from it.
 * Weights 5, 1, 1 give a a b a c a a. Members that are not candidates right now are skipped, as
 * nginx skips peers that are down.
 */
final class WeightedRoundRobinStrategy implements ProxySelectionStrategy.ProxySelector {
    private final Map<String, Long> current = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();

    WeightedRoundRobinStrategy(List<PoolProxy> members) {
        for (PoolProxy m : members) {
            current.put(m.id(), 0L);
        }
    }

    @Override
    public PoolProxy select(List<PoolProxy> candidates, ProxySelectionStrategy.PickContext context) {
        lock.lock();
        try {
            long total = 0;
            PoolProxy best = null;
            long bestWeight = Long.MIN_VALUE;
            for (PoolProxy p : candidates) {
                long w = current.merge(p.id(), (long) p.weight(), Long::sum);
                total += p.weight();
                if (w > bestWeight) { // strict: ties go to the first in id order, as in nginx
                    best = p;
                    bestWeight = w;
                }
            }
            current.merge(best.id(), -total, Long::sum);
            return best;
        } finally {
            lock.unlock();
        }
    }
}

package dev.reacher.core.proxy;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/** Power of two choices on the in-flight count. */
final class LeastUsedStrategy implements ProxySelectionStrategy.ProxySelector {
    private final RandomGenerator generator;
    private final ReentrantLock lock = new ReentrantLock();

    LeastUsedStrategy(RandomGenerator generator) {
        this.generator = generator;
    }

    @Override
    public PoolProxy select(List<PoolProxy> candidates, ProxySelectionStrategy.PickContext context) {
        int n = candidates.size();
        if (n == 1) {
            return candidates.get(0);
        }
        int i = RandomStrategy.nextInt(generator, lock, n);
        int j = RandomStrategy.nextInt(generator, lock, n - 1);
        if (j >= i) {
            j++; // two distinct members
        }
        PoolProxy a = candidates.get(i);
        PoolProxy b = candidates.get(j);
        return context.inFlight(b) < context.inFlight(a) ? b : a;
    }
}

package dev.reacher.core.proxy;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/** Uniform choice; a given generator (tests) is guarded, the default is thread-local. */
final class RandomStrategy implements ProxySelectionStrategy.ProxySelector {
    private final RandomGenerator generator;
    private final ReentrantLock lock = new ReentrantLock();

    RandomStrategy(RandomGenerator generator) {
        this.generator = generator;
    }

    @Override
    public PoolProxy select(List<PoolProxy> candidates, ProxySelectionStrategy.PickContext context) {
        return candidates.get(nextInt(generator, lock, candidates.size()));
    }

    static int nextInt(RandomGenerator generator, ReentrantLock lock, int bound) {
        if (generator == null) {
            return ThreadLocalRandom.current().nextInt(bound);
        }
        lock.lock();
        try {
            return generator.nextInt(bound);
        } finally {
            lock.unlock();
        }
    }
}

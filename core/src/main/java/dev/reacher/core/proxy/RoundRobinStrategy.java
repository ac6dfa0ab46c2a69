package dev.reacher.core.proxy;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** a b c a b c …: one shared counter per rotation. */
final class RoundRobinStrategy implements ProxySelectionStrategy {
    static final RoundRobinStrategy INSTANCE = new RoundRobinStrategy();

    private RoundRobinStrategy() {}

    @Override
    public ProxySelector newSelector(List<PoolProxy> members) {
        AtomicLong sequence = new AtomicLong();
        return (candidates, context) ->
                candidates.get((int) Math.floorMod(sequence.getAndIncrement(), (long) candidates.size()));
    }
}

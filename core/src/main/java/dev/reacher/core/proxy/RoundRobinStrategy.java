package dev.reacher.core.proxy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * a b c a b c …: one shared cursor per rotation, the position in the member list of the last pick.
 * Each pick takes the first candidate after the cursor, so a member that is skipped (ejected,
 * backed off, or already failed by this verification) hands its turn to the next one in line
 * without the rotation restarting: while b keeps failing and failing over, a and c still alternate
 * (a, b→c, a, b→c …). A plain counter modulo the candidate count would land every failover on the
 * same neighbour.
 */
final class RoundRobinStrategy implements ProxySelectionStrategy {
    static final RoundRobinStrategy INSTANCE = new RoundRobinStrategy();

    private RoundRobinStrategy() {}

    @Override
    public ProxySelector newSelector(List<PoolProxy> members) {
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < members.size(); i++) {
            position.put(members.get(i).id(), i);
        }
        AtomicInteger cursor = new AtomicInteger(-1);
        return (candidates, context) -> {
            while (true) {
                int last = cursor.get();
                PoolProxy next = candidates.get(0); // wraps around when no candidate is after the cursor
                int nextPosition = position.getOrDefault(next.id(), 0);
                for (PoolProxy c : candidates) {
                    int p = position.getOrDefault(c.id(), -1);
                    if (p > last) {
                        next = c;
                        nextPosition = p;
                        break;
                    }
                }
                if (cursor.compareAndSet(last, nextPosition)) {
                    return next;
                }
            }
        };
    }
}

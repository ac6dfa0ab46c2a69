package dev.reacher.core.proxy;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LocalBucketBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * {@link PoolState} of one process: Bucket4j token buckets (one bandwidth per limited period,
 * greedy refill) and an atomic in-flight count per proxy. Health events need no delivery: the
 * process that makes a change is the only one that uses the pool.
 */
final class LocalPoolState implements PoolState {
    private final Clock clock;
    private final String processId = "pid-" + ProcessHandle.current().pid();
    private final Map<String, Budget> budgets = new ConcurrentHashMap<>();

    /** A proxy's bucket (built for {@code limits}) and its in-flight count. */
    private record Budget(RateLimits limits, Bucket bucket, AtomicInteger inFlight) {}

    LocalPoolState(Clock clock) {
        this.clock = clock;
    }

    /**
     * The budget of {@code proxy}, by id. A reload that changed the proxy's limits gets a fresh
     * bucket for them; the in-flight count is kept, as attempts still holding slots give them back here.
     */
    private Budget budget(PoolProxy proxy) {
        Budget b = budgets.computeIfAbsent(proxy.id(),
                id -> new Budget(proxy.limits(), buildBucket(proxy.limits(), clock), new AtomicInteger()));
        if (b.limits().equals(proxy.limits())) {
            return b;
        }
        return budgets.compute(proxy.id(), (id, old) -> old.limits().equals(proxy.limits()) ? old
                : new Budget(proxy.limits(), buildBucket(proxy.limits(), clock), old.inFlight()));
    }

    @Override
    public Acquire tryAcquire(PoolProxy proxy, boolean enforceLimits) {
        Budget b = budget(proxy);
        Slot slot = new Slot(proxy.id(), 0);
        if (!enforceLimits) {
            b.inFlight().incrementAndGet();
            return slot;
        }
        Integer cap = proxy.maxInFlight();
        while (true) {
            int n = b.inFlight().get();
            if (cap != null && n >= cap) {
                return new Wait(Duration.ofMillis(50)); // a slot frees when a verification ends; poll briefly
            }
            if (b.inFlight().compareAndSet(n, n + 1)) {
                break;
            }
        }
        if (b.bucket() != null) {
            ConsumptionProbe probe = b.bucket().tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                b.inFlight().decrementAndGet();
                return new Wait(Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill())));
            }
        }
        return slot;
    }

    @Override
    public void release(Slot slot) {
        Budget b = budgets.get(slot.proxyId());
        if (b != null) {
            b.inFlight().decrementAndGet();
        }
    }

    @Override
    public int inFlight(String proxyId) {
        Budget b = budgets.get(proxyId);
        return b == null ? 0 : b.inFlight().get();
    }

    @Override
    public Map<String, Double> budgetLeft(PoolProxy proxy) {
        Map<String, Double> left = new LinkedHashMap<>();
        Bucket bucket = budget(proxy).bucket();
        if (bucket != null) {
            // Bucket4j reports only the tightest period; that is the one that decides.
            long tokens = bucket.getAvailableTokens();
            for (RateLimits.Limit l : proxy.limits().limits()) {
                left.put(l.period().name().toLowerCase(java.util.Locale.ROOT), (double) Math.min(tokens, l.max()));
            }
        }
        return left;
    }

    @Override
    public void publish(HealthEvent event) {
        // One process: the change is already in effect here.
    }

    @Override
    public void subscribe(Consumer<HealthEvent> receiver) {
        // No other process sends events.
    }

    @Override
    public boolean claimTrial(String proxyId) {
        return true;
    }

    @Override
    public String processId() {
        return processId;
    }

    @Override
    public String problem() {
        return null;
    }

    @Override
    public Clock clock() {
        return clock;
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

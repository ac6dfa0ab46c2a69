package dev.reacher.core.smtp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link DestinationLimits} in one process: per destination a fair {@link Semaphore} of
 * {@code maxConcurrency} permits (first come, first served) and the earliest time the next session
 * may start. An entry lives while someone holds or waits for a slot (or its next start is still
 * ahead), so the map holds only busy destinations.
 */
final class LocalDestinationLimits implements DestinationLimits {
    private final int maxConcurrency;
    private final Duration minInterval;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    LocalDestinationLimits(int maxConcurrency, Duration minInterval, Clock clock) {
        this.maxConcurrency = maxConcurrency;
        this.minInterval = minInterval;
        this.clock = clock;
    }

    private final class Entry {
        final Semaphore permits = new Semaphore(maxConcurrency, true);
        int users; // holders and waiters; guarded by the map's compute
        Instant nextStart = Instant.MIN; // guarded by this
    }

    /** Above this many tracked destinations, idle ones kept only for their spacing are swept out. */
    private static final int SWEEP_ABOVE = 4096;

    @Override
    public Slot acquire(String destination, Instant deadline) throws InterruptedException {
        if (entries.size() > SWEEP_ABOVE) {
            sweep();
        }
        Entry entry = entries.compute(destination, (k, e) -> {
            Entry x = e != null ? e : new Entry();
            x.users++;
            return x;
        });
        boolean granted = false;
        try {
            long waitMs = DestinationLimits.millisUntil(clock.instant(), deadline);
            if (waitMs <= 0 ? !entry.permits.tryAcquire() : !entry.permits.tryAcquire(waitMs, TimeUnit.MILLISECONDS)) {
                return null;
            }
            try {
                if (!waitForStart(entry, deadline)) {
                    entry.permits.release();
                    return null;
                }
            } catch (InterruptedException | RuntimeException e) {
                entry.permits.release();
                throw e;
            }
            granted = true;
            AtomicBoolean closed = new AtomicBoolean();
            return () -> {
                if (closed.compareAndSet(false, true)) {
                    entry.permits.release();
                    leave(destination, entry);
                }
            };
        } finally {
            if (!granted) {
                leave(destination, entry);
            }
        }
    }

    /** Reserves the next start time (spaced {@code minInterval} apart) and sleeps until it; false past the deadline. */
    private boolean waitForStart(Entry entry, Instant deadline) throws InterruptedException {
        if (minInterval.isZero()) {
            return true;
        }
        Instant start;
        synchronized (entry) {
            Instant now = clock.instant();
            start = entry.nextStart.isAfter(now) ? entry.nextStart : now;
            if (start.isAfter(deadline)) {
                return false;
            }
            entry.nextStart = start.plus(minInterval);
        }
        Duration pause = Duration.between(clock.instant(), start);
        if (pause.isPositive()) {
            Thread.sleep(pause);
        }
        return true;
    }

    private void leave(String destination, Entry entry) {
        entries.computeIfPresent(destination, (k, e) -> {
            if (e != entry) {
                return e;
            }
            e.users--;
            boolean spacingAhead;
            synchronized (e) {
                spacingAhead = e.nextStart.isAfter(clock.instant());
            }
            // Keep an entry whose next start is still ahead, so the spacing holds; the next user removes it.
            return e.users == 0 && !spacingAhead ? null : e;
        });
    }

    private void sweep() {
        for (String destination : entries.keySet()) {
            entries.computeIfPresent(destination, (k, e) -> {
                synchronized (e) {
                    return e.users == 0 && !e.nextStart.isAfter(clock.instant()) ? null : e;
                }
            });
        }
    }

    /** Destinations currently tracked (for tests: idle ones are evicted). */
    int trackedDestinations() {
        return entries.size();
    }
}

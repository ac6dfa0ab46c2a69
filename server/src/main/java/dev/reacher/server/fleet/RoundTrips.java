package dev.reacher.server.fleet;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Round trips to the fleet's store and the time callers spent in them, by purpose (acquire,
 * release, renew, ...): what the shared state costs a verification, logged when its user closes and
 * read by the bulk benchmark. Counting is a few adds per call, nothing is kept per verification.
 */
public final class RoundTrips {
    private record Tally(LongAdder trips, LongAdder nanos) {}

    private final ConcurrentHashMap<String, Tally> byKind = new ConcurrentHashMap<>();

    /** {@code trips} round trips for {@code kind} that a caller waited for since {@code startNanos} ({@link System#nanoTime()}). */
    public void add(String kind, int trips, long startNanos) {
        Tally t = byKind.computeIfAbsent(kind, k -> new Tally(new LongAdder(), new LongAdder()));
        t.trips().add(trips);
        t.nanos().add(System.nanoTime() - startNanos);
    }

    public long total() {
        return byKind.values().stream().mapToLong(t -> t.trips().sum()).sum();
    }

    /** Round trips by kind. */
    public Map<String, Long> trips() {
        Map<String, Long> m = new TreeMap<>();
        byKind.forEach((k, t) -> m.put(k, t.trips().sum()));
        return m;
    }

    /** Milliseconds spent by kind (including waits for a pooled connection). */
    public Map<String, Double> millis() {
        Map<String, Double> m = new TreeMap<>();
        byKind.forEach((k, t) -> m.put(k, t.nanos().sum() / 1e6));
        return m;
    }

    /** {@code total=N kind=trips/ms ...}, for the log line at close. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("total=").append(total());
        Map<String, Double> ms = millis();
        trips().forEach((k, n) -> sb.append(' ').append(k).append('=').append(n).append('/')
                .append(Math.round(ms.get(k))).append("ms"));
        return sb.toString();
    }
}

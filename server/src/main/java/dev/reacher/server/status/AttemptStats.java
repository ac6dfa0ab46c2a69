package dev.reacher.server.status;

import dev.reacher.core.proxy.PoolListener;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the status page shows per proxy beyond the pool's own state: attempts by outcome class, the
 * last attempt that gave no verdict, and attempt latency p50/p99 over the last
 * {@value #WINDOW} attempts. A {@link PoolListener}: it is told of every attempt where it ends.
 */
public final class AttemptStats implements PoolListener {
    /** Latency percentiles are over this many recent attempts per proxy. */
    static final int WINDOW = 512;

    private final Map<String, Member> members = new ConcurrentHashMap<>();

    /** One proxy's numbers; guarded by itself. */
    private static final class Member {
        final Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
        final long[] latencyMicros = new long[WINDOW];
        int next;
        int filled;
        Outcome lastFault;
        Instant lastFaultAt;
    }

    @Override
    public void attemptEnded(String proxyId, Outcome outcome, Duration duration) {
        Member m = members.computeIfAbsent(proxyId, id -> new Member());
        synchronized (m) {
            m.counts.merge(outcome, 1L, Long::sum);
            m.latencyMicros[m.next] = duration.toNanos() / 1000;
            m.next = (m.next + 1) % WINDOW;
            m.filled = Math.min(m.filled + 1, WINDOW);
            if (outcome != Outcome.VERDICT) {
                m.lastFault = outcome;
                m.lastFaultAt = Instant.now();
            }
        }
    }

    /**
     * The numbers of one proxy as JSON-ready values: {@code attempts} by outcome class,
     * {@code last_fault} ({@code outcome}, {@code at}) or null, {@code latency_ms} ({@code p50},
     * {@code p99}, {@code samples}).
     */
    public Map<String, Object> of(String proxyId) {
        Member m = members.get(proxyId);
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Long> attempts = new LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            attempts.put(o.json(), 0L);
        }
        Map<String, Object> latency = new LinkedHashMap<>();
        Map<String, Object> lastFault = null;
        if (m != null) {
            long[] sorted;
            synchronized (m) {
                m.counts.forEach((o, n) -> attempts.put(o.json(), n));
                sorted = Arrays.copyOf(m.latencyMicros, m.filled);
                if (m.lastFault != null) {
                    lastFault = new LinkedHashMap<>();
                    lastFault.put("outcome", m.lastFault.json());
                    lastFault.put("at", m.lastFaultAt.toString());
                }
            }
            Arrays.sort(sorted);
            latency.put("p50", percentileMillis(sorted, 0.50));
            latency.put("p99", percentileMillis(sorted, 0.99));
            latency.put("samples", sorted.length);
        } else {
            latency.put("p50", null);
            latency.put("p99", null);
            latency.put("samples", 0);
        }
        out.put("attempts", attempts);
        out.put("last_fault", lastFault);
        out.put("latency_ms", latency);
        return out;
    }

    /** Nearest-rank percentile, in milliseconds with one decimal; null without samples. */
    static Double percentileMillis(long[] sortedMicros, double p) {
        if (sortedMicros.length == 0) {
            return null;
        }
        int rank = (int) Math.ceil(p * sortedMicros.length);
        long micros = sortedMicros[Math.max(0, Math.min(sortedMicros.length - 1, rank - 1))];
        return Math.round(micros / 100.0) / 10.0;
    }
}

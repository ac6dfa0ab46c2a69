package dev.reacher.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * Percentiles of a finished run's latencies (every sample kept, sorted once: runs here are at most
 * tens of thousands of samples, so no histogram approximation is needed).
 *
 * @param count samples
 * @param wall time from the first start to the last end
 */
public record LatencyStats(int count, Duration wall, long p50Nanos, long p90Nanos, long p99Nanos, long maxNanos,
        long meanNanos) {

    /** Nearest-rank percentiles of {@code nanos} (the array is sorted in place). */
    public static LatencyStats of(long[] nanos, Duration wall) {
        if (nanos.length == 0) {
            return new LatencyStats(0, wall, 0, 0, 0, 0, 0);
        }
        Arrays.sort(nanos);
        long sum = 0;
        for (long n : nanos) {
            sum += n;
        }
        return new LatencyStats(nanos.length, wall, rank(nanos, 0.50), rank(nanos, 0.90), rank(nanos, 0.99),
                nanos[nanos.length - 1], sum / nanos.length);
    }

    /** The smallest sample with at least {@code q} of the samples at or below it. */
    static long rank(long[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /** Completed operations per second of wall time. */
    public double throughput() {
        double seconds = wall.toNanos() / 1e9;
        return seconds <= 0 ? 0 : count / seconds;
    }

    /** One line: count, wall time, throughput and the percentiles in milliseconds. */
    public String summary() {
        return String.format(Locale.ROOT,
                "%d in %.2f s = %.1f/s; latency ms p50 %.1f p90 %.1f p99 %.1f max %.1f (mean %.1f)",
                count, wall.toNanos() / 1e9, throughput(), ms(p50Nanos), ms(p90Nanos), ms(p99Nanos), ms(maxNanos),
                ms(meanNanos));
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}

package dev.reacher.core.proxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-proxy request budgets ({@code max_requests_per_second|minute|hour|day}); null means no
 * limit for that period.
 */
public record RateLimits(Integer perSecond, Integer perMinute, Integer perHour, Integer perDay) {
    public static final RateLimits NONE = new RateLimits(null, null, null, null);

    public RateLimits {
        check("max_requests_per_second", perSecond);
        check("max_requests_per_minute", perMinute);
        check("max_requests_per_hour", perHour);
        check("max_requests_per_day", perDay);
    }

    /** A budget's window; {@link #label()} is the wording of upstream's throttle message. */
    public enum Period {
        SECOND(Duration.ofSeconds(1), "per second"),
        MINUTE(Duration.ofMinutes(1), "per minute"),
        HOUR(Duration.ofHours(1), "per hour"),
        DAY(Duration.ofDays(1), "per day");

        private final Duration length;
        private final String label;

        Period(Duration length, String label) {
            this.length = length;
            this.label = label;
        }

        public Duration length() {
            return length;
        }

        public String label() {
            return label;
        }
    }

    /** One configured budget: at most {@code max} requests per {@code period}. */
    public record Limit(Period period, int max) {}

    /**
     * The configured budgets, shortest window first: what the token buckets of a proxy's budget and
     * of the server's {@code [throttle]} are built from.
     */
    public List<Limit> limits() {
        List<Limit> list = new ArrayList<>(4);
        Integer[] max = {perSecond, perMinute, perHour, perDay};
        for (Period p : Period.values()) {
            if (max[p.ordinal()] != null) {
                list.add(new Limit(p, max[p.ordinal()]));
            }
        }
        return List.copyOf(list);
    }

    public boolean isUnlimited() {
        return perSecond == null && perMinute == null && perHour == null && perDay == null;
    }

    private static void check(String name, Integer value) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }
}

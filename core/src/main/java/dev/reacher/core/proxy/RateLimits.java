package dev.reacher.core.proxy;

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

    public boolean isUnlimited() {
        return perSecond == null && perMinute == null && perHour == null && perDay == null;
    }

    private static void check(String name, Integer value) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }
}

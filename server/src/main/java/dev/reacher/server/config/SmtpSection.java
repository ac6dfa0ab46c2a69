package dev.reacher.server.config;

import dev.reacher.core.proxy.RateLimits;
import dev.reacher.core.smtp.Politeness;
import java.time.Duration;

/**
 * What the receiving mail servers and our own callers see of our pace: {@code [smtp_politeness]}
 * and the {@code max_requests_per_*} limits of {@code [throttle]} and of each proxy.
 * {@link Politeness#DEFAULTS} holds the politeness defaults; no key means no limit.
 */
final class SmtpSection {
    private SmtpSection() {}

    /** {@code [smtp_politeness]}: what the receiving mail servers see of us, per destination. */
    static Politeness politeness(ConfigTree t) {
        t.requireTable("smtp_politeness");
        Politeness d = Politeness.DEFAULTS;
        int maxConcurrency = ConfigTree.orDefault(t.intValue("smtp_politeness.max_concurrency", 1, 100_000,
                "a whole number of sessions 1-100000"), d.maxConcurrency());
        long minIntervalMs = ConfigTree.orDefault(t.integer("smtp_politeness.min_interval_ms", 0, 3_600_000L,
                "a whole number of milliseconds 0-3600000 (0: no spacing)"), d.minInterval().toMillis());
        long ttlSecs = ConfigTree.orDefault(t.integer("smtp_politeness.catch_all_ttl_secs", 0, 604_800L,
                "a whole number of seconds 0-604800 (0: no catch-all cache)"), d.catchAllTtl().toSeconds());
        int maxRcpt = ConfigTree.orDefault(t.intValue("smtp_politeness.max_rcpt_per_session", 1, 1000,
                "a whole number of recipients 1-1000 (1: a session per address)"), d.maxRcptPerSession());
        return new Politeness(maxConcurrency, Duration.ofMillis(minIntervalMs), Duration.ofSeconds(ttlSecs),
                maxRcpt);
    }

    /** The {@code max_requests_per_*} keys of the table at {@code path} ({@code throttle} or a proxy). */
    static RateLimits rateLimits(ConfigTree t, String path) {
        t.requireTable(path);
        String expectation = "a whole number ≥ 1 (remove the key for no limit)";
        return new RateLimits(
                t.intValue(path + ".max_requests_per_second", 1, Integer.MAX_VALUE, expectation),
                t.intValue(path + ".max_requests_per_minute", 1, Integer.MAX_VALUE, expectation),
                t.intValue(path + ".max_requests_per_hour", 1, Integer.MAX_VALUE, expectation),
                t.intValue(path + ".max_requests_per_day", 1, Integer.MAX_VALUE, expectation));
    }
}

package dev.reacher.core.smtp;

import java.time.Duration;
import java.util.Objects;

/**
 * How politely one process treats the mail servers it verifies against, modelled on Postfix's SMTP
 * client ({@code default_destination_concurrency_limit}, {@code smtp_destination_rate_delay}): at
 * most {@code maxConcurrency} SMTP sessions open at once per destination, new sessions to one
 * destination at least {@code minInterval} apart, and a domain's catch-all probe answer reused for
 * {@code catchAllTtl} instead of a random-address {@code RCPT} per address; bulk addresses bound for
 * the same destination share a session, up to {@code maxRcptPerSession} recipients in it (Postfix's
 * {@code smtp_connection_cache_on_demand}, kept under the servers' {@code smtpd_recipient_limit}).
 *
 * @param maxConcurrency sessions open at once per destination, at least 1
 * @param minInterval least time between the starts of two sessions to one destination; zero for none
 * @param catchAllTtl how long a domain's catch-all answer is reused; zero turns the cache off
 * @param maxRcptPerSession recipients one shared bulk session may carry, at least 1 (1: one session
 *     per address, as before)
 */
public record Politeness(int maxConcurrency, Duration minInterval, Duration catchAllTtl, int maxRcptPerSession) {
    public static final int DEFAULT_MAX_CONCURRENCY = 5;
    public static final Duration DEFAULT_MIN_INTERVAL = Duration.ZERO;
    public static final Duration DEFAULT_CATCH_ALL_TTL = Duration.ofHours(1);
    /** Under Postfix's {@code smtpd_soft_error_limit} (10 bad recipients before it tarpits). */
    public static final int DEFAULT_MAX_RCPT_PER_SESSION = 10;
    /**
     * The server's defaults: 5 sessions per destination, no spacing, catch-all answers kept an hour,
     * up to 10 bulk recipients per session.
     */
    public static final Politeness DEFAULTS = new Politeness(DEFAULT_MAX_CONCURRENCY, DEFAULT_MIN_INTERVAL,
            DEFAULT_CATCH_ALL_TTL, DEFAULT_MAX_RCPT_PER_SESSION);

    public Politeness {
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("max_concurrency must be at least 1, got " + maxConcurrency);
        }
        Objects.requireNonNull(minInterval, "minInterval");
        Objects.requireNonNull(catchAllTtl, "catchAllTtl");
        if (minInterval.isNegative() || catchAllTtl.isNegative()) {
            throw new IllegalArgumentException("min_interval and catch_all_ttl must not be negative");
        }
        if (maxRcptPerSession < 1) {
            throw new IllegalArgumentException("max_rcpt_per_session must be at least 1, got " + maxRcptPerSession);
        }
    }

    /** With one session per address ({@code max_rcpt_per_session} 1), as before shared sessions. */
    public Politeness(int maxConcurrency, Duration minInterval, Duration catchAllTtl) {
        this(maxConcurrency, minInterval, catchAllTtl, 1);
    }

    /** True when bulk addresses may share a session. */
    public boolean sharesSessions() {
        return maxRcptPerSession > 1;
    }

    /** True when catch-all answers are reused. */
    public boolean cachesCatchAll() {
        return !catchAllTtl.isZero();
    }
}

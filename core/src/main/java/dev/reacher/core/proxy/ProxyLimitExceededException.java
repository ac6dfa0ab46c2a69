package dev.reacher.core.proxy;

import java.time.Duration;
import java.time.Instant;

/**
 * No proxy that could carry this verification has budget (rate limit or {@code max_in_flight})
 * until {@link #budgetReturnsAt()}: thrown at once with {@link LimitPolicy#FAIL} (the HTTP layer
 * answers 429 with {@code Retry-After}), and with {@link LimitPolicy#WAIT} when the budget returns
 * only after the verification's own deadline. Nothing was concluded about the address: the caller
 * should try it again after {@link #retryAfter()} (bulk work goes back to its queue with that delay)
 * rather than report it {@code unknown}.
 */
public final class ProxyLimitExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;
    private final Instant budgetReturnsAt;

    public ProxyLimitExceededException(Duration retryAfter) {
        this(retryAfter, Instant.now().plus(retryAfter));
    }

    public ProxyLimitExceededException(Duration retryAfter, Instant budgetReturnsAt) {
        super("all proxies are at their rate limit or in-flight cap; retry after "
                + Math.max(1, (retryAfter.toMillis() + 999) / 1000) + " s");
        this.retryAfter = retryAfter;
        this.budgetReturnsAt = budgetReturnsAt;
    }

    /** How long until the soonest proxy has budget again. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** When the soonest proxy has budget again. */
    public Instant budgetReturnsAt() {
        return budgetReturnsAt;
    }
}

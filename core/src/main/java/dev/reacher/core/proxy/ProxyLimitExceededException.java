package dev.reacher.core.proxy;

import java.time.Duration;

/**
 * Every proxy that could carry a verification is over its rate limit or in-flight cap, and the
 * caller asked not to wait ({@link LimitPolicy#FAIL}); the HTTP layer answers 429 with
 * {@code Retry-After}.
 */
public final class ProxyLimitExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;

    public ProxyLimitExceededException(Duration retryAfter) {
        super("all proxies are at their rate limit or in-flight cap; retry after "
                + Math.max(1, (retryAfter.toMillis() + 999) / 1000) + " s");
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}

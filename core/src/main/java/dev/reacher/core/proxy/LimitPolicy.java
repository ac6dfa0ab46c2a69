package dev.reacher.core.proxy;

/** What a verification does when every usable proxy is over its rate limit or in-flight cap. */
public enum LimitPolicy {
    /**
     * Wait for budget within the verification's deadline (bulk work, library default). When the
     * budget returns only after the deadline, throw {@link ProxyLimitExceededException} instead of
     * failing the verification, so the caller can run it again later.
     */
    WAIT,
    /** Throw {@link ProxyLimitExceededException} at once ({@code /v1/check_email}: 429). */
    FAIL,
    /** Go ahead through the least-loaded proxy ({@code /v0/check_email}, which upstream never throttles). */
    IGNORE
}

package dev.reacher.core.proxy;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpAttempt;
import java.time.Duration;
import java.time.Instant;

/**
 * Pool events, for metrics adapters (the server binds them to Micrometer); core itself depends on
 * no metrics library. Called synchronously on the verifying thread: keep implementations cheap.
 */
public interface PoolListener {
    default void picked(String proxyId) {}

    default void attemptEnded(String proxyId, SmtpAttempt.Outcome outcome, Duration duration) {}

    default void ejected(String proxyId, Instant until) {}

    default void readmitted(String proxyId) {}

    default void blacklisted(String proxyId, Provider provider, Instant until) {}

    /**
     * A pick found no usable member with budget and a free slot: the verification waits
     * {@code retryAfter} (or is answered 429 / deferred). Shows how often the limits, not demand, set the pace.
     */
    default void exhausted(Duration retryAfter) {}

    /**
     * An active health check of this proxy ended (never a verification): {@code result} is
     * {@code passed}, or the step that failed ({@code proxy_connect}, {@code greeting}, {@code auth},
     * {@code connect}).
     */
    default void healthChecked(String proxyId, String result) {}

    /** The member set was replaced ({@link ProxyPool#reload}); {@code ids} are the members now. */
    default void membersChanged(java.util.Set<String> ids) {}
}

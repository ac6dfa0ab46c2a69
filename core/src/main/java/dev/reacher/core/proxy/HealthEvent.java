package dev.reacher.core.proxy;

import java.time.Instant;
import java.util.Objects;

/**
 * A health change of one proxy, made by one process and applied by every process of a fleet.
 *
 * @param scope what a {@link Kind#BLACKLISTED} backoff is for (a provider key, or the MX host for
 *     {@code everything_else}: see {@code BlacklistBackoff.scope}), else null
 * @param until end of the ejection or blacklist backoff (null for {@link Kind#READMITTED})
 * @param strikes times ejected in a row, or blacklist strikes for the pair
 * @param by the {@link PoolState#processId()} of the process that made the change
 */
public record HealthEvent(Kind kind, String proxyId, String scope, Instant until, int strikes, String by) {

    /** What happened. */
    public enum Kind {
        /** Taken out of rotation until {@code until}; then one process gets its trial. */
        EJECTED,
        /** Passed its trial: back in rotation everywhere. */
        READMITTED,
        /** Avoided for {@code scope} until {@code until}. */
        BLACKLISTED
    }

    public HealthEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(proxyId, "proxyId");
        Objects.requireNonNull(by, "by");
        if (kind == Kind.BLACKLISTED && (scope == null || scope.isEmpty())) {
            throw new IllegalArgumentException("a blacklist event names its scope");
        }
        if (kind != Kind.READMITTED && until == null) {
            throw new IllegalArgumentException(kind + " needs an end time");
        }
    }
}

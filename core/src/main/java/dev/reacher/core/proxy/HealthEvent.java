package dev.reacher.core.proxy;

import dev.reacher.core.mx.Provider;
import java.time.Instant;
import java.util.Objects;

/**
 * A health change of one proxy, made by one process and applied by every process of a fleet.
 *
 * @param provider the blacklisting provider for {@link Kind#BLACKLISTED}, else null
 * @param until end of the ejection or blacklist backoff (null for {@link Kind#READMITTED})
 * @param strikes times ejected in a row, or blacklist strikes for the pair
 * @param by the {@link PoolState#processId()} of the process that made the change
 */
public record HealthEvent(Kind kind, String proxyId, Provider provider, Instant until, int strikes, String by) {

    /** What happened. */
    public enum Kind {
        /** Taken out of rotation until {@code until}; then one process gets its trial. */
        EJECTED,
        /** Passed its trial: back in rotation everywhere. */
        READMITTED,
        /** Avoided for {@code provider} until {@code until}. */
        BLACKLISTED
    }

    public HealthEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(proxyId, "proxyId");
        Objects.requireNonNull(by, "by");
        if (kind == Kind.BLACKLISTED && provider == null) {
            throw new IllegalArgumentException("a blacklist event names its provider");
        }
        if (kind != Kind.READMITTED && until == null) {
            throw new IllegalArgumentException(kind + " needs an end time");
        }
    }
}

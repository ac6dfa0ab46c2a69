package dev.reacher.core.proxy;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;
import dev.reacher.core.smtp.SmtpRoute;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A proxy reserved for one attempt. Report the attempt's outcome exactly once with
 * {@link #report}; that frees the slot and updates the proxy's health.
 */
public final class Lease implements ProxyPool.Pick {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyPool.class);
    private final ProxyPool pool;
    private final ProxyHealth health;
    private final PoolState.Slot slot;
    private final Provider provider;
    private final String scope;
    private final AtomicBoolean reported = new AtomicBoolean();

    Lease(ProxyPool pool, ProxyHealth health, PoolState.Slot slot, Provider provider, String scope) {
        this.pool = pool;
        this.health = health;
        this.slot = slot;
        this.provider = provider;
        this.scope = scope;
    }

    public PoolProxy proxy() {
        return health.proxy();
    }

    public SmtpRoute route() {
        return SmtpRoute.via(health.proxy().id(), health.proxy().proxy());
    }

    public void report(Outcome outcome, Duration duration) {
        report(outcome, duration, null);
    }

    /**
     * As {@link #report(Outcome, Duration)}, with the attempt's error text: it becomes the
     * proxy's last error and the reason in the log line of an ejection or a backoff.
     */
    public void report(Outcome outcome, Duration duration, String error) {
        if (!reported.compareAndSet(false, true)) {
            return;
        }
        Transition t = health.release(slot, outcome, scope, error);
        String id = health.proxy().id();
        logTransition(id, t, scope, health.lastError());
        for (PoolListener l : pool.listeners()) {
            l.attemptEnded(id, outcome, duration);
        }
        pool.notify(id, provider, t);
    }

    /** Frees the slot without judging the proxy (the attempt never ran). */
    public void cancel() {
        if (reported.compareAndSet(false, true)) {
            health.releaseWithoutOutcome(slot);
        }
    }

    /** One INFO line per change of a proxy's state, where it happens; never a credential. */
    private static void logTransition(String id, Transition t, String scope, String reason) {
        switch (t.kind()) {
            case EJECTED -> LOG.info("proxy {} ejected until {}: {}", id, t.until(), reason);
            case READMITTED -> LOG.info("proxy {} readmitted: a verification through it succeeded on trial", id);
            case BLACKLISTED -> LOG.info("proxy {} backed off for {} until {}: {}", id, scope, t.until(),
                    reason);
            case NONE -> { }
        }
    }
}

package dev.reacher.core.proxy;

import java.time.Instant;

/**
 * One proxy's ejection and trial: consecutive proxy faults eject it for a time that grows with each
 * ejection in a row (capped); once that time is over it is on trial, with one process of the fleet
 * sending the trial traffic, until its first success readmits it or its first fault ejects it again.
 * Not thread-safe: {@link ProxyHealth} calls it under its lock.
 */
final class EjectionState {
    /** Who sends the trial traffic once an ejection is over: one process of the fleet. */
    private enum Trial { UNCLAIMED, MINE, OTHERS }

    private final PoolSettings.Ejection settings;
    private final PoolState state;
    private final String proxyId;
    private int consecutiveFailures;
    private int streak; // ejections in a row; 0 when in rotation
    private int timesEjected;
    private Instant until;
    private boolean trialAnnounced; // the current ejection's trial has been reported once
    private String by;
    private Trial trial = Trial.UNCLAIMED;
    private Instant trialRetryAt;

    EjectionState(PoolSettings.Ejection settings, PoolState state, String proxyId) {
        this.settings = settings;
        this.state = state;
        this.proxyId = proxyId;
    }

    /** The end of the current ejection, or null when not ejected at {@code now}. */
    Instant until(Instant now) {
        return until != null && now.isBefore(until) ? until : null;
    }

    /** Ejected or on trial (not yet readmitted). */
    boolean out() {
        return streak > 0;
    }

    /**
     * When the proxy may next be used: null if now (in rotation, or on trial with this process
     * holding the trial), else the end of its ejection or when to ask for the trial again.
     */
    Instant blockedUntil(Instant now) {
        if (until != null && now.isBefore(until)) {
            return until;
        }
        return streak > 0 ? trialBlockedUntil(now) : null;
    }

    /**
     * On trial (ejection over, not yet readmitted): null when this process holds the fleet's trial
     * claim, else when to ask again. Asks the state at most once a second.
     */
    private Instant trialBlockedUntil(Instant now) {
        if (trial == Trial.MINE) {
            return null;
        }
        if (trial == Trial.OTHERS && trialRetryAt != null && now.isBefore(trialRetryAt)) {
            return trialRetryAt;
        }
        boolean mine;
        try {
            mine = state.claimTrial(proxyId);
        } catch (PoolStateUnavailableException e) {
            mine = false;
        }
        trial = mine ? Trial.MINE : Trial.OTHERS;
        trialRetryAt = mine ? null : now.plusSeconds(1);
        return trialRetryAt;
    }

    /** A proxy fault: ejects on trial, or after {@code consecutive_failures} in a row. */
    Transition fault(Instant now) {
        consecutiveFailures++;
        boolean onTrial = streak > 0 && (until == null || !now.isBefore(until));
        if (onTrial || consecutiveFailures >= settings.consecutiveFailures()) {
            return eject(now);
        }
        return Transition.NONE;
    }

    /** The proxy carried a conversation: it works, and an ejected or trial proxy is readmitted. */
    Transition worked() {
        consecutiveFailures = 0;
        boolean readmitted = streak > 0;
        clear();
        return readmitted ? Transition.READMITTED : Transition.NONE;
    }

    /** True exactly once per ejection: the first time it is asked after the ejection time ended. */
    boolean announceTrial(Instant now) {
        if (streak == 0 || trialAnnounced || until == null || now.isBefore(until)) {
            return false;
        }
        trialAnnounced = true;
        return true;
    }

    /**
     * A passed health check ends a current ejection now (the proxy goes on trial).
     *
     * @return the ejection streak when this ended an ejection, else 0
     */
    int endEarly(Instant now) {
        if (until == null || !now.isBefore(until)) {
            return 0;
        }
        until = now;
        trialAnnounced = true; // the health check's log line already said so
        return streak;
    }

    /**
     * A failed health check: ejects a proxy in rotation (or on trial) at once; keeps an ejected one
     * out at least until {@code nextProbe}, and then returns null (nothing to publish).
     */
    Transition probeFailed(Instant now, Instant nextProbe) {
        if (until != null && now.isBefore(until)) {
            if (until.isBefore(nextProbe)) {
                until = nextProbe;
            }
            return null;
        }
        return eject(now);
    }

    /** Another process ejected the proxy (or the shared state said so at start). */
    Transition ejectedElsewhere(HealthEvent event) {
        streak = Math.max(1, event.strikes());
        until = event.until();
        by = event.by();
        consecutiveFailures = 0;
        trialAnnounced = false;
        trial = Trial.UNCLAIMED;
        trialRetryAt = null;
        return Transition.ejected(event.until(), streak);
    }

    /** Another process readmitted the proxy. */
    Transition readmittedElsewhere() {
        boolean was = streak > 0;
        clear();
        consecutiveFailures = 0;
        return was ? Transition.READMITTED : Transition.NONE;
    }

    private Transition eject(Instant now) {
        streak++;
        timesEjected++;
        consecutiveFailures = 0;
        trialAnnounced = false;
        long ms = Math.min(settings.base().toMillis() * streak, settings.max().toMillis());
        until = now.plusMillis(ms);
        by = state.processId();
        trial = Trial.UNCLAIMED;
        return Transition.ejected(until, streak);
    }

    private void clear() {
        streak = 0;
        until = null;
        by = null;
        trial = Trial.UNCLAIMED;
        trialRetryAt = null;
    }

    /** The process that ejected the proxy last (null after a readmission). */
    String by() {
        return by;
    }

    int consecutiveFailures() {
        return consecutiveFailures;
    }

    int timesEjected() {
        return timesEjected;
    }
}

package dev.reacher.core.proxy;

import java.time.Instant;

/** A change of a proxy's health worth telling the pool's listeners (and the fleet) about. */
record Transition(Kind kind, Instant until, int strikes) {
    enum Kind { NONE, EJECTED, READMITTED, BLACKLISTED }

    static final Transition NONE = new Transition(Kind.NONE, null, 0);
    static final Transition READMITTED = new Transition(Kind.READMITTED, null, 0);

    static Transition ejected(Instant until, int streak) {
        return new Transition(Kind.EJECTED, until, streak);
    }

    static Transition blacklisted(Instant until, int strikes) {
        return new Transition(Kind.BLACKLISTED, until, strikes);
    }
}

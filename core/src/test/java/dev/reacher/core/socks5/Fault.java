package dev.reacher.core.socks5;

import dev.reacher.core.smtp.Blame;
import dev.reacher.core.smtp.SmtpAttempt.Outcome;

/** Whom a SOCKS5 failure blames, as the SMTP attempt's one classifier ({@link Blame}) decides it. */
enum Fault {
    PROXY,
    TARGET;

    static Fault of(Socks5Exception e) {
        return of(Blame.of(Blame.Ending.of(e)));
    }

    static Fault of(Socks5TimeoutException e) {
        return of(Blame.of(Blame.Ending.of(e)));
    }

    private static Fault of(Outcome outcome) {
        return switch (outcome) {
            case PROXY_FAULT -> PROXY;
            case TARGET_FAULT -> TARGET;
            default -> throw new AssertionError("a SOCKS5 failure blamed as " + outcome);
        };
    }
}

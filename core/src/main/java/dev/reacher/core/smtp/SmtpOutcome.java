package dev.reacher.core.smtp;

import java.util.List;

/**
 * The result of the SMTP step: either {@code details} or {@code error}, the MX host that was
 * talked to (or tried first), every attempt made, and the SMTP config of the last attempt (its
 * {@code proxy} is the proxy actually used, its identity the one actually sent).
 */
public record SmtpOutcome(SmtpDetails details, SmtpError error, String host, List<SmtpAttempt> attempts,
        SmtpConfig used) {
    public SmtpOutcome {
        if ((details == null) == (error == null)) {
            throw new IllegalArgumentException("exactly one of details and error");
        }
        attempts = List.copyOf(attempts);
    }

    public boolean isError() {
        return error != null;
    }
}

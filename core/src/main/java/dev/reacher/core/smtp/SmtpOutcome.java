package dev.reacher.core.smtp;

import java.util.List;

/**
 * The result of the SMTP step: either {@code details} or {@code error}, the MX host that was
 * talked to (or tried first), and every attempt made.
 */
public record SmtpOutcome(SmtpDetails details, SmtpError error, String host, List<SmtpAttempt> attempts) {
    public SmtpOutcome {
        if ((details == null) == (error == null)) {
            throw new IllegalArgumentException("exactly one of details and error");
        }
        attempts = List.copyOf(attempts);
    }

    public boolean isError() {
        return error != null;
    }

    /** The SMTP config's proxy id of the last attempt's route, or null when direct. */
    public String lastProxy() {
        return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1).proxy();
    }
}

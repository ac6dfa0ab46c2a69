package dev.reacher.core.smtp;

import java.util.List;
import java.util.Objects;

/**
 * Everything the SMTP step needs for one address. Where its connections go is not part of it: the
 * {@link AttemptRoutes} of the verification decides that, attempt by attempt.
 *
 * @param toEmail the address exactly as given (it is what {@code RCPT TO} carries)
 * @param domain the domain as typed; the catch-all probe uses it
 * @param mxHosts MX host names with trailing dots, best preference first; the first one is
 *     upstream's only host, the others are fallbacks when it cannot be reached
 * @param config the provider's SMTP settings (an attempt through a proxy with its own identity
 *     uses {@link AttemptRoutes.Next#configFor} of it)
 */
public record SmtpRequest(String toEmail, String domain, List<String> mxHosts, SmtpConfig config) {
    public SmtpRequest {
        Objects.requireNonNull(toEmail, "toEmail");
        Objects.requireNonNull(domain, "domain");
        mxHosts = List.copyOf(mxHosts);
        if (mxHosts.isEmpty()) {
            throw new IllegalArgumentException("at least one MX host is needed");
        }
        Objects.requireNonNull(config, "config");
    }

    /** The same request with another config (an attempt's proxy and identity). */
    public SmtpRequest withConfig(SmtpConfig other) {
        return new SmtpRequest(toEmail, domain, mxHosts, other);
    }
}

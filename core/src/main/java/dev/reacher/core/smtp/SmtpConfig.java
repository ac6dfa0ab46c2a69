package dev.reacher.core.smtp;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;

/**
 * How to run the SMTP conversation for one provider: upstream's {@code VerifMethodSmtpConfig},
 * with its field order and defaults. {@code proxy} is a proxy <em>id</em>, not a proxy.
 *
 * @param retries total number of attempts (upstream's name); 0 behaves like 1
 * @param smtpTimeout limit for one whole attempt; null means upstream's "none", which we cap at
 *     {@link #DEFAULT_ATTEMPT_CEILING} so that no verification can hang
 */
@JsonPropertyOrder({"from_email", "hello_name", "proxy", "smtp_port", "smtp_timeout", "retries"})
public record SmtpConfig(
        @JsonProperty("from_email") String fromEmail,
        @JsonProperty("hello_name") String helloName,
        @JsonProperty("proxy") String proxy,
        @JsonProperty("smtp_port") int smtpPort,
        @JsonProperty("smtp_timeout") Duration smtpTimeout,
        @JsonProperty("retries") int retries) {

    public static final String DEFAULT_FROM_EMAIL = "reacher@gmail.com";
    public static final String DEFAULT_HELLO_NAME = "gmail.com";
    public static final int DEFAULT_SMTP_PORT = 25;
    /** Applied when {@code smtp_timeout} is null: upstream has no limit at all, we refuse to hang. */
    public static final Duration DEFAULT_ATTEMPT_CEILING = Duration.ofSeconds(60);

    public SmtpConfig {
        if (fromEmail == null) fromEmail = DEFAULT_FROM_EMAIL;
        if (helloName == null) helloName = DEFAULT_HELLO_NAME;
        if (smtpPort < 1 || smtpPort > 65535) {
            throw new IllegalArgumentException("smtp_port must be 1-65535, got " + smtpPort);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must not be negative, got " + retries);
        }
        if (smtpTimeout != null && (smtpTimeout.isNegative() || smtpTimeout.isZero())) {
            throw new IllegalArgumentException("smtp_timeout must be positive");
        }
    }

    /** JSON form: every field optional, missing ones take upstream's defaults. */
    @JsonCreator
    static SmtpConfig fromJson(
            @JsonProperty("from_email") String fromEmail,
            @JsonProperty("hello_name") String helloName,
            @JsonProperty("proxy") String proxy,
            @JsonProperty("smtp_port") Integer smtpPort,
            @JsonProperty("smtp_timeout") Duration smtpTimeout,
            @JsonProperty("retries") Integer retries) {
        return new SmtpConfig(fromEmail, helloName, proxy,
                smtpPort == null ? DEFAULT_SMTP_PORT : smtpPort, smtpTimeout, retries == null ? 1 : retries);
    }

    /** Upstream's defaults: reacher@gmail.com, gmail.com, no proxy, port 25, no timeout, 1 attempt. */
    public static SmtpConfig defaults() {
        return new SmtpConfig(null, null, null, DEFAULT_SMTP_PORT, null, 1);
    }

    /** Attempts to make: {@code retries}, at least one. */
    public int attempts() {
        return Math.max(1, retries);
    }

    /** The limit actually enforced for one attempt. */
    public Duration attemptTimeout() {
        return smtpTimeout != null ? smtpTimeout : DEFAULT_ATTEMPT_CEILING;
    }

    public SmtpConfig withProxy(String proxyId) {
        return new SmtpConfig(fromEmail, helloName, proxyId, smtpPort, smtpTimeout, retries);
    }

    public SmtpConfig withIdentity(String helloName, String fromEmail) {
        return new SmtpConfig(fromEmail, helloName, proxy, smtpPort, smtpTimeout, retries);
    }

    /**
     * This config with a proxy's own EHLO name and MAIL FROM, where it has them: they win over the
     * provider's, because an MX compares the EHLO name with the reverse DNS of the IP it sees (the
     * proxy's). Null arguments keep this config's values.
     */
    public SmtpConfig withProxyIdentity(String proxyHelloName, String proxyFromEmail) {
        if (proxyHelloName == null && proxyFromEmail == null) {
            return this;
        }
        return withIdentity(proxyHelloName != null ? proxyHelloName : helloName,
                proxyFromEmail != null ? proxyFromEmail : fromEmail);
    }
}

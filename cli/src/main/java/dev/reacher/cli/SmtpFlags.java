package dev.reacher.cli;

import dev.reacher.core.smtp.SmtpConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code reacher check}'s SMTP flags (a picocli mixin): each replaces the configured value when given. */
final class SmtpFlags {
    @Option(names = "--from-email", defaultValue = "${env:FROM_EMAIL}",
            description = "MAIL FROM address (default: the configuration's from_email, as serve: hello@localhost).")
    String fromEmail;

    @Option(names = "--hello-name", defaultValue = "${env:HELLO_NAME}",
            description = "EHLO name (default: the configuration's hello_name, as serve: localhost).")
    String helloName;

    @Option(names = "--smtp-port", defaultValue = "${env:SMTP_PORT}",
            description = "SMTP port (default: the configuration's smtp_port, 25).")
    Integer smtpPort;

    @Option(names = "--smtp-timeout", defaultValue = "${env:SMTP_TIMEOUT}", paramLabel = "SECONDS",
            description = "Limit for one SMTP attempt, in seconds (default: the configuration's smtp_timeout; none: capped at 60 s).")
    Double smtpTimeout;

    @Option(names = "--retries", defaultValue = "${env:RETRIES}",
            description = "Total SMTP attempts when an attempt fails without a verdict (default: the configuration's retries, 1).")
    Integer retries;

    /**
     * {@code base} with the flags given on top; its proxy is kept.
     *
     * @throws IllegalArgumentException for a value {@link SmtpConfig} refuses
     */
    SmtpConfig over(SmtpConfig base) {
        Duration timeout = smtpTimeout == null ? base.smtpTimeout() : Duration.ofMillis(Math.round(smtpTimeout * 1000));
        return new SmtpConfig(orElse(fromEmail, base.fromEmail()), orElse(helloName, base.helloName()), base.proxy(),
                orElse(smtpPort, base.smtpPort()), timeout, orElse(retries, base.retries()));
    }

    private static <T> T orElse(T flag, T configured) {
        return flag != null ? flag : configured;
    }
}

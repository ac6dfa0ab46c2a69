package dev.reacher.cli;

import dev.reacher.core.headless.HeadlessSettings;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.core.verify.VerifMethod;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code reacher check}'s flags for the checks that do not speak SMTP (a picocli mixin): the
 * WebDriver and the method of Hotmail B2C and Yahoo, on top of the configured ones.
 */
final class WebdriverFlags {
    @Option(names = "--webdriver-addr", defaultValue = "${env:WEBDRIVER_ADDR}",
            paramLabel = "URL", description = "The WebDriver (chromedriver) for the headless method (default: the "
                    + "configuration's webdriver_addr, http://localhost:9515).")
    String addr;

    @Option(names = "--webdriver-binary", defaultValue = "${env:WEBDRIVER_BINARY}", paramLabel = "PATH",
            description = "The browser binary chromedriver starts (default: the configuration's webdriver.binary, "
                    + "else chromedriver's choice).")
    String binary;

    @Option(names = "--webdriver-max-sessions", defaultValue = "${env:WEBDRIVER_MAX_SESSIONS}",
            description = "Browser sessions open at once for headless checks (default: the configuration's "
                    + "webdriver.max_sessions, 4).")
    Integer maxSessions;

    @Option(names = "--hotmailb2c-verif-method", defaultValue = "${env:HOTMAILB2C_VERIF_METHOD}",
            paramLabel = "headless|smtp",
            description = "How Hotmail/Outlook.com (B2C) addresses are verified (default: the configuration's "
                    + "overrides.hotmailb2c.type, headless).")
    String hotmailb2cMethod;

    @Option(names = "--yahoo-verif-method", defaultValue = "${env:YAHOO_VERIF_METHOD}",
            paramLabel = "headless|api|smtp", description = "How Yahoo addresses are verified (default: the "
                    + "configuration's overrides.yahoo.type, headless).")
    String yahooMethod;

    /** The configured WebDriver settings ({@code webdriver_addr}, {@code [webdriver]}), with the flags on top. */
    HeadlessSettings over(HeadlessSettings configured, CommandLine.Model.CommandSpec spec) {
        HeadlessSettings settings = configured;
        try {
            if (addr != null && !addr.isBlank()) {
                settings = settings.withWebdriverAddr(java.net.URI.create(addr.strip()));
            }
            if (binary != null) {
                settings = settings.withBinary(binary);
            }
            if (maxSessions != null) {
                settings = settings.withMaxSessions(maxSessions);
            }
            return settings;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--webdriver-*: " + e.getMessage());
        }
    }

    /**
     * {@code --hotmailb2c-verif-method} and {@code --yahoo-verif-method}, when given, on top of the
     * configured methods; {@code smtp} takes the SMTP settings every other provider uses.
     */
    VerifMethod methodsOver(VerifMethod method, CommandLine.Model.CommandSpec spec) {
        ProviderMethod smtp = method.method(Provider.EVERYTHING_ELSE);
        if (hotmailb2cMethod != null) {
            method = method.with(Provider.HOTMAIL_B2C, providerMethod(Provider.HOTMAIL_B2C, hotmailb2cMethod, smtp, spec));
        }
        if (yahooMethod != null) {
            method = method.with(Provider.YAHOO, providerMethod(Provider.YAHOO, yahooMethod, smtp, spec));
        }
        return method;
    }

    /** {@code --<provider>-verif-method}: one of the provider's method types. */
    private static ProviderMethod providerMethod(Provider provider, String value, ProviderMethod smtp,
            CommandLine.Model.CommandSpec spec) {
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        if (!provider.allowsMethod(v)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--" + provider.key() + "-verif-method must be "
                    + provider.methodTypesText("") + ", got `" + value + "`");
        }
        return switch (v) {
            case "headless" -> new ProviderMethod.Headless();
            case "api" -> new ProviderMethod.Api();
            default -> smtp;
        };
    }
}

package dev.reacher.server.http;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.server.config.BackendConfig;

/**
 * Turns a {@link CheckEmailRequest} into the engine's input with upstream's algorithm, quirks
 * included:
 * <ol>
 *   <li>{@code H = hello_name ?? config}, {@code F = from_email ?? config},
 *       {@code T = smtp_timeout ?? config}, {@code P = smtp_port ?? config smtp_port (25)};</li>
 *   <li>a request {@code proxy} gives the same SMTP config, through that proxy, for every provider;
 *       configured overrides and proxies are bypassed and nothing rotates. Upstream names it
 *       {@code default}; here it is {@code request:host:port} ({@link #requestProxyId}), so results
 *       and logs never mistake it for the configured {@code default} proxy;</li>
 *   <li>otherwise the configured method is used and H, F, T and P are ignored;</li>
 *   <li>{@code yahoo_verif_method}/{@code hotmailb2c_verif_method} are applied last; their
 *       {@code Smtp} goes through the request proxy if there is one, else names no proxy.</li>
 * </ol>
 * The only departure: P and the attempt count default to the configured top-level
 * {@code smtp_port}/{@code retries} (which default to upstream's 25 and 1).
 */
final class RequestInputs {
    private final java.util.function.Supplier<BackendConfig> live;

    RequestInputs(BackendConfig config) {
        this(() -> config);
    }

    /** Reads the configuration at each request, so a reload applies to the next one. */
    RequestInputs(java.util.function.Supplier<BackendConfig> live) {
        this.live = live;
    }

    CheckEmailInput build(CheckEmailRequest request) {
        BackendConfig config = live.get();
        String hello = request.helloName() != null ? request.helloName() : config.helloName();
        String from = request.fromEmail() != null ? request.fromEmail() : config.fromEmail();
        var timeout = request.smtpTimeout() != null ? request.smtpTimeout() : config.smtpTimeout();
        int port = request.smtpPort() != null ? request.smtpPort() : config.smtpPort();
        int retries = config.retries();

        String proxyId = request.proxy() != null ? requestProxyId(request.proxy()) : null;
        VerifMethod method = request.proxy() != null
                ? VerifMethod.sameForAll(proxyId, request.proxy(), new SmtpConfig(from, hello, null, port, timeout, retries))
                : config.verifMethod();

        SmtpConfig compat = new SmtpConfig(from, hello, proxyId, port, timeout, retries);
        if (request.yahooVerifMethod() != null) {
            method = method.with(Provider.YAHOO, legacy(request.yahooVerifMethod(), compat));
        }
        if (request.hotmailb2cVerifMethod() != null) {
            method = method.with(Provider.HOTMAIL_B2C, legacy(request.hotmailb2cVerifMethod(), compat));
        }
        return config.input(request.toEmail(), method);
    }

    /**
     * The name a request's proxy goes by in {@code debug}, logs and retries: {@code request:host:port}
     * ({@code [v6]:port}), stable and without credentials. Never a configured id, not even when the
     * settings are the same: a request's proxy is used as is, outside the pool's health and budgets
     * (while it was named {@code default}, one identical to the configured {@code default} proxy was
     * taken for that member and used its budget). Characters a proxy id list cannot carry (commas,
     * spaces) become {@code _}.
     */
    static String requestProxyId(ProxyConfig proxy) {
        return "request:" + proxy.address().replaceAll("[^A-Za-z0-9.:\\[\\]_-]", "_");
    }

    private static ProviderMethod legacy(CheckEmailRequest.LegacyMethod m, SmtpConfig compat) {
        return switch (m) {
            case API -> new ProviderMethod.Api();
            case HEADLESS -> new ProviderMethod.Headless();
            case SMTP -> ProviderMethod.smtp(compat);
        };
    }
}

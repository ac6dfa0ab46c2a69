package dev.reacher.core.smtp;

import dev.reacher.core.socks5.ProxyConfig;

/**
 * Where one SMTP attempt's TCP connection goes: straight to the MX, or through one SOCKS5 proxy.
 *
 * @param proxyId the configured id, shown in {@code debug} (never the credentials)
 */
public record SmtpRoute(String proxyId, ProxyConfig proxy) {
    private static final SmtpRoute DIRECT = new SmtpRoute(null, null);

    public SmtpRoute {
        if ((proxyId == null) != (proxy == null)) {
            throw new IllegalArgumentException("a proxied route needs both an id and a proxy");
        }
    }

    public static SmtpRoute direct() {
        return DIRECT;
    }

    public static SmtpRoute via(String proxyId, ProxyConfig proxy) {
        return new SmtpRoute(proxyId, proxy);
    }

    public boolean isDirect() {
        return proxy == null;
    }

    @Override
    public String toString() {
        return isDirect() ? "direct" : "proxy " + proxyId + " (" + proxy.address() + ")";
    }
}

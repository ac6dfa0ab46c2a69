package dev.reacher.cli.doctor;

import java.util.Locale;

/**
 * The step of a proxy check that failed, in the order they run; {@link #OK} when all passed. The
 * lowercase name is what {@code reacher proxies check --format json} prints as {@code stage}.
 */
public enum Stage {
    /** The TCP connection to the proxy (resolving its host, connecting, its {@code timeout_ms}). */
    CONNECT,
    /** The SOCKS5 method negotiation: no SOCKS5 server answered correctly. */
    GREETING,
    /** Username/password authentication, or the proxy wants credentials that are not configured. */
    AUTH,
    /** The CONNECT request: the proxy could not (or would not) reach the target. */
    TUNNEL,
    /** No SMTP greeting, or no EHLO answer, through the tunnel. */
    SMTP,
    /** Every step passed. */
    OK;

    /** The name as printed: {@code connect}, {@code greeting}, … */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

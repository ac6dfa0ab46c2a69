package dev.reacher.core.socks5;

import java.io.IOException;
import java.util.Objects;

/**
 * A SOCKS5 failure that says which step of talking to the proxy failed ({@link #phase()}) and, when
 * the proxy answered the CONNECT with an error, its RFC 1928 reply code. Whom that blames (the proxy
 * or the target behind it) is decided by the caller, in one place. The message follows upstream's
 * {@code fast-socks5} wording, e.g. {@code Error with reply: Connection refused.}; it never contains
 * the password.
 */
public final class Socks5Exception extends IOException {
    private static final long serialVersionUID = 1L;

    /** The step of a SOCKS5 connection that failed. */
    public enum Phase {
        /** The CONNECT request could not be built (the target name cannot be sent); no I/O happened. */
        REQUEST("building the CONNECT request"),
        /** Resolving the proxy's host, or the TCP connect to the proxy (bounded by {@code timeout_ms}). */
        PROXY_CONNECT("the connection to the proxy"),
        /** RFC 1928 method negotiation. */
        GREETING("the SOCKS5 method negotiation"),
        /** RFC 1929 username/password authentication. */
        AUTH("the username/password authentication"),
        /** The CONNECT request and its reply; meanwhile the proxy is connecting to the target. */
        CONNECT("the CONNECT request"),
        /** The established tunnel: the connection through the proxy dropped and the proxy no longer answers. */
        TUNNEL("the tunnel");

        private final String description;

        Phase(String description) {
            this.description = description;
        }

        /** The step in words, for messages. */
        public String description() {
            return description;
        }
    }

    private final Phase phase;
    private final int replyCode;

    public Socks5Exception(Phase phase, String message) {
        this(phase, message, -1, null);
    }

    public Socks5Exception(Phase phase, String message, int replyCode, Throwable cause) {
        super(message, cause);
        this.phase = Objects.requireNonNull(phase, "phase");
        this.replyCode = replyCode;
    }

    /** Which step failed. */
    public Phase phase() {
        return phase;
    }

    /** The RFC 1928 REP field when the proxy answered the CONNECT with an error, else -1. */
    public int replyCode() {
        return replyCode;
    }

    /** An RFC 1928 error reply to the CONNECT, worded as upstream's. */
    static Socks5Exception forReply(int rep) {
        String text = switch (rep) {
            case 1 -> "General failure";
            case 2 -> "Connection not allowed by ruleset";
            case 3 -> "Network unreachable";
            case 4 -> "Host unreachable";
            case 5 -> "Connection refused";
            case 6 -> "TTL expired";
            case 7 -> "Command not supported";
            case 8 -> "Address type not supported";
            default -> "Unknown reply code " + rep;
        };
        return new Socks5Exception(Phase.CONNECT, "Error with reply: " + text + ".", rep, null);
    }
}

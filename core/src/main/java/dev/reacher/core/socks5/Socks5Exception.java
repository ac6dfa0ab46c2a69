package dev.reacher.core.socks5;

import java.io.IOException;

/**
 * A SOCKS5 failure, with whom to blame: the proxy itself (unreachable, auth rejected, broken
 * protocol) or the target behind it (the proxy says the MX host is unreachable or refused).
 * The message follows upstream's {@code fast-socks5} wording, e.g. {@code Error with reply: Connection refused.}
 */
public final class Socks5Exception extends IOException {
    private static final long serialVersionUID = 1L;

    /** Who caused the failure; drives failover (proxy) versus a plain {@code unknown} verdict (target). */
    public enum Fault { PROXY, TARGET }

    private final Fault fault;
    private final int replyCode;

    public Socks5Exception(Fault fault, String message) {
        this(fault, message, -1, null);
    }

    public Socks5Exception(Fault fault, String message, int replyCode, Throwable cause) {
        super(message, cause);
        this.fault = fault;
        this.replyCode = replyCode;
    }

    public Fault fault() {
        return fault;
    }

    /** The RFC 1928 REP field when the proxy answered the CONNECT, else -1. */
    public int replyCode() {
        return replyCode;
    }

    /** Maps an RFC 1928 reply code to an exception worded as upstream's. */
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
        // 3-6 describe the path from the proxy to the MX: not the proxy's fault.
        Fault fault = rep >= 3 && rep <= 6 ? Fault.TARGET : Fault.PROXY;
        return new Socks5Exception(fault, "Error with reply: " + text + ".", rep, null);
    }
}

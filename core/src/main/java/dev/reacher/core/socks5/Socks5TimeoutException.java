package dev.reacher.core.socks5;

import java.net.SocketTimeoutException;

/**
 * The caller's deadline passed while {@link Socks5Connector} was waiting on the proxy. It is a
 * {@link SocketTimeoutException}, so code that maps timeouts to upstream's {@code Timeout} error
 * keeps working, and it says whom the wait was on:
 *
 * <ul>
 *   <li>{@link Socks5Exception.Fault#PROXY}: the TCP connect to the proxy, the method negotiation or
 *       the authentication did not finish: the proxy is down, overloaded or hung.
 *   <li>{@link Socks5Exception.Fault#TARGET}: the proxy took the CONNECT request but did not answer
 *       it: it is usually still trying to reach a target (MX) that does not answer.
 * </ul>
 */
public final class Socks5TimeoutException extends SocketTimeoutException {
    private static final long serialVersionUID = 1L;

    private final Socks5Exception.Fault fault;

    public Socks5TimeoutException(Socks5Exception.Fault fault, String message, Throwable cause) {
        super(message);
        this.fault = fault;
        if (cause != null) {
            initCause(cause);
        }
    }

    /** Who kept us waiting. */
    public Socks5Exception.Fault fault() {
        return fault;
    }
}

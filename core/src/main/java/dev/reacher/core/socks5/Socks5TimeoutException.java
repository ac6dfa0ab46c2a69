package dev.reacher.core.socks5;

import java.net.SocketTimeoutException;

/**
 * The caller's deadline passed while {@link Socks5Connector} was waiting on the proxy. It is a
 * {@link SocketTimeoutException}, so code that maps timeouts to upstream's {@code Timeout} error
 * keeps working, and it says which step was being waited for ({@link #phase()}): before the
 * CONNECT the proxy is down, overloaded or hung; during the CONNECT it is usually still trying to
 * reach a target (MX) that does not answer.
 */
public final class Socks5TimeoutException extends SocketTimeoutException {
    private static final long serialVersionUID = 1L;

    private final Socks5Exception.Phase phase;

    public Socks5TimeoutException(Socks5Exception.Phase phase, String message, Throwable cause) {
        super(message);
        this.phase = phase;
        if (cause != null) {
            initCause(cause);
        }
    }

    /** The step that was waiting when the deadline passed. */
    public Socks5Exception.Phase phase() {
        return phase;
    }
}

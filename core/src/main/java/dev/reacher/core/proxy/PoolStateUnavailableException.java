package dev.reacher.core.proxy;

/**
 * The shared pool state (a fleet's budgets and health) cannot be reached, so no proxy may be used
 * without going past limits other processes rely on. Nothing was sent; the caller retries later
 * (bulk work waits, {@code /v1/check_email} answers 503).
 */
public final class PoolStateUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PoolStateUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

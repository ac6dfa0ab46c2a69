package dev.reacher.server.queue;

/** The queue could not take or confirm messages; the message says which queue and why. */
public final class QueueException extends RuntimeException {
    public QueueException(String message, Throwable cause) {
        super(message, cause);
    }
}

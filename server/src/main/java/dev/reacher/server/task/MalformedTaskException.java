package dev.reacher.server.task;

/** A queue message that is not a task this worker can run; it is dead-lettered, never retried. */
public final class MalformedTaskException extends Exception {
    private final transient Long jobId;
    private final Integer item;

    MalformedTaskException(String message, Long jobId, Integer item, Throwable cause) {
        super(message, cause);
        this.jobId = jobId;
        this.item = item;
    }

    /** The bulk job the message names, when that much could be read (so the item can be closed with an error). */
    public Long jobId() {
        return jobId;
    }

    public Integer item() {
        return item;
    }
}

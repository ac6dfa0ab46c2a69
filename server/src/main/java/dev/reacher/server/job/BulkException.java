package dev.reacher.server.job;

/**
 * A bulk request that cannot be served; {@link #kind()} tells the HTTP layer which status to use,
 * the message is upstream's text where upstream has one.
 */
public final class BulkException extends RuntimeException {

    /** Why, with the status upstream answers. */
    public enum Kind {
        /** {@code Empty input}: 400. */
        EMPTY_INPUT(400),
        /** No such job: upstream answers 400 on progress and 500 on results, with sqlx's text. */
        NOT_FOUND(400),
        /** {@code Job <id> is still running, please try again later}: 400. */
        RUNNING(400),
        /** Bulk needs a queue (worker mode or the single-machine default): 503. */
        UNAVAILABLE(503),
        /** The database or the queue failed: 500. */
        FAILED(500);

        private final int status;

        Kind(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** Upstream's message for a missing job (sqlx's RowNotFound). */
    public static final String ROW_NOT_FOUND = "no rows returned by a query that expected to return at least one row";

    private final Kind kind;

    public BulkException(Kind kind, String message) {
        this(kind, message, null);
    }

    public BulkException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}

package dev.reacher.server.queue;

import java.time.Duration;

/**
 * One message handed to a consumer. Settle it exactly once: {@link #ack}, {@link #retry},
 * {@link #release}, {@link #defer} or {@link #deadLetter}; a delivery left unsettled comes back when its consumer
 * goes away (RabbitMQ) or its lease ends (SQLite).
 */
public interface Delivery {
    byte[] body();

    /** How many times this task was sent back with {@link #retry} (not counting crash redeliveries). */
    int retries();

    /** True when the message was delivered before and not settled (a consumer died or lost its connection). */
    boolean redelivered();

    /** Done: remove it from the queue. */
    void ack();

    /** Put it back for another try, anywhere in the cluster, counting one more {@link #retries}. */
    default void retry() {
        retry(body());
    }

    /** Like {@link #retry()}, with {@code body} in place of the original (hints for the next try). */
    void retry(byte[] body);

    /** Put it back unchanged, after a short pause (a transient problem such as the database being down). */
    void release();

    /**
     * Put it back unchanged, to be delivered again after about {@code delay} (a task that found no
     * proxy budget). Not a retry: {@link #retries} stays as it is. The queue may deliver it somewhat
     * earlier (RabbitMQ rounds the delay down to one of a few fixed steps); the consumer then simply
     * defers it again.
     */
    void defer(Duration delay);

    /** Move it aside to the dead-letter queue with a reason; it is never delivered again. */
    void deadLetter(String reason);

    /** True when the publisher waits for a {@link #reply} (single-shot RPC). */
    boolean expectsReply();

    /** Sends the RPC reply; does nothing when nobody waits for one. */
    void reply(byte[] body);
}

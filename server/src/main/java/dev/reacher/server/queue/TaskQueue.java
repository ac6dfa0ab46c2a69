package dev.reacher.server.queue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A durable queue of verification tasks: {@link SqliteTaskQueue} inside the single-machine
 * database, or {@link RabbitTaskQueue} (upstream's {@code check_email} queue) for scale-out. Bodies
 * are opaque bytes here; {@code dev.reacher.server.task.TaskCodec} gives them their meaning.
 *
 * <p>Delivery is at least once: a message stays in the queue until a consumer {@linkplain
 * Delivery#ack() acks} it, and comes back if that consumer dies first. Consumers make the effect
 * idempotent.
 */
public interface TaskQueue extends AutoCloseable {
    /** Upstream's queue name. */
    String DEFAULT_QUEUE = "check_email";
    /** Upstream's priorities: bulk tasks yield to single-shot ones. */
    int PRIORITY_BULK = 1;
    int PRIORITY_SINGLE_SHOT = 5;
    /** Upstream declares the queue with {@code x-max-priority = 5}. */
    int MAX_PRIORITY = 5;

    /** A message to enqueue. */
    record Outgoing(byte[] body, int priority) {}

    /**
     * Enqueues all messages durably: when this returns, each one survives a crash or broker
     * restart (persisted, confirmed). On failure some may be enqueued and some not; publishing the
     * same batch again is the caller's recovery (duplicates are harmless).
     *
     * @throws QueueException when the queue could not confirm them in time
     */
    void publish(List<Outgoing> messages);

    /**
     * Starts consuming: {@code handler} runs on its own virtual thread per delivery, with at most
     * {@code concurrency} deliveries unacknowledged at once.
     */
    Subscription subscribe(int concurrency, DeliveryHandler handler);

    /**
     * Single-shot RPC: enqueues {@code body} with a reply address and completes with the consumer's
     * {@linkplain Delivery#reply reply}, or exceptionally with a {@link java.util.concurrent.TimeoutException}
     * after {@code timeout} (upstream waits forever).
     */
    CompletableFuture<byte[]> call(byte[] body, int priority, Duration timeout);

    /** Messages waiting to be delivered (not counting those held by consumers), for progress and tests. */
    long depth();

    /** Closes connections; call {@link Subscription#close} first for a graceful stop. */
    @Override
    void close();

    /** Receives deliveries; must end each with exactly one of ack, retry, release, defer or deadLetter. */
    @FunctionalInterface
    interface DeliveryHandler {
        void handle(Delivery delivery);
    }

    /** A running consumer. */
    interface Subscription extends AutoCloseable {
        /** Stops taking new deliveries, then waits up to {@code grace} for those in hand to finish. */
        void close(Duration grace);

        /** Deliveries handed to the handler and not yet settled. */
        int inFlight();

        @Override
        default void close() {
            close(Duration.ofSeconds(30));
        }
    }
}

package dev.reacher.server.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.server.queue.RabbitTaskQueue;
import dev.reacher.server.queue.TaskQueue;
import dev.reacher.server.storage.Database;
import dev.reacher.server.storage.NewJob;
import dev.reacher.server.storage.PostgresResultStore;
import dev.reacher.server.task.TaskCodec;
import dev.reacher.server.testing.Services;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job cancelled while its items are being published to RabbitMQ: the dispatcher stops after the
 * batch in hand instead of queueing the rest (which the workers would only drop again). Real
 * PostgreSQL and RabbitMQ on 127.0.0.1, a fresh schema and queue.
 */
class DispatcherCancelTest {
    private static final int BATCH = 100;
    private String schema;
    private String queueName;
    private PostgresResultStore store;
    private RabbitTaskQueue rabbit;

    @BeforeEach
    void open() {
        Services.requirePostgres();
        Services.requireRabbitmq();
        schema = Services.freshSchema("dispatch_cancel");
        queueName = Services.freshQueue("check_email.dispatch_cancel");
        store = PostgresResultStore.open(Services.POSTGRES_URL, schema, 2, null);
        rabbit = RabbitTaskQueue.connect(Services.RABBITMQ_URL, queueName, "dispatch-cancel-test", Duration.ofSeconds(10));
    }

    @AfterEach
    void close() {
        rabbit.close();
        store.close();
        Services.deleteQueues(queueName);
        Services.dropSchema(schema);
    }

    /** The real queue; the job is cancelled (as DELETE /v1/bulk/{id} does) right after the first batch. */
    private final class CancelAfterFirstBatch implements TaskQueue {
        final AtomicInteger published = new AtomicInteger();
        long jobId;

        @Override
        public void publish(List<Outgoing> messages) {
            rabbit.publish(messages);
            if (published.getAndAdd(messages.size()) == 0) {
                store.cancelJob(jobId, Database.now());
            }
        }

        @Override
        public Subscription subscribe(int concurrency, DeliveryHandler handler) {
            return rabbit.subscribe(concurrency, handler);
        }

        @Override
        public CompletableFuture<byte[]> call(byte[] body, int priority, Duration timeout) {
            return rabbit.call(body, priority, timeout);
        }

        @Override
        public long depth() {
            return rabbit.depth();
        }

        @Override
        public void close() {
            rabbit.close();
        }
    }

    @Test
    void aJobCancelledWhilePublishingGetsNoFurtherBatches() {
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 5 * BATCH; i++) {
            emails.add("user" + i + "@example.test");
        }
        long id = store.createJob(new NewJob(emails, TaskCodec.inputTemplate(CheckEmailInput.of("x@example.test")), null));
        CancelAfterFirstBatch queue = new CancelAfterFirstBatch();
        queue.jobId = id;
        try (Dispatcher dispatcher = new Dispatcher(store, queue, null, BATCH, Duration.ofSeconds(30), null)) {
            dispatcher.dispatch(id);
        }
        assertThat(queue.published.get()).isEqualTo(BATCH);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rabbit.depth() == BATCH);
        assertThat(store.job(id).orElseThrow().cancelled()).isTrue();
        assertThat(store.jobsToDispatch(Database.now())).doesNotContain(id); // nor will a sweep publish the rest
    }
}

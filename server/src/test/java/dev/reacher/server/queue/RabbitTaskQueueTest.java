package dev.reacher.server.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reacher.server.testing.Services;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against the machine's RabbitMQ, each test on queues of its own. */
class RabbitTaskQueueTest {
    private final List<String> queues = new ArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void requireBroker() {
        Services.requireRabbitmq();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        for (String q : queues) {
            Services.deleteQueues(q);
        }
    }

    private RabbitTaskQueue connect() {
        String name = Services.freshQueue("test.check_email");
        queues.add(name);
        RabbitTaskQueue q = RabbitTaskQueue.connect(Services.RABBITMQ_URL, name, "test", Duration.ofSeconds(60));
        open.add(0, q);
        return q;
    }

    private static TaskQueue.Outgoing msg(String s, int priority) {
        return new TaskQueue.Outgoing(s.getBytes(StandardCharsets.UTF_8), priority);
    }

    private static String text(Delivery d) {
        return new String(d.body(), StandardCharsets.UTF_8);
    }

    @Test
    void aDeferredTaskWaitsInADelayQueueAndComesBackUnchangedAndUncounted() {
        RabbitTaskQueue queue = connect();
        queue.publish(List.of(msg("wait for budget", TaskQueue.PRIORITY_BULK)));
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        List<Long> at = new java.util.concurrent.CopyOnWriteArrayList<>();
        TaskQueue.Subscription sub = queue.subscribe(2, d -> {
            at.add(System.nanoTime());
            log.add(text(d) + ":" + d.retries() + ":" + d.redelivered());
            if (at.size() == 1) {
                d.defer(Duration.ofMillis(1500)); // rounded down to the 1 s delay queue
            } else {
                d.ack();
            }
        });
        await().atMost(10, TimeUnit.SECONDS).until(() -> at.size() == 2);
        sub.close(Duration.ofSeconds(5));
        assertThat(log).containsExactly("wait for budget:0:false", "wait for budget:0:false");
        assertThat(Duration.ofNanos(at.get(1) - at.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(queue.depth()).isZero();
    }

    @Test
    void aDelayIsRoundedDownToTheLongestStepNotAboveIt() {
        assertThat(RabbitTaskQueue.waitStep(Duration.ofMillis(200))).isEqualTo(Duration.ofSeconds(1));
        assertThat(RabbitTaskQueue.waitStep(Duration.ofMillis(3999))).isEqualTo(Duration.ofSeconds(1));
        assertThat(RabbitTaskQueue.waitStep(Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(4));
        assertThat(RabbitTaskQueue.waitStep(Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(256));
        assertThat(RabbitTaskQueue.waitStep(Duration.ofDays(1))).isEqualTo(Duration.ofSeconds(1024));
        assertThat(RabbitTaskQueue.waitQueueName("check_email", Duration.ofSeconds(16))).isEqualTo("check_email.wait.16s");
    }

    @Test
    void confirmedMessagesAreConsumedWithPriorityAndBoundedConcurrency() {
        RabbitTaskQueue queue = connect();
        queue.publish(IntStream.range(0, 200).mapToObj(i -> msg("b" + i, TaskQueue.PRIORITY_BULK)).toList());
        queue.publish(List.of(msg("single", TaskQueue.PRIORITY_SINGLE_SHOT)));
        assertThat(queue.depth()).isEqualTo(201);
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        TaskQueue.Subscription sub = queue.subscribe(4, d -> {
            max.accumulateAndGet(running.incrementAndGet(), Math::max);
            seen.add(text(d));
            sleep(2);
            running.decrementAndGet();
            d.ack();
        });
        await().atMost(30, TimeUnit.SECONDS).until(() -> seen.size() == 201);
        sub.close(Duration.ofSeconds(5));
        assertThat(seen.subList(0, 4)).contains("single"); // priority 5 jumps 200 waiting bulk tasks
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(max.get()).isLessThanOrEqualTo(4);
    }

    @Test
    void aPoisonMessageIsDeadLetteredAndConsumptionGoesOn() {
        RabbitTaskQueue queue = connect();
        queue.publish(List.of(msg("ok-1", 1), msg("{not json", 1), msg("ok-2", 1)));
        ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
        TaskQueue.Subscription sub = queue.subscribe(1, d -> {
            if (text(d).startsWith("{")) {
                d.deadLetter("not JSON");
            } else {
                acked.add(text(d));
                d.ack();
            }
        });
        await().atMost(10, TimeUnit.SECONDS).until(() -> acked.size() == 2);
        sub.close(Duration.ofSeconds(5));
        assertThat(acked).containsExactly("ok-1", "ok-2");
        await().atMost(5, TimeUnit.SECONDS).until(() -> queue.deadLetters() == 1);
        assertThat(queue.depth()).isZero();
    }

    @Test
    void retriesAreCountedInTheMessage() {
        RabbitTaskQueue queue = connect();
        queue.publish(List.of(msg("t", 1)));
        ConcurrentLinkedQueue<Integer> retries = new ConcurrentLinkedQueue<>();
        TaskQueue.Subscription sub = queue.subscribe(1, d -> {
            retries.add(d.retries());
            if (d.retries() < 2) {
                d.retry();
            } else {
                d.ack();
            }
        });
        await().atMost(10, TimeUnit.SECONDS).until(() -> retries.size() == 3);
        sub.close(Duration.ofSeconds(5));
        assertThat(retries).containsExactly(0, 1, 2);
    }

    @Test
    void rpcUsesReplyToAndCorrelationIdAndTimesOut() throws Exception {
        RabbitTaskQueue queue = connect();
        var unanswered = queue.call("x".getBytes(StandardCharsets.UTF_8), 5, Duration.ofMillis(500));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> unanswered.get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(TimeoutException.class);
        TaskQueue.Subscription sub = queue.subscribe(2, d -> {
            if (d.expectsReply()) {
                d.reply(("re:" + text(d)).getBytes(StandardCharsets.UTF_8));
            }
            d.ack();
        });
        byte[] reply = queue.call("ping".getBytes(StandardCharsets.UTF_8), 5, Duration.ofSeconds(10)).get();
        assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("re:ping");
        sub.close(Duration.ofSeconds(5));
    }

    @Test
    void survivesABrokerRestart() throws Exception {
        RabbitTaskQueue queue = connect();
        queue.publish(IntStream.range(0, 40).mapToObj(i -> msg("m" + i, 1)).toList());
        Set<String> done = ConcurrentHashMap.newKeySet();
        TaskQueue.Subscription sub = queue.subscribe(2, d -> {
            sleep(50);
            done.add(text(d));
            d.ack();
        });
        await().atMost(10, TimeUnit.SECONDS).until(() -> done.size() >= 5);
        try {
            rabbitmqctl("stop_app");
            Thread.sleep(1500);
        } finally {
            rabbitmqctl("start_app");
            rabbitmqctl("await_startup");
        }
        // Persistent messages in a durable queue survived; the consumer came back by itself.
        await().atMost(60, TimeUnit.SECONDS).until(() -> done.size() == 40);
        queue.publish(List.of(msg("after-restart", 1)));
        await().atMost(30, TimeUnit.SECONDS).until(() -> done.contains("after-restart"));
        sub.close(Duration.ofSeconds(5));
    }

    static void rabbitmqctl(String command) throws Exception {
        Process p = new ProcessBuilder("rabbitmqctl", "-q", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("rabbitmqctl " + command + " failed: " + out);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

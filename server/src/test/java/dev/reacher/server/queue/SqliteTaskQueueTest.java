package dev.reacher.server.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reacher.server.storage.Database;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SqliteTaskQueueTest {
    private Path file;
    private Database db;

    @BeforeEach
    void open() throws Exception {
        file = Files.createTempDirectory("queue").resolve("reacher.db");
        db = Database.sqlite(file);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private static TaskQueue.Outgoing msg(String s, int priority) {
        return new TaskQueue.Outgoing(s.getBytes(StandardCharsets.UTF_8), priority);
    }

    private static String text(Delivery d) {
        return new String(d.body(), StandardCharsets.UTF_8);
    }

    @Test
    void deliversEverythingOnceWithBoundedConcurrencyAndPriorityFirst() {
        SqliteTaskQueue queue = new SqliteTaskQueue(db, Duration.ofMinutes(1));
        queue.publish(IntStream.range(0, 300).mapToObj(i -> msg("b" + i, TaskQueue.PRIORITY_BULK)).toList());
        queue.publish(List.of(msg("single", TaskQueue.PRIORITY_SINGLE_SHOT)));
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        TaskQueue.Subscription sub = queue.subscribe(8, d -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            seen.add(text(d));
            sleep(2);
            running.decrementAndGet();
            d.ack();
        });
        await().atMost(30, TimeUnit.SECONDS).until(() -> seen.size() == 301 && queue.depth() == 0);
        sub.close(Duration.ofSeconds(5));
        assertThat(seen.subList(0, 8)).contains("single"); // claimed in the first batch, ahead of 300 older bulk tasks
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(maxRunning.get()).isLessThanOrEqualTo(8);
    }

    @Test
    void aDeferredTaskComesBackAfterItsDelayAndIsNeitherARetryNorARedelivery() {
        SqliteTaskQueue queue = new SqliteTaskQueue(db, Duration.ofMinutes(1));
        queue.publish(List.of(msg("wait for budget", 1)));
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        List<Long> at = new CopyOnWriteArrayList<>();
        TaskQueue.Subscription sub = queue.subscribe(2, d -> {
            at.add(System.nanoTime());
            log.add(text(d) + ":" + d.retries() + ":" + d.redelivered());
            if (at.size() == 1) {
                d.defer(Duration.ofMillis(1500));
            } else {
                d.ack();
            }
        });
        await().atMost(10, TimeUnit.SECONDS).until(() -> at.size() == 1 && sub.inFlight() == 0);
        if (at.size() == 1) {
            assertThat(queue.depth()).as("settled, still in the table, not ready yet").isZero();
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> at.size() == 2);
        sub.close(Duration.ofSeconds(5));
        assertThat(log).containsExactly("wait for budget:0:false", "wait for budget:0:false");
        assertThat(Duration.ofNanos(at.get(1) - at.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
    }

    @Test
    void retryCountsAndDeadLettersLeaveTheQueue() {
        SqliteTaskQueue queue = new SqliteTaskQueue(db, Duration.ofMinutes(1));
        queue.publish(List.of(msg("again", 1), msg("poison", 1)));
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        TaskQueue.Subscription sub = queue.subscribe(2, d -> {
            log.add(text(d) + ":" + d.retries());
            if (text(d).equals("poison")) {
                d.deadLetter("not a task");
            } else if (d.retries() == 0) {
                d.retry();
            } else {
                d.ack();
            }
        });
        await().atMost(10, TimeUnit.SECONDS).until(() -> log.size() == 3 && queue.depth() == 0);
        sub.close(Duration.ofSeconds(5));
        assertThat(log).containsExactlyInAnyOrder("again:0", "again:1", "poison:0");
        assertThat(queue.deadLetters()).isEqualTo(1);
    }

    @Test
    void anExpiredLeaseIsDeliveredAgainAsARedelivery() {
        SqliteTaskQueue queue = new SqliteTaskQueue(db, Duration.ofMillis(600));
        queue.publish(List.of(msg("stuck", 1)));
        ConcurrentLinkedQueue<Boolean> redelivered = new ConcurrentLinkedQueue<>();
        // The first consumer takes the task and never settles it: a hung or dead worker.
        TaskQueue.Subscription hung = queue.subscribe(1, d -> redelivered.add(d.redelivered()));
        await().atMost(5, TimeUnit.SECONDS).until(() -> redelivered.size() == 1);
        hung.close(Duration.ZERO);
        // A lease is renewed only while its consumer runs; this one is gone, so it lapses.
        TaskQueue.Subscription other = queue.subscribe(1, d -> {
            redelivered.add(d.redelivered());
            d.ack();
        });
        await().atMost(10, TimeUnit.SECONDS).until(() -> redelivered.size() == 2);
        other.close(Duration.ofSeconds(5));
        assertThat(redelivered).containsExactly(false, true);
    }

    @Test
    void aRestartHandsBackWhatTheDeadProcessHeld() {
        SqliteTaskQueue queue = new SqliteTaskQueue(db, Duration.ofHours(1));
        queue.publish(List.of(msg("a", 1), msg("b", 1)));
        AtomicInteger taken = new AtomicInteger();
        queue.subscribe(2, d -> taken.incrementAndGet()); // never settles, like a process killed mid-task
        await().atMost(5, TimeUnit.SECONDS).until(() -> taken.get() == 2);
        assertThat(queue.depth()).isZero();
        queue.close();
        db.close();

        db = Database.sqlite(file); // the same file, a new process
        SqliteTaskQueue again = new SqliteTaskQueue(db, Duration.ofHours(1));
        assertThat(again.depth()).isEqualTo(2);
        List<String> seen = new CopyOnWriteArrayList<>();
        TaskQueue.Subscription sub = again.subscribe(2, d -> {
            seen.add(text(d) + (d.redelivered() ? "!" : ""));
            d.ack();
        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> seen.size() == 2);
        sub.close(Duration.ofSeconds(5));
        assertThat(seen).containsExactlyInAnyOrder("a!", "b!");
    }

    @Test
    void rpcRepliesInMemoryAndTimesOut() throws Exception {
        SqliteTaskQueue queue = new SqliteTaskQueue(db, Duration.ofMinutes(1));
        var late = queue.call("nobody".getBytes(StandardCharsets.UTF_8), 5, Duration.ofMillis(300));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(TimeoutException.class);
        TaskQueue.Subscription sub = queue.subscribe(2, d -> {
            if (d.expectsReply()) {
                d.reply(("re:" + text(d)).getBytes(StandardCharsets.UTF_8));
            }
            d.ack();
        });
        byte[] reply = queue.call("ping".getBytes(StandardCharsets.UTF_8), 5, Duration.ofSeconds(5)).get();
        assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("re:ping");
        sub.close(Duration.ofSeconds(5));
    }

    @Test
    void gracefulCloseFinishesWhatIsInHand() {
        SqliteTaskQueue queue = new SqliteTaskQueue(db, Duration.ofMinutes(1));
        queue.publish(IntStream.range(0, 4).mapToObj(i -> msg("t" + i, 1)).toList());
        AtomicInteger started = new AtomicInteger();
        AtomicInteger acked = new AtomicInteger();
        TaskQueue.Subscription sub = queue.subscribe(2, d -> {
            started.incrementAndGet();
            sleep(500);
            d.ack();
            acked.incrementAndGet();
        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> started.get() == 2);
        sub.close(Duration.ofSeconds(5));
        assertThat(acked.get()).isEqualTo(started.get());
        assertThat(queue.depth()).isEqualTo(4 - started.get());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

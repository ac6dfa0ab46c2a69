package dev.reacher.server.queue;

import dev.reacher.server.storage.Database;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-machine queue: rows of {@code queue_task} in the SQLite database that also holds the
 * results. A consumer leases rows (visibility timeout); a lease that is not renewed (the process
 * died) expires and the row is delivered again. Since one process owns the file, leases left by a
 * previous run are released at once when the queue opens, so a restart resumes immediately.
 *
 * <p>RPC replies travel in memory: the caller and the worker are the same process.
 */
public final class SqliteTaskQueue implements TaskQueue {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteTaskQueue.class);
    private static final String LOCAL_REPLY = "local";
    private static final Duration RELEASE_PAUSE = Duration.ofSeconds(1);
    private static final Duration IDLE_POLL = Duration.ofMillis(200);

    private final Database db;
    private final Duration lease;
    private final Map<String, CompletableFuture<byte[]>> pendingCalls = new ConcurrentHashMap<>();
    private final ReentrantLock signalLock = new ReentrantLock();
    private final Condition signal = signalLock.newCondition();
    private final Set<Poller> pollers = ConcurrentHashMap.newKeySet();
    private boolean signalled; // guarded by signalLock

    /**
     * @param lease how long a consumer holds a message without renewing it; renewed every third of
     *     that while the handler runs
     */
    public SqliteTaskQueue(Database db, Duration lease) {
        if (db.dialect() != Database.Dialect.SQLITE) {
            throw new IllegalArgumentException("the embedded queue lives in the SQLite database");
        }
        this.db = db;
        this.lease = lease;
        int released = db.write("Releasing leases of a previous run", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE queue_task SET lease_until = 0 WHERE lease_until > 0")) {
                return ps.executeUpdate();
            }
        });
        if (released > 0) {
            LOG.info("embedded queue: {} message(s) in progress when the previous run stopped will be delivered again", released);
        }
    }

    @Override
    public void publish(List<Outgoing> messages) {
        if (messages.isEmpty()) {
            return;
        }
        insert(messages, null, null);
        wake();
    }

    private void insert(List<Outgoing> messages, String replyTo, String correlationId) {
        long now = micros(Instant.now());
        db.write("Enqueueing " + messages.size() + " task(s)", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO queue_task (priority, body, reply_to, "
                    + "correlation_id, enqueued_at) VALUES (?, ?, ?, ?, ?)")) {
                for (Outgoing m : messages) {
                    ps.setInt(1, m.priority());
                    ps.setString(2, new String(m.body(), StandardCharsets.UTF_8));
                    ps.setString(3, replyTo);
                    ps.setString(4, correlationId);
                    ps.setLong(5, now);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public Subscription subscribe(int concurrency, DeliveryHandler handler) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
        Poller poller = new Poller(concurrency, handler);
        pollers.add(poller);
        poller.thread = Thread.ofVirtual().name("sqlite-queue-poller").start(poller::run);
        return poller;
    }

    @Override
    public CompletableFuture<byte[]> call(byte[] body, int priority, Duration timeout) {
        String id = UUID.randomUUID().toString();
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        pendingCalls.put(id, reply);
        reply.whenComplete((r, e) -> pendingCalls.remove(id));
        try {
            insert(List.of(new Outgoing(body, priority)), LOCAL_REPLY, id);
        } catch (RuntimeException e) {
            reply.completeExceptionally(e);
            return reply;
        }
        wake();
        return reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public long depth() {
        return db.read("Counting queued tasks", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM queue_task WHERE lease_until <= ?")) {
                ps.setLong(1, micros(Instant.now()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** Messages moved to the dead-letter table. */
    public long deadLetters() {
        return db.read("Counting dead letters", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM queue_dead");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private void wake() {
        signalLock.lock();
        try {
            signalled = true;
            signal.signalAll();
        } finally {
            signalLock.unlock();
        }
    }

    private void await(Duration max) throws InterruptedException {
        signalLock.lock();
        try {
            // A wake-up that came while the poller was busy is not lost: it skips the wait.
            if (!signalled) {
                signal.await(max.toNanos(), TimeUnit.NANOSECONDS);
            }
            signalled = false;
        } finally {
            signalLock.unlock();
        }
    }

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    @Override
    public void close() {
        for (Poller p : pollers) {
            p.close(Duration.ZERO);
        }
        pendingCalls.values().forEach(f -> f.completeExceptionally(new QueueException("queue closed", null)));
    }

    /** One consumer: claims rows in batches, runs handlers, acknowledges in batches. */
    private final class Poller implements Subscription {
        private final int concurrency;
        private final DeliveryHandler handler;
        private final Map<Long, SqliteDelivery> inFlight = new ConcurrentHashMap<>();
        // Acks are deleted in batches by the poller: one write per batch instead of one per task.
        private final ConcurrentLinkedQueue<Long> acked = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private volatile Thread thread;
        private Instant nextRenewal = Instant.now();

        Poller(int concurrency, DeliveryHandler handler) {
            this.concurrency = concurrency;
            this.handler = handler;
        }

        void run() {
            while (running.get()) {
                try {
                    flushAcks();
                    renewLeases();
                    int free = concurrency - inFlight.size();
                    List<SqliteDelivery> claimed = free > 0 ? claim(free) : List.of();
                    for (SqliteDelivery d : claimed) {
                        inFlight.put(d.id, d);
                        Thread.ofVirtual().name("task-", d.id).start(() -> runHandler(d));
                    }
                    if (claimed.isEmpty() || claimed.size() == free) {
                        await(IDLE_POLL);
                    }
                } catch (InterruptedException e) {
                    break;
                } catch (RuntimeException e) {
                    LOG.warn("embedded queue: polling failed, trying again in 1 s: {}", e.getMessage());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        break;
                    }
                }
            }
            flushAcksQuietly();
        }

        private void runHandler(SqliteDelivery d) {
            try {
                handler.handle(d);
            } catch (RuntimeException e) {
                LOG.error("embedded queue: handler failed on task {}; it will be delivered again", d.id, e);
                if (d.settle()) {
                    d.releaseQuietly();
                }
            }
        }

        private List<SqliteDelivery> claim(int max) {
            long now = micros(Instant.now());
            long until = micros(Instant.now().plus(lease));
            return db.write("Claiming tasks", c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE queue_task SET lease_until = ?, "
                        + "deliveries = deliveries + 1 WHERE id IN (SELECT id FROM queue_task WHERE lease_until <= ? "
                        + "ORDER BY priority DESC, id LIMIT ?) "
                        + "RETURNING id, body, retries, deliveries, reply_to, correlation_id")) {
                    ps.setLong(1, until);
                    ps.setLong(2, now);
                    ps.setInt(3, max);
                    List<SqliteDelivery> out = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(new SqliteDelivery(this, rs.getLong(1), rs.getString(2).getBytes(StandardCharsets.UTF_8),
                                    rs.getInt(3), rs.getInt(4) > 1, rs.getString(5), rs.getString(6)));
                        }
                    }
                    return out;
                }
            });
        }

        private void flushAcks() {
            if (acked.isEmpty()) {
                return;
            }
            List<Long> ids = new ArrayList<>();
            for (Long id; (id = acked.poll()) != null; ) {
                ids.add(id);
            }
            try {
                db.write("Acknowledging " + ids.size() + " task(s)", c -> {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM queue_task WHERE id = ?")) {
                        for (long id : ids) {
                            ps.setLong(1, id);
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                    return null;
                });
            } catch (RuntimeException e) {
                acked.addAll(ids); // try again on the next round; until then the leases hold them
                throw e;
            }
        }

        private void flushAcksQuietly() {
            try {
                flushAcks();
            } catch (RuntimeException e) {
                LOG.warn("embedded queue: could not record {} ack(s); those tasks will be delivered again: {}",
                        acked.size(), e.getMessage());
            }
        }

        private void renewLeases() {
            Instant now = Instant.now();
            if (now.isBefore(nextRenewal) || inFlight.isEmpty()) {
                return;
            }
            nextRenewal = now.plus(lease.dividedBy(3));
            long until = micros(now.plus(lease));
            List<Long> ids = List.copyOf(inFlight.keySet());
            db.write("Renewing leases", c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE queue_task SET lease_until = ? WHERE id = ?")) {
                    for (long id : ids) {
                        ps.setLong(1, until);
                        ps.setLong(2, id);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
        }

        void settled(SqliteDelivery d) {
            inFlight.remove(d.id);
            wake();
        }

        @Override
        public int inFlight() {
            return inFlight.size();
        }

        @Override
        public void close(Duration grace) {
            if (!running.compareAndSet(true, false)) {
                return;
            }
            wake();
            Thread t = thread;
            try {
                if (t != null) {
                    t.join(Duration.ofSeconds(5));
                }
                Instant deadline = Instant.now().plus(grace);
                while (!inFlight.isEmpty() && Instant.now().isBefore(deadline)) {
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!inFlight.isEmpty()) {
                LOG.warn("embedded queue: {} task(s) still running at shutdown; they will be delivered again", inFlight.size());
            }
            flushAcksQuietly();
            pollers.remove(this);
        }
    }

    private final class SqliteDelivery implements Delivery {
        private final Poller poller;
        private final long id;
        private final byte[] body;
        private final int retries;
        private final boolean redelivered;
        private final String replyTo;
        private final String correlationId;
        private final AtomicBoolean settled = new AtomicBoolean();

        SqliteDelivery(Poller poller, long id, byte[] body, int retries, boolean redelivered, String replyTo,
                String correlationId) {
            this.poller = poller;
            this.id = id;
            this.body = body;
            this.retries = retries;
            this.redelivered = redelivered;
            this.replyTo = replyTo;
            this.correlationId = correlationId;
        }

        @Override
        public byte[] body() {
            return body.clone();
        }

        @Override
        public int retries() {
            return retries;
        }

        @Override
        public boolean redelivered() {
            return redelivered;
        }

        private boolean settle() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            return true;
        }

        @Override
        public void ack() {
            if (settle()) {
                poller.acked.add(id);
                poller.settled(this);
            }
        }

        @Override
        public void retry(byte[] newBody) {
            if (settle()) {
                try {
                    String text = new String(newBody, StandardCharsets.UTF_8);
                    db.write("Retrying task " + id, c -> {
                        try (PreparedStatement ps = c.prepareStatement(
                                "UPDATE queue_task SET body = ?, retries = retries + 1, lease_until = 0 WHERE id = ?")) {
                            ps.setString(1, text);
                            ps.setLong(2, id);
                            return ps.executeUpdate();
                        }
                    });
                } finally {
                    poller.settled(this);
                }
            }
        }

        @Override
        public void release() {
            if (settle()) {
                releaseQuietly();
            }
        }

        void releaseQuietly() {
            putBack(RELEASE_PAUSE, "UPDATE queue_task SET lease_until = ? WHERE id = ?");
        }

        @Override
        public void defer(Duration delay) {
            if (settle()) {
                // The row becomes visible again when the "lease" ends; this delivery does not count as
                // one, so the next one is not taken for a crash redelivery.
                putBack(delay, "UPDATE queue_task SET lease_until = ?, deliveries = deliveries - 1 WHERE id = ?");
            }
        }

        /** Makes the row visible again after {@code pause}; if that fails, the lease expires instead. */
        private void putBack(Duration pause, String sql) {
            try {
                long until = micros(Instant.now().plus(pause));
                db.write("Putting task " + id + " back", c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        ps.setLong(1, until);
                        ps.setLong(2, id);
                        return ps.executeUpdate();
                    }
                });
            } catch (RuntimeException e) {
                LOG.warn("embedded queue: could not put task {} back; its lease will expire: {}", id, e.getMessage());
            } finally {
                poller.settled(this);
            }
        }

        @Override
        public void deadLetter(String reason) {
            if (!settle()) {
                return;
            }
            try {
                long now = micros(Instant.now());
                db.write("Dead-lettering task " + id, c -> {
                    try (PreparedStatement ins = c.prepareStatement(
                            "INSERT INTO queue_dead (body, reason, dead_at) SELECT body, ?, ? FROM queue_task WHERE id = ?");
                            PreparedStatement del = c.prepareStatement("DELETE FROM queue_task WHERE id = ?")) {
                        ins.setString(1, reason);
                        ins.setLong(2, now);
                        ins.setLong(3, id);
                        ins.executeUpdate();
                        del.setLong(1, id);
                        del.executeUpdate();
                    }
                    return null;
                });
            } finally {
                poller.settled(this);
            }
        }

        @Override
        public boolean expectsReply() {
            return LOCAL_REPLY.equals(replyTo) && correlationId != null && pendingCalls.containsKey(correlationId);
        }

        @Override
        public void reply(byte[] reply) {
            if (correlationId != null) {
                CompletableFuture<byte[]> f = pendingCalls.get(correlationId);
                if (f != null) {
                    f.complete(reply.clone());
                }
            }
        }
    }
}

package dev.reacher.server.queue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scale-out queue: upstream's topology on RabbitMQ. One durable queue ({@code check_email},
 * {@code x-max-priority = 5}) on the default exchange, so upstream's Rust workers and ours can
 * share it. Unlike upstream, messages are persistent and publisher-confirmed, a malformed message
 * goes to {@code check_email.dead} instead of stopping the consumer, retries are counted in a
 * header instead of the ambiguous {@code redelivered} flag, and the connection recovers by itself
 * after a broker restart (consumers included).
 *
 * <p>A deferred task ({@link Delivery#defer}, no proxy budget yet) waits in a delay queue: one of
 * {@code check_email.wait.1s}, {@code .4s}, {@code .16s}, {@code .64s}, {@code .256s},
 * {@code .1024s}, each with a queue-wide message TTL and dead-lettering back to {@code check_email}.
 * A fixed TTL per queue keeps every message's expiry in queue order (RabbitMQ only expires messages
 * at the head, so per-message TTLs in one queue would hold a short wait behind a long one). The
 * delay is rounded down to a step; a task that comes back too early is simply deferred again.
 * The delay queues are declared on first use.
 */
public final class RabbitTaskQueue implements TaskQueue {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitTaskQueue.class);
    static final String RETRIES_HEADER = "x-reacher-retries";
    static final String DEAD_REASON_HEADER = "x-reacher-dead-reason";
    private static final String DIRECT_REPLY_TO = "amq.rabbitmq.reply-to";
    private static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RELEASE_PAUSE = Duration.ofSeconds(1);
    /** The delay queues' TTLs, shortest first (see the class comment). */
    public static final List<Duration> WAIT_STEPS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(4),
            Duration.ofSeconds(16), Duration.ofSeconds(64), Duration.ofSeconds(256), Duration.ofSeconds(1024));

    private final Connection connection;
    private final String queue;
    private final String deadQueue;
    private final String consumerTagPrefix;
    private final Duration publishDeadline;
    private Channel publishChannel; // guarded by publishLock
    private final ReentrantLock publishLock = new ReentrantLock();
    private final Map<String, CompletableFuture<byte[]>> pendingCalls = new ConcurrentHashMap<>();
    private final ReentrantLock rpcLock = new ReentrantLock();
    private Channel rpcChannel; // guarded by rpcLock; direct reply-to needs publish and consume on one channel

    private RabbitTaskQueue(Connection connection, String queue, String consumerTagPrefix, Duration publishDeadline)
            throws IOException, TimeoutException {
        this.connection = connection;
        this.queue = queue;
        this.deadQueue = queue + ".dead";
        this.consumerTagPrefix = consumerTagPrefix;
        this.publishDeadline = publishDeadline;
        Channel setup = connection.createChannel();
        declare(setup);
        setup.close(AMQP.REPLY_SUCCESS, "declared");
        this.publishChannel = connection.createChannel();
        publishChannel.confirmSelect();
    }

    /**
     * Connects and declares the queues.
     *
     * @param url {@code amqp://user:pass@host:port/vhost}
     * @param queue the task queue, normally {@value TaskQueue#DEFAULT_QUEUE}
     * @param name the connection name and consumer tag prefix (upstream: {@code backend_name})
     * @param publishDeadline how long {@link #publish} keeps retrying through a broker outage before failing
     */
    public static RabbitTaskQueue connect(String url, String queue, String name, Duration publishDeadline) {
        ConnectionFactory factory = new ConnectionFactory();
        try {
            factory.setUri(url);
        } catch (Exception e) {
            throw new QueueException("Invalid RabbitMQ URL " + redact(url) + ": " + e.getMessage(), e);
        }
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(1000);
        factory.setRequestedHeartbeat(20);
        factory.setConnectionTimeout(10_000);
        try {
            Connection connection = factory.newConnection(name);
            if (connection instanceof Recoverable r) {
                r.addRecoveryListener(new RecoveryListener() {
                    @Override
                    public void handleRecovery(Recoverable recoverable) {
                        LOG.info("RabbitMQ connection {} recovered", name);
                    }

                    @Override
                    public void handleRecoveryStarted(Recoverable recoverable) {
                        LOG.warn("RabbitMQ connection {} lost; reconnecting", name);
                    }
                });
            }
            return new RabbitTaskQueue(connection, queue, name, publishDeadline);
        } catch (IOException | TimeoutException e) {
            throw new QueueException("Connecting to rabbitmq " + redact(url) + ": " + e.getMessage(), e);
        }
    }

    private void declare(Channel ch) throws IOException {
        Map<String, Object> args = new HashMap<>();
        args.put("x-max-priority", MAX_PRIORITY);
        ch.queueDeclare(queue, true, false, false, args);
        ch.queueDeclare(deadQueue, true, false, false, null);
    }

    /** The delay queue for {@code delay}: the longest step not above it (the shortest for shorter delays). */
    static Duration waitStep(Duration delay) {
        Duration step = WAIT_STEPS.get(0);
        for (Duration d : WAIT_STEPS) {
            if (d.compareTo(delay) <= 0) {
                step = d;
            }
        }
        return step;
    }

    /** Name of the delay queue with this TTL, e.g. {@code check_email.wait.16s}. */
    public static String waitQueueName(String queue, Duration step) {
        return queue + ".wait." + step.toSeconds() + "s";
    }

    /** Declares a delay queue (idempotent): its messages go back to the task queue when their TTL ends. */
    private void declareWaitQueue(Channel ch, String name, Duration step) throws IOException {
        Map<String, Object> args = new HashMap<>();
        args.put("x-message-ttl", step.toMillis());
        args.put("x-dead-letter-exchange", "");
        args.put("x-dead-letter-routing-key", queue);
        ch.queueDeclare(name, true, false, false, args);
    }

    static String redact(String url) {
        return url.replaceAll("://([^:/@]+):[^@/]*@", "://$1:***@");
    }

    private static AMQP.BasicProperties properties(int priority, Map<String, Object> headers) {
        return new AMQP.BasicProperties.Builder().contentType("application/json").deliveryMode(2)
                .priority(priority).headers(headers).build();
    }

    @Override
    public void publish(List<Outgoing> messages) {
        if (messages.isEmpty()) {
            return;
        }
        publishConfirmed(() -> {
            for (Outgoing m : messages) {
                publishChannel.basicPublish("", queue, properties(m.priority(), null), m.body());
            }
        }, messages.size() + " task(s)");
    }

    private interface PublishAction {
        void run() throws IOException;
    }

    /** Publishes and waits for the broker's confirms, again and again through an outage, until the deadline. */
    private void publishConfirmed(PublishAction action, String what) {
        Instant deadline = Instant.now().plus(publishDeadline);
        long pause = 200;
        while (true) {
            publishLock.lock();
            try {
                ensurePublishChannel();
                action.run();
                // Not waitForConfirmsOrDie: it closes the channel on a nack or timeout, and a channel
                // closed by the application is never recovered.
                if (!publishChannel.waitForConfirms(CONFIRM_TIMEOUT.toMillis())) {
                    throw new IOException("the broker refused (nacked) a message");
                }
                return;
            } catch (IOException | TimeoutException | ShutdownSignalException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new QueueException("Publishing " + what + " to " + queue + ": " + e.getMessage(), e);
                }
                LOG.warn("publishing {} to {} failed ({}); trying again", what, queue, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QueueException("Publishing " + what + " to " + queue + ": interrupted", e);
            } finally {
                publishLock.unlock();
            }
            sleep(pause);
            pause = Math.min(pause * 2, 5000);
        }
    }

    /** A channel closed by a channel-level error stays closed; open a new one (connection losses recover by themselves). */
    private void ensurePublishChannel() throws IOException {
        if (!publishChannel.isOpen() && connection.isOpen()) {
            Channel ch = connection.createChannel();
            ch.confirmSelect();
            publishChannel = ch;
        }
    }

    @Override
    public Subscription subscribe(int concurrency, DeliveryHandler handler) {
        try {
            Channel ch = connection.createChannel();
            // Upstream uses global QoS on a shared channel; a channel of its own per consumer is the same limit.
            ch.basicQos(concurrency);
            RabbitSubscription sub = new RabbitSubscription(ch, handler);
            sub.tag = ch.basicConsume(queue, false, consumerTagPrefix + "-" + queue + "-" + UUID.randomUUID(), sub.consumer);
            return sub;
        } catch (IOException e) {
            throw new QueueException("Consuming from " + queue + ": " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<byte[]> call(byte[] body, int priority, Duration timeout) {
        String id = UUID.randomUUID().toString();
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        pendingCalls.put(id, reply);
        reply.whenComplete((r, e) -> pendingCalls.remove(id));
        rpcLock.lock();
        try {
            Channel ch = rpcChannel();
            // The message expires with the caller's patience: a task nobody picked up before the HTTP
            // request gave up (504) is dropped by the broker instead of being verified and stored later.
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().contentType("application/json")
                    .deliveryMode(2).priority(priority).correlationId(id).replyTo(DIRECT_REPLY_TO)
                    .expiration(Long.toString(timeout.toMillis())).build();
            ch.basicPublish("", queue, props, body);
        } catch (IOException | AlreadyClosedException e) {
            reply.completeExceptionally(new QueueException("Publishing a single-shot task to " + queue + ": "
                    + e.getMessage(), e));
            return reply;
        } finally {
            rpcLock.unlock();
        }
        return reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Channel rpcChannel() throws IOException {
        if (rpcChannel == null || !rpcChannel.isOpen() && connection.isOpen()) {
            Channel ch = connection.createChannel();
            ch.basicConsume(DIRECT_REPLY_TO, true, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body) {
                    CompletableFuture<byte[]> f = props.getCorrelationId() == null ? null
                            : pendingCalls.get(props.getCorrelationId());
                    if (f != null) {
                        f.complete(body);
                    } else {
                        LOG.debug("RPC reply with unknown correlation id {} dropped", props.getCorrelationId());
                    }
                }
            });
            rpcChannel = ch;
        }
        return rpcChannel;
    }

    @Override
    public long depth() {
        try {
            Channel ch = connection.createChannel();
            try {
                return ch.queueDeclarePassive(queue).getMessageCount();
            } finally {
                ch.close();
            }
        } catch (IOException | TimeoutException e) {
            throw new QueueException("Reading the depth of " + queue + ": " + e.getMessage(), e);
        }
    }

    /** Messages waiting in the dead-letter queue. */
    public long deadLetters() {
        try {
            Channel ch = connection.createChannel();
            try {
                return ch.queueDeclarePassive(deadQueue).getMessageCount();
            } finally {
                ch.close();
            }
        } catch (IOException | TimeoutException e) {
            throw new QueueException("Reading the depth of " + deadQueue + ": " + e.getMessage(), e);
        }
    }

    public String queueName() {
        return queue;
    }

    @Override
    public void close() {
        pendingCalls.values().forEach(f -> f.completeExceptionally(new QueueException("queue closed", null)));
        try {
            connection.close(5000);
        } catch (IOException | AlreadyClosedException e) {
            LOG.debug("closing the RabbitMQ connection: {}", e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class RabbitSubscription implements Subscription {
        private final Channel channel;
        private final DeliveryHandler handler;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicBoolean open = new AtomicBoolean(true);
        private final DefaultConsumer consumer;
        private volatile String tag;

        RabbitSubscription(Channel channel, DeliveryHandler handler) {
            this.channel = channel;
            this.handler = handler;
            this.consumer = new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String consumerTag, Envelope env, AMQP.BasicProperties props, byte[] body) {
                    inFlight.incrementAndGet();
                    RabbitDelivery d = new RabbitDelivery(RabbitSubscription.this, env, props, body);
                    // The client's dispatch thread must not block: the work runs on a virtual thread.
                    Thread.ofVirtual().name("task-", env.getDeliveryTag()).start(() -> run(d));
                }
            };
        }

        private void run(RabbitDelivery d) {
            try {
                handler.handle(d);
            } catch (RuntimeException e) {
                LOG.error("handler failed on a {} message; it will be delivered again", queue, e);
                d.release();
            }
        }

        @Override
        public int inFlight() {
            return inFlight.get();
        }

        @Override
        public void close(Duration grace) {
            if (!open.compareAndSet(true, false)) {
                return;
            }
            try {
                if (tag != null) {
                    channel.basicCancel(tag);
                }
            } catch (IOException | AlreadyClosedException e) {
                LOG.debug("cancelling consumer {}: {}", tag, e.getMessage());
            }
            Instant deadline = Instant.now().plus(grace);
            while (inFlight.get() > 0 && Instant.now().isBefore(deadline)) {
                sleep(20);
            }
            if (inFlight.get() > 0) {
                LOG.warn("{} task(s) still running at shutdown; RabbitMQ will deliver them again", inFlight.get());
            }
            try {
                channel.close();
            } catch (IOException | TimeoutException | AlreadyClosedException e) {
                LOG.debug("closing consumer channel: {}", e.getMessage());
            }
        }
    }

    private final class RabbitDelivery implements Delivery {
        private final RabbitSubscription sub;
        private final Envelope envelope;
        private final AMQP.BasicProperties props;
        private final byte[] body;
        private final AtomicBoolean settled = new AtomicBoolean();

        RabbitDelivery(RabbitSubscription sub, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
            this.sub = sub;
            this.envelope = envelope;
            this.props = props;
            this.body = body;
        }

        @Override
        public byte[] body() {
            return body.clone();
        }

        @Override
        public int retries() {
            Object v = props.getHeaders() == null ? null : props.getHeaders().get(RETRIES_HEADER);
            return v instanceof Number n ? n.intValue() : 0;
        }

        @Override
        public boolean redelivered() {
            return envelope.isRedeliver();
        }

        private boolean settle() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            sub.inFlight.decrementAndGet();
            return true;
        }

        @Override
        public void ack() {
            if (settle()) {
                basicAck();
            }
        }

        private void basicAck() {
            try {
                // After a reconnect the client drops acks for tags of the old channel; the broker
                // then redelivers those messages, and storing them again is a no-op.
                sub.channel.basicAck(envelope.getDeliveryTag(), false);
            } catch (IOException | AlreadyClosedException e) {
                LOG.warn("ack failed ({}); the task will be delivered again", e.getMessage());
            }
        }

        @Override
        public void retry(byte[] newBody) {
            if (!settle()) {
                return;
            }
            // Publish the copy first, then ack: a crash in between gives a duplicate, never a loss.
            Map<String, Object> headers = props.getHeaders() == null ? new HashMap<>() : new HashMap<>(props.getHeaders());
            headers.put(RETRIES_HEADER, retries() + 1);
            AMQP.BasicProperties copy = props.builder().headers(headers).deliveryMode(2).build();
            try {
                publishConfirmed(() -> publishChannel.basicPublish("", queue, copy, newBody), "a retry");
                basicAck();
            } catch (QueueException e) {
                LOG.warn("could not requeue a task for retry ({}); it will be delivered again", e.getMessage());
                nack();
            }
        }

        @Override
        public void release() {
            if (settle()) {
                sleep(RELEASE_PAUSE.toMillis()); // no hot redelivery loop while e.g. the database is down
                nack();
            }
        }

        @Override
        public void defer(Duration delay) {
            if (!settle()) {
                return;
            }
            Duration step = waitStep(delay);
            String waitQueue = waitQueueName(queue, step);
            // Same body, headers and priority (the retry count is unchanged); a single-shot expiry must
            // not cut the wait short.
            AMQP.BasicProperties copy = props.builder().expiration(null).deliveryMode(2).build();
            try {
                // Declared every time: a publish to a queue that someone deleted would be confirmed and lost.
                publishConfirmed(() -> {
                    declareWaitQueue(publishChannel, waitQueue, step);
                    publishChannel.basicPublish("", waitQueue, copy, body);
                }, "a deferred task");
                basicAck();
            } catch (QueueException e) {
                LOG.warn("could not defer a task ({}); it will be delivered again", e.getMessage());
                sleep(RELEASE_PAUSE.toMillis());
                nack();
            }
        }

        private void nack() {
            try {
                sub.channel.basicNack(envelope.getDeliveryTag(), false, true);
            } catch (IOException | AlreadyClosedException e) {
                LOG.warn("nack failed ({}); the task will be delivered again", e.getMessage());
            }
        }

        @Override
        public void deadLetter(String reason) {
            if (!settle()) {
                return;
            }
            Map<String, Object> headers = props.getHeaders() == null ? new HashMap<>() : new HashMap<>(props.getHeaders());
            headers.put(DEAD_REASON_HEADER, reason.length() > 1000 ? reason.substring(0, 1000) : reason);
            AMQP.BasicProperties copy = new AMQP.BasicProperties.Builder().contentType(props.getContentType())
                    .deliveryMode(2).headers(headers).build();
            try {
                publishConfirmed(() -> publishChannel.basicPublish("", deadQueue, copy, body), "a dead letter");
                basicAck();
            } catch (QueueException e) {
                LOG.warn("could not dead-letter a task ({}); it will be delivered again", e.getMessage());
                nack();
            }
        }

        @Override
        public boolean expectsReply() {
            return props.getReplyTo() != null && props.getCorrelationId() != null;
        }

        @Override
        public void reply(byte[] reply) {
            if (!expectsReply()) {
                return;
            }
            AMQP.BasicProperties rp = new AMQP.BasicProperties.Builder().contentType("application/json")
                    .correlationId(props.getCorrelationId()).build();
            publishLock.lock();
            try {
                // Not confirmed: the caller is waiting on a live connection, and a lost reply is a timeout there.
                ensurePublishChannel();
                publishChannel.basicPublish("", props.getReplyTo(), rp, reply);
            } catch (IOException | AlreadyClosedException e) {
                LOG.warn("RPC reply to {} failed: {}", props.getReplyTo(), e.getMessage());
            } finally {
                publishLock.unlock();
            }
        }
    }
}

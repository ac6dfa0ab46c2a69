package dev.reacher.server.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.proxy.PoolStateUnavailableException;
import dev.reacher.core.proxy.ProxyLimitExceededException;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.smtp.SmtpAttempt;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.Reachable;
import dev.reacher.server.job.JobNotifier;
import dev.reacher.server.queue.Delivery;
import dev.reacher.server.queue.TaskQueue;
import dev.reacher.server.storage.JobRecord;
import dev.reacher.server.storage.NewResult;
import dev.reacher.server.storage.ResultStore;
import dev.reacher.server.storage.ResultWriter;
import dev.reacher.server.storage.StorageException;
import dev.reacher.server.storage.StoredResult;
import dev.reacher.server.task.MalformedTaskException;
import dev.reacher.server.task.ProxyCredentials;
import dev.reacher.server.task.RpcReply;
import dev.reacher.server.task.TaskCodec;
import dev.reacher.server.task.TaskMessage;
import dev.reacher.server.throttle.Throttle;
import dev.reacher.server.webhook.Webhook;
import dev.reacher.server.webhook.WebhookSender;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks from the queue: verify, commit the result, then send the {@code on_each_email}
 * webhook and the RPC reply, and only then ack. Whatever happens, a job item ends with exactly one
 * stored result: a redelivered item that already has one is not verified again (its webhook is
 * sent again, so webhooks are at least once), and the store ignores a second result for an item.
 *
 * <ul>
 *   <li>{@code unknown} results go back to the queue {@code unknownRetries} times (upstream: once),
 *       counted in the message, so another proxy or worker gets a chance;
 *   <li>a bulk task that finds no proxy budget before its SMTP deadline is not a result at all: it
 *       goes back to the queue until the budget returns ({@link Delivery#defer}), noted in the store
 *       so the job's progress shows it waiting; this never counts as a retry;
 *   <li>a message that is not a task is dead-lettered with a log line; a bulk item whose input is
 *       unusable gets an error row so its job still completes;
 *   <li>a storage failure puts the task back after a pause; nothing is acked before it is stored;
 *   <li>while the proxy pool's shared state cannot be reached, tasks are held, not verified
 *       (no proxy may be used past the fleet's limits), and no new ones are taken.
 * </ul>
 */
public final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /** The shortest wait for proxy budget: no hot loop through the queue when budget is just around the corner. */
    private static final Duration MIN_BUDGET_WAIT = Duration.ofMillis(200);

    private final TaskQueue queue;
    private final ResultStore store;
    private final EmailVerifier verifier;
    private final ProxyCredentials credentials;
    private final WorkerSettings settings;
    private final Throttle throttle;
    private final WebhookSender webhooks;
    private final ResultWriter writer;
    private final Map<Long, Boolean> knownJobs = new ConcurrentHashMap<>();
    private static final Duration CANCEL_RECHECK = Duration.ofSeconds(1);
    private final Set<Long> cancelledJobs = ConcurrentHashMap.newKeySet();
    private final Map<Long, Long> cancelCheckedAt = new ConcurrentHashMap<>();
    private final AtomicLong processed = new AtomicLong();
    private final Map<Reachable, LongAdder> storedByVerdict = new EnumMap<>(Reachable.class);
    private final LongAdder retried = new LongAdder();
    private final LongAdder deferred = new LongAdder();
    private final TaskQueue.Subscription subscription;

    private final AtomicBoolean paused = new AtomicBoolean();
    private volatile boolean closing;

    private Worker(TaskQueue queue, ResultStore store, EmailVerifier verifier, ProxyCredentials credentials,
            WorkerSettings settings, Throttle throttle) {
        this.queue = queue;
        this.store = store;
        this.verifier = verifier;
        this.credentials = credentials;
        this.settings = settings;
        this.throttle = throttle;
        this.webhooks = new WebhookSender(settings.webhooks());
        JobNotifier notifier = new JobNotifier(store, webhooks);
        this.writer = new ResultWriter(store, jobs -> jobs.forEach(notifier::jobFinishedAsync), 256);
        for (Reachable r : Reachable.values()) {
            storedByVerdict.put(r, new LongAdder());
        }
        this.subscription = queue.subscribe(settings.concurrency(), this::handle);
        LOG.info("worker consuming with concurrency {}", settings.concurrency());
    }

    /** Starts consuming at once, without a throttle. */
    public static Worker start(TaskQueue queue, ResultStore store, EmailVerifier verifier, ProxyCredentials credentials,
            WorkerSettings settings) {
        return start(queue, store, verifier, credentials, settings, Throttle.unlimited());
    }

    /**
     * Starts consuming at once; every task takes a token from {@code throttle} before it is verified
     * (upstream's worker-side {@code [throttle]}).
     */
    public static Worker start(TaskQueue queue, ResultStore store, EmailVerifier verifier, ProxyCredentials credentials,
            WorkerSettings settings, Throttle throttle) {
        return new Worker(queue, store, verifier, credentials, settings, throttle);
    }

    /** Tasks this worker has finished (stored, or answered from an earlier result). */
    public long processed() {
        return processed.get();
    }

    /** Results this worker stored, with this verdict (duplicates of stored items not counted). */
    public long stored(Reachable verdict) {
        return storedByVerdict.get(verdict).sum();
    }

    /** Tasks sent back to the queue for another try after an {@code unknown} result. */
    public long retried() {
        return retried.sum();
    }

    /** Tasks sent back to the queue to wait for proxy budget (each time one was). */
    public long deferredForBudget() {
        return deferred.sum();
    }

    /** Tasks in hand right now. */
    public int inFlight() {
        return subscription.inFlight();
    }

    void handle(Delivery delivery) {
        TaskMessage task;
        try {
            task = TaskCodec.decode(delivery.body());
        } catch (MalformedTaskException e) {
            rejectMalformed(delivery, e);
            return;
        }
        try {
            run(task, delivery);
        } catch (StorageException e) {
            LOG.warn("task for {} not stored ({}); it goes back to the queue", task.input().toEmail(), e.getMessage());
            delivery.release();
        }
    }

    private void rejectMalformed(Delivery delivery, MalformedTaskException e) {
        if (e.jobId() != null && e.item() != null && jobExists(e.jobId())) {
            // The job counts on this item: close it with an error instead of leaving the job running forever.
            ObjectNode payload = JsonNodeFactory.instance.objectNode();
            payload.putObject("job_id").put("bulk", e.jobId());
            payload.put("item", e.item());
            LOG.warn("task {} of job {} is unusable ({}); storing it as an error", e.item(), e.jobId(), e.getMessage());
            if (commit(NewResult.failure(e.jobId(), e.item(), ReacherJson.write(payload), e.getMessage()), delivery) != null) {
                delivery.ack();
            }
            return;
        }
        LOG.warn("dead-lettering a malformed message: {}", e.getMessage());
        delivery.deadLetter(e.getMessage());
    }

    private void run(TaskMessage task, Delivery delivery) {
        Long jobId = task.bulkJobId();
        if (jobId != null) {
            if (!jobExists(jobId)) {
                LOG.warn("dead-lettering a task of unknown bulk job {}", jobId);
                delivery.deadLetter("unknown bulk job " + jobId);
                return;
            }
            if (isCancelled(jobId)) {
                finish(delivery); // DELETE /v1/bulk/{id}: the address is dropped, not verified
                return;
            }
            if (task.item() != null && delivery.redelivered()) {
                Optional<StoredResult> done = store.findResult(jobId, task.item());
                if (done.isPresent()) {
                    // Stored before a crash or a lost ack: the webhook may not have gone out yet.
                    if (done.get().resultJson() != null) {
                        sendEachEmailWebhook(task, done.get().resultJson());
                    }
                    finish(delivery);
                    return;
                }
            }
        }

        Throttle.Permit permit = awaitThrottle(delivery);
        if (permit == null) {
            return;
        }
        CheckEmailInput input = credentials.restore(task.input());
        CheckEmailOutput output = null;
        while (output == null) {
            if (!awaitPoolState(delivery)) {
                return;
            }
            try {
                if (delivery.expectsReply()) {
                    // Someone waits on an HTTP request: answer 429 at once rather than queueing behind proxy limits.
                    try {
                        output = verifier.verify(input, LimitPolicy.FAIL, task.avoidProxies());
                    } catch (ProxyLimitExceededException e) {
                        delivery.reply(new RpcReply.Err("Worker at full capacity, wait " + e.retryAfter(), 429).encode());
                        finish(delivery);
                        return;
                    }
                } else {
                    try {
                        // A bulk job's addresses may share SMTP sessions with their siblings; other tasks keep their own.
                        output = jobId != null ? verifier.verifyInBulk(input, LimitPolicy.WAIT, task.avoidProxies())
                                : verifier.verify(input, LimitPolicy.WAIT, task.avoidProxies());
                    } catch (ProxyLimitExceededException e) {
                        permit.refund(); // nothing was verified
                        deferForBudget(task, delivery, e);
                        return;
                    }
                }
            } catch (PoolStateUnavailableException e) {
                // Nothing was sent: keep the task and wait for the shared state (awaitPoolState).
                LOG.debug("{}: {}", input.toEmail(), e.getMessage());
            }
        }
        if (output.isReachable() == Reachable.UNKNOWN && delivery.retries() < settings.unknownRetries()) {
            // The next try goes through another proxy (when the pool has one): the message carries
            // the ids this one went through.
            Set<String> used = proxiesUsed(output);
            LOG.debug("{} is unknown (proxies {}); sending it back for retry {}", input.toEmail(), used,
                    delivery.retries() + 1);
            delivery.retry(used.isEmpty() ? delivery.body() : TaskCodec.encode(task.avoiding(used)));
            retried.increment();
            return;
        }
        String json = ReacherJson.write(output);
        Boolean stored = commit(NewResult.success(jobId, task.item(), TaskCodec.payload(task), json, output.isReachable()),
                delivery);
        if (stored == null) {
            return;
        }
        if (delivery.expectsReply()) {
            delivery.reply(new RpcReply.Ok(json).encode());
        }
        if (stored) {
            storedByVerdict.get(output.isReachable()).increment();
            // A duplicate message (the item already had its result) sends no webhook: the receiver
            // gets the stored result, once, from whoever stored it.
            sendEachEmailWebhook(task, json);
        }
        finish(delivery);
    }

    /**
     * No proxy has budget before this task's SMTP deadline: put it back until the budget returns
     * (plus up to 10 % jitter, so that many waiting tasks do not all come back in the same instant),
     * instead of waiting with a slot held or storing {@code unknown}.
     */
    private void deferForBudget(TaskMessage task, Delivery delivery, ProxyLimitExceededException e) {
        Duration wait = e.retryAfter().compareTo(MIN_BUDGET_WAIT) < 0 ? MIN_BUDGET_WAIT : e.retryAfter();
        Duration delay = wait.plusMillis(ThreadLocalRandom.current().nextLong(wait.toMillis() / 10 + 1));
        if (task.bulkJobId() != null && task.item() != null) {
            store.recordBudgetWait(task.bulkJobId(), task.item(), e.budgetReturnsAt());
        }
        LOG.debug("no proxy budget for {} until {}; back to the queue for {}", task.input().toEmail(),
                e.budgetReturnsAt(), delay);
        delivery.defer(delay);
        deferred.increment();
    }

    private static Set<String> proxiesUsed(CheckEmailOutput output) {
        Set<String> ids = new TreeSet<>();
        if (output.debug() != null && output.debug().smtp() != null) {
            for (SmtpAttempt attempt : output.debug().smtp().attempts()) {
                if (attempt.proxy() != null) {
                    ids.add(attempt.proxy());
                }
            }
        }
        return ids;
    }

    /**
     * Takes a throttle token. A waiting HTTP client is answered 429 at once (upstream's reply); a
     * bulk task waits for the window to refill, holding its slot, instead of upstream's requeue
     * loop that spins on the broker. Null when the delivery was settled here.
     */
    private Throttle.Permit awaitThrottle(Delivery delivery) {
        while (true) {
            switch (throttle.tryAcquire()) {
                case Throttle.Permit p -> {
                    return p;
                }
                case Throttle.Limited limited -> {
                    if (delivery.expectsReply()) {
                        delivery.reply(new RpcReply.Err(limited.message(), 429).encode());
                        finish(delivery);
                        return null;
                    }
                    if (!holdFor(delivery, Math.min(1000, Math.max(1, limited.retryAfter().toMillis())))) {
                        return null;
                    }
                }
            }
        }
    }

    /**
     * Holds the task while the proxy pool's shared (fleet) state cannot be reached: with
     * {@code on_store_failure = pause} no proxy may be used then, so this worker stops taking tasks
     * (the ones in hand fill its prefetch) until the store is back. A waiting HTTP client is answered
     * 503 at once. False when the delivery was settled here.
     */
    private boolean awaitPoolState(Delivery delivery) {
        ProxyPool pool = verifier.proxyPool();
        while (true) {
            String problem = pool == null ? null : pool.stateProblem();
            if (problem == null) {
                if (paused.compareAndSet(true, false)) {
                    LOG.info("the proxy pool's shared state is back; taking tasks again");
                }
                return true;
            }
            if (paused.compareAndSet(false, true)) {
                LOG.warn("paused, tasks are held until the proxy pool's shared state is back: {}", problem);
            }
            if (delivery.expectsReply()) {
                delivery.reply(new RpcReply.Err(problem, 503).encode());
                finish(delivery);
                return false;
            }
            if (!holdFor(delivery, 250)) {
                return false;
            }
        }
    }

    /**
     * Keeps a task in hand for {@code millis} before trying again; when stopping (or interrupted)
     * puts it back instead. False when the delivery was settled here.
     */
    private boolean holdFor(Delivery delivery, long millis) {
        if (closing) {
            delivery.release();
            return false;
        }
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            delivery.release();
            return false;
        }
    }

    /** True while tasks are held for the proxy pool's shared state. */
    public boolean paused() {
        return paused.get();
    }

    /**
     * Waits for the result's transaction: true when stored, false when the item already had a
     * result; on failure puts the task back and returns null.
     */
    private Boolean commit(NewResult result, Delivery delivery) {
        try {
            return writer.submit(result).get();
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            LOG.warn("result not stored ({}); the task goes back to the queue", cause.getMessage());
            delivery.release();
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            delivery.release();
            return null;
        }
    }

    private void finish(Delivery delivery) {
        delivery.ack();
        processed.incrementAndGet();
    }

    private void sendEachEmailWebhook(TaskMessage task, String resultJson) {
        Webhook target = task.webhook() == null ? null : task.webhook().onEachEmail();
        if (target == null) {
            return;
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        try {
            body.set("result", ReacherJson.mapper().readTree(resultJson));
        } catch (IOException e) {
            throw new IllegalStateException("stored result is not JSON", e);
        }
        JsonNode extra = target.extra();
        body.set("extra", extra);
        webhooks.post(target, ReacherJson.write(body));
    }

    /**
     * Whether the job was cancelled. A cancel is final, so a yes is remembered; a no is asked again
     * after {@link #CANCEL_RECHECK}, so a cancel reaches every worker within about a second without a
     * query per task.
     */
    private boolean isCancelled(long jobId) {
        if (cancelledJobs.contains(jobId)) {
            return true;
        }
        long now = System.nanoTime();
        Long checked = cancelCheckedAt.get(jobId);
        if (checked != null && now - checked < CANCEL_RECHECK.toNanos()) {
            return false;
        }
        boolean cancelled = store.job(jobId).map(JobRecord::cancelled).orElse(false);
        if (cancelled) {
            cancelledJobs.add(jobId);
            cancelCheckedAt.remove(jobId);
        } else {
            cancelCheckedAt.put(jobId, now);
        }
        return cancelled;
    }

    private boolean jobExists(long jobId) {
        Boolean known = knownJobs.get(jobId);
        if (known != null) {
            return known;
        }
        boolean exists = store.job(jobId).isPresent();
        if (exists) {
            knownJobs.put(jobId, true); // absence is not cached: the job may be created in a moment elsewhere
        }
        return exists;
    }

    /** Stops taking tasks, finishes those in hand (up to the settings' grace), then stops writing. */
    @Override
    public void close() {
        close(settings.shutdownGrace());
    }

    public void close(Duration grace) {
        closing = true; // tasks waiting for throttle budget go back to the queue instead of holding the stop
        subscription.close(grace);
        writer.close();
        webhooks.close();
        LOG.info("worker stopped after {} task(s)", processed.get());
    }

    TaskQueue queue() {
        return queue;
    }
}

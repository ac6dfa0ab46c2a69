package dev.reacher.server.job;

import dev.reacher.server.queue.TaskQueue;
import dev.reacher.server.storage.Database;
import dev.reacher.server.storage.JobItem;
import dev.reacher.server.storage.JobRecord;
import dev.reacher.server.storage.ResultStore;
import dev.reacher.server.task.TaskCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes job items from the store's outbox to the queue, in batches, moving the job's
 * {@code published} cursor after each confirmed batch. This is what keeps upstream's
 * partial-publish bug away: a job's items are all in the database before its id is returned, and
 * whoever holds the job's dispatch lease (renewed per batch) publishes the rest; if that process dies
 * or the broker is down, the periodic sweep of any API process picks the job up where the cursor
 * stands. A batch published twice only means duplicate messages, which the workers absorb.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final ResultStore store;
    private final TaskQueue queue;
    private final int batchSize;
    private final Duration lease;
    private final Duration sweepEvery;
    private final JobNotifier notifier;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread sweeper;

    /** @param sweepEvery pause between sweeps; null for none (tests call {@link #sweep} and {@link #dispatch} themselves) */
    public Dispatcher(ResultStore store, TaskQueue queue, JobNotifier notifier, int batchSize, Duration lease, Duration sweepEvery) {
        this.store = store;
        this.queue = queue;
        this.notifier = notifier;
        this.batchSize = batchSize;
        this.lease = lease;
        this.sweepEvery = sweepEvery;
        this.sweeper = sweepEvery == null ? null : Thread.ofVirtual().name("bulk-dispatch-sweep").start(this::sweepLoop);
    }

    /** Starts publishing a new job's items in the background. */
    void kick(long jobId) {
        Thread.ofVirtual().name("bulk-dispatch-", jobId).start(() -> dispatchQuietly(jobId));
    }

    private void sweepLoop() {
        while (running.get()) {
            try {
                sweep();
            } catch (RuntimeException e) {
                LOG.warn("bulk sweep failed: {}", e.getMessage());
            }
            try {
                Thread.sleep(sweepEvery);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Publishes what any crashed or failed dispatcher left, and sends job webhooks a crash interrupted. */
    void sweep() {
        for (long jobId : store.jobsToDispatch(Database.now())) {
            if (!running.get()) {
                return;
            }
            dispatchQuietly(jobId);
        }
        for (JobRecord job : store.finishedUnnotified(Database.now().minus(Duration.ofMinutes(1)))) {
            notifier.notify(job);
        }
    }

    private void dispatchQuietly(long jobId) {
        try {
            dispatch(jobId);
        } catch (RuntimeException e) {
            LOG.warn("publishing job {} stopped ({}); it resumes after its lease ends", jobId, e.getMessage());
        }
    }

    /** Publishes the job's remaining items if this process can take the job's dispatch lease. */
    void dispatch(long jobId) {
        Instant now = Database.now();
        if (!store.claimDispatch(jobId, now, now.plus(lease))) {
            return;
        }
        Optional<JobRecord> found = store.job(jobId);
        if (found.isEmpty()) {
            return;
        }
        JobRecord job = found.get();
        TaskCodec.JobTemplate template = new TaskCodec.JobTemplate(jobId, job.taskTemplateJson(),
                JobNotifier.webhook(job).orElse(null));
        int cursor = job.published();
        long started = System.nanoTime();
        while (cursor < job.totalRecords() && running.get()) {
            List<JobItem> items = store.items(jobId, cursor, batchSize);
            if (items.isEmpty()) {
                break;
            }
            List<TaskQueue.Outgoing> messages = new ArrayList<>(items.size());
            for (JobItem item : items) {
                messages.add(new TaskQueue.Outgoing(template.render(item.index(), item.email()), TaskQueue.PRIORITY_BULK));
            }
            queue.publish(messages);
            cursor = items.get(items.size() - 1).index() + 1;
            boolean done = cursor >= job.totalRecords();
            if (!store.markPublished(jobId, done ? job.totalRecords() : cursor, done ? null : Database.now().plus(lease))
                    && !done) {
                // Cancelled meanwhile (DELETE /v1/bulk/{id} moves the cursor to the end), or another
                // dispatcher is ahead: publishing more would only queue addresses nobody will verify.
                LOG.info("bulk job {}: publishing stopped at item {}: the job was cancelled or is published elsewhere",
                        jobId, cursor);
                return;
            }
        }
        if (cursor >= job.totalRecords()) {
            LOG.info("bulk job {}: {} task(s) published in {} ms", jobId, job.totalRecords() - job.published(),
                    (System.nanoTime() - started) / 1_000_000);
        }
    }

    @Override
    public void close() {
        running.set(false);
        if (sweeper != null) {
            sweeper.interrupt();
        }
    }
}

package dev.reacher.server.job;

import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.server.results.JobResults;
import dev.reacher.server.results.ResultFormat;
import dev.reacher.server.storage.BudgetWait;
import dev.reacher.server.storage.Database;
import dev.reacher.server.storage.JobRecord;
import dev.reacher.server.storage.NewJob;
import dev.reacher.server.storage.ResultStore;
import dev.reacher.server.storage.StorageException;
import dev.reacher.server.task.TaskCodec;
import dev.reacher.server.webhook.TaskWebhook;
import dev.reacher.server.webhook.Webhook;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The bulk API behind {@code POST /v1/bulk}, {@code GET /v1/bulk/{id}} and
 * {@code GET /v1/bulk/{id}/results}: the same code whether the queue is the embedded one or
 * RabbitMQ. Thread-safe. Errors are {@link BulkException}s whose kind maps to upstream's statuses.
 */
public final class BulkService {
    /** Upstream's default page size for JSON results. */
    public static final int DEFAULT_JSON_LIMIT = 50;

    private final ResultStore store;
    private final Dispatcher dispatcher; // null: no queue, bulk unavailable
    private final java.util.function.Supplier<CheckEmailInput> defaultTemplate; // current after a reload
    private final Webhook defaultOnEachEmail; // null: none

    public BulkService(ResultStore store, Dispatcher dispatcher, CheckEmailInput defaultTemplate, Webhook defaultOnEachEmail) {
        this(store, dispatcher, () -> defaultTemplate, defaultOnEachEmail);
        Objects.requireNonNull(defaultTemplate, "defaultTemplate");
    }

    /** With the configured input read at each job's creation (it changes when the configuration is reloaded). */
    public BulkService(ResultStore store, Dispatcher dispatcher, java.util.function.Supplier<CheckEmailInput> defaultTemplate,
            Webhook defaultOnEachEmail) {
        this.store = store;
        this.dispatcher = dispatcher;
        this.defaultTemplate = Objects.requireNonNull(defaultTemplate, "defaultTemplate");
        this.defaultOnEachEmail = defaultOnEachEmail;
    }

    /** Like {@link #createJob(List, TaskWebhook, CheckEmailInput)} with the configured input (upstream: config only). */
    public long createJob(List<String> emails, TaskWebhook webhook) {
        return createJob(emails, webhook, defaultTemplate.get());
    }

    /**
     * Records a job and starts publishing its tasks; returns its id once every address is safely
     * stored (publishing continues in the background and survives restarts).
     *
     * @param emails the addresses, used as given (empty strings and duplicates allowed, as upstream)
     * @param webhook the job's webhooks, or null; without {@code on_each_email}, the configured
     *     {@code worker.webhook.on_each_email} is used if there is one
     * @param template the input every address is verified with ({@code to_email} is replaced)
     * @throws BulkException {@code EMPTY_INPUT} ("Empty input"), {@code UNAVAILABLE}, {@code FAILED}
     */
    public long createJob(List<String> emails, TaskWebhook webhook, CheckEmailInput template) {
        if (dispatcher == null) {
            throw new BulkException(BulkException.Kind.UNAVAILABLE,
                    "Please enable worker mode on Reacher before calling this endpoint");
        }
        if (emails == null || emails.isEmpty()) {
            throw new BulkException(BulkException.Kind.EMPTY_INPUT, "Empty input");
        }
        if ((webhook == null || webhook.onEachEmail() == null) && defaultOnEachEmail != null) {
            webhook = new TaskWebhook(defaultOnEachEmail, webhook == null ? null : webhook.onJobFinished());
        }
        String webhookJson = webhook == null || webhook.isEmpty() ? null : ReacherJson.write(webhook);
        long id;
        try {
            id = store.createJob(new NewJob(emails, TaskCodec.inputTemplate(template), webhookJson));
        } catch (StorageException e) {
            throw new BulkException(BulkException.Kind.FAILED, e.getMessage(), e);
        }
        dispatcher.kick(id);
        return id;
    }

    /**
     * @throws BulkException {@code NOT_FOUND} with upstream's sqlx message
     */
    public JobProgress progress(long jobId) {
        JobRecord job = job(jobId);
        Instant now = Instant.now();
        return JobProgress.of(job, now, budgetWait(job, now));
    }

    /** Only a running job has items waiting for proxy budget; a finished one costs no query. */
    private BudgetWait budgetWait(JobRecord job, Instant now) {
        return job.completed() || job.cancelled() ? BudgetWait.NONE : store.budgetWait(job.id(), now);
    }

    /** Jobs at most this many to a page of {@link #jobs}. */
    public static final int MAX_JOBS_PAGE = 1000;

    /**
     * The most recent jobs first, as progress.
     *
     * @throws IllegalArgumentException when {@code limit} is not 1..{@value #MAX_JOBS_PAGE} or {@code offset} negative
     */
    public List<JobProgress> jobs(int limit, long offset) {
        if (limit < 1 || limit > MAX_JOBS_PAGE || offset < 0) {
            throw new IllegalArgumentException("Invalid query string: limit must be 1-" + MAX_JOBS_PAGE
                    + " and offset at least 0");
        }
        try {
            Instant now = Instant.now();
            // the same budget-wait counts as GET /v1/bulk/{id}, so the list and a job's page agree
            return store.jobs(limit, offset).stream().map(j -> JobProgress.of(j, now, budgetWait(j, now))).toList();
        } catch (StorageException e) {
            throw new BulkException(BulkException.Kind.FAILED, e.getMessage(), e);
        }
    }

    /**
     * Cancels a job: no more of its addresses are verified (those queued are skipped by the workers),
     * the results already stored are kept, and its progress says {@code Cancelled}. A finished job is
     * answered as it is.
     *
     * @throws BulkException {@code NOT_FOUND}
     */
    public JobProgress cancel(long jobId) {
        try {
            return JobProgress.of(store.cancelJob(jobId, Database.now()).orElseThrow(
                    () -> new BulkException(BulkException.Kind.NOT_FOUND, BulkException.ROW_NOT_FOUND)));
        } catch (StorageException e) {
            throw new BulkException(BulkException.Kind.FAILED, e.getMessage(), e);
        }
    }

    /**
     * A page of a finished job's results, in input order.
     *
     * @param limit null: {@value #DEFAULT_JSON_LIMIT} for JSON, everything for CSV (upstream's defaults)
     * @throws BulkException {@code NOT_FOUND}; {@code RUNNING} ("Job &lt;id&gt; is still running, please try again later")
     */
    public JobResults results(long jobId, ResultFormat format, Long limit, long offset) {
        if (limit != null && limit < 0 || offset < 0) {
            throw new IllegalArgumentException("Invalid query string");
        }
        JobRecord job = job(jobId);
        if (!job.completed() && !job.cancelled()) { // a cancelled job's stored results can be fetched
            throw new BulkException(BulkException.Kind.RUNNING,
                    "Job " + jobId + " is still running, please try again later");
        }
        long effective = limit != null ? limit : format == ResultFormat.CSV ? Long.MAX_VALUE : DEFAULT_JSON_LIMIT;
        return new JobResults(store, jobId, format, effective, offset);
    }

    private JobRecord job(long jobId) {
        try {
            return store.job(jobId).orElseThrow(
                    () -> new BulkException(BulkException.Kind.NOT_FOUND, BulkException.ROW_NOT_FOUND));
        } catch (StorageException e) {
            throw new BulkException(BulkException.Kind.FAILED, e.getMessage(), e);
        }
    }

    /** True when jobs can be created (a queue is configured). */
    public boolean available() {
        return dispatcher != null;
    }

    /** Runs the outbox and webhook sweep now (normally periodic); for tests and operators. */
    public void sweep() {
        if (dispatcher != null) {
            dispatcher.sweep();
        }
    }
}

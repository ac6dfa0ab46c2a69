package dev.reacher.server.storage;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where jobs, their items and all verification results live: PostgreSQL for scale-out
 * ({@link PostgresResultStore}), SQLite for one machine ({@link SqliteResultStore}). Thread-safe.
 *
 * <p>Guarantees every implementation gives: a job and all of its items are written in one
 * transaction; at most one result per (job, item) however often it is saved; a job's counters move
 * in the same transaction as its results, so exactly one {@link #saveResults} call reports a job as
 * completed.
 */
public interface ResultStore extends AutoCloseable {

    /** Records the job and its items atomically; returns the new job id. */
    long createJob(NewJob job);

    Optional<JobRecord> job(long jobId);

    /** The most recent jobs first (by id, descending): a page of {@code limit} after {@code offset}. */
    List<JobRecord> jobs(int limit, long offset);

    /**
     * Cancels a job that is not finished: nothing more of it is published, and it is marked finished
     * ({@code finished_at}) with fewer results than addresses, which is what {@link JobRecord#cancelled()}
     * reads. Stored results are kept; tasks already queued are skipped by the workers. A finished job is
     * left as it is.
     *
     * @return the job after the call, or empty when there is no such job
     */
    Optional<JobRecord> cancelJob(long jobId, Instant now);

    /**
     * Stores outcomes in one transaction. Outcomes for a (job, item) that already has one are
     * ignored (redelivery). Single-shot outcomes ({@code jobId} null) are always stored.
     *
     * @return the jobs this call completed (their last item landed here) and the results it ignored
     */
    SaveReport saveResults(List<NewResult> results);

    /** The stored outcome of one job item, if any. */
    Optional<StoredResult> findResult(long jobId, int itemIndex);

    /**
     * Streams a job's outcomes in input order.
     *
     * @param limit at most this many ({@link Long#MAX_VALUE} for all)
     */
    void forEachResult(long jobId, long limit, long offset, Consumer<StoredResult> sink);

    /**
     * Notes that a job item found no proxy budget and waits in the queue until about {@code until};
     * replaces an earlier note for the same item. Not a result: the item is still to be verified.
     */
    void recordBudgetWait(long jobId, int itemIndex, Instant until);

    /** The job's items noted by {@link #recordBudgetWait} that have no result yet. */
    BudgetWait budgetWait(long jobId, Instant now);

    /** Jobs whose items are not all published and whose dispatch lease is free. */
    List<Long> jobsToDispatch(Instant now);

    /** Takes the right to publish a job's items until {@code until}; false if someone else holds it. */
    boolean claimDispatch(long jobId, Instant now, Instant until);

    /** Items with {@code index >= fromIndex}, in order. */
    List<JobItem> items(long jobId, int fromIndex, int limit);

    /**
     * Frees every dispatch lease at once. Only for a database one process owns (SQLite): leases
     * found at start-up belong to a process that is gone, so there is no need to wait them out.
     */
    void releaseDispatchLeases();

    /**
     * Moves the outbox cursor: items before {@code published} are in the queue.
     *
     * @return false when the cursor was already there or beyond: another dispatcher is ahead, or the
     *     job was cancelled (which moves the cursor to the end); the caller then publishes no more
     */
    boolean markPublished(long jobId, int published, Instant leaseUntil);

    /** Completed jobs with a webhook whose "finished" notification is not confirmed sent. */
    List<JobRecord> finishedUnnotified(Instant finishedBefore);

    void markNotified(long jobId, Instant at);

    /** The database, shared with the embedded queue in single-machine mode. */
    Database database();

    @Override
    void close();
}

package dev.reacher.server.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.storage.BudgetWait;
import dev.reacher.server.storage.JobRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The body of {@code GET /v1/bulk/{job_id}}: upstream's fields first, in upstream's order,
 * <pre>{@code
 * {"job_id":1,"created_at":"2024-12-01T10:00:00.123456Z","finished_at":null,"total_records":2,
 *  "total_processed":1,"summary":{"total_safe":1,"total_risky":0,"total_invalid":0,"total_unknown":0},
 *  "job_status":"Running", …}
 * }</pre>
 * then reacher-java's: {@code rate_per_minute} (results per minute since the job was created),
 * {@code estimated_finish_at} (at that rate) and {@code waiting} (in words, why a running job is not
 * done yet). {@code job_status} is also {@code Cancelled} after {@code DELETE /v1/bulk/{job_id}}.
 * Timestamps are RFC 3339 UTC with {@code Z} and 0, 3, 6 or 9 fractional digits (chrono's AutoSi).
 *
 * <p>Two fields are reacher-java's, after upstream's: {@code waiting_for_budget}, the items that
 * found no proxy budget and wait in the queue for it (the job is paused while every remaining item
 * waits), and {@code budget_returns_at}, when the soonest of them is due again (null when none waits
 * or they are being picked up now).
 */
@JsonPropertyOrder({"job_id", "created_at", "finished_at", "total_records", "total_processed", "summary", "job_status",
        "rate_per_minute", "estimated_finish_at", "waiting", "waiting_for_budget", "budget_returns_at"})
public record JobProgress(
        @JsonProperty("job_id") long jobId,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("finished_at") String finishedAt,
        @JsonProperty("total_records") int totalRecords,
        @JsonProperty("total_processed") int totalProcessed,
        @JsonProperty("summary") Summary summary,
        @JsonProperty("job_status") Status jobStatus,
        @JsonProperty("rate_per_minute") Double ratePerMinute,
        @JsonProperty("estimated_finish_at") String estimatedFinishAt,
        @JsonProperty("waiting") String waiting,
        @JsonProperty("waiting_for_budget") int waitingForBudget,
        @JsonProperty("budget_returns_at") String budgetReturnsAt) {

    /** Counts per verdict; error rows are in {@code total_processed} but in none of these. */
    @JsonPropertyOrder({"total_safe", "total_risky", "total_invalid", "total_unknown"})
    public record Summary(
            @JsonProperty("total_safe") int totalSafe,
            @JsonProperty("total_risky") int totalRisky,
            @JsonProperty("total_invalid") int totalInvalid,
            @JsonProperty("total_unknown") int totalUnknown) {}

    public enum Status {
        Running, Completed, Cancelled
    }

    /** A job with nothing waiting for proxy budget (a finished one, for instance). */
    public static JobProgress of(JobRecord job) {
        return of(job, Instant.now(), BudgetWait.NONE);
    }

    /**
     * The progress of {@code job} as seen at {@code now} (rate and estimate depend on it), with
     * {@code wait} the job's items that are waiting in the queue for proxy budget.
     */
    public static JobProgress of(JobRecord job, Instant now, BudgetWait wait) {
        Status status = job.completed() ? Status.Completed : job.cancelled() ? Status.Cancelled : Status.Running;
        String finishedAt = status == Status.Running ? null
                : rfc3339(job.finishedAt() != null ? job.finishedAt() : job.createdAt());
        Instant end = status == Status.Running ? now : job.finishedAt() != null ? job.finishedAt() : now;
        double minutes = Duration.between(job.createdAt(), end).toMillis() / 60_000.0;
        Double rate = job.processed() > 0 && minutes > 0 ? Math.round(job.processed() / minutes * 10) / 10.0 : null;
        String estimate = null;
        String waiting = null;
        BudgetWait budget = status == Status.Running ? wait : BudgetWait.NONE;
        if (status == Status.Running) {
            int remaining = job.totalRecords() - job.processed();
            if (rate != null && rate > 0) {
                estimate = rfc3339(now.plusMillis((long) Math.ceil(remaining / rate * 60_000)).truncatedTo(ChronoUnit.SECONDS));
            }
            int unpublished = job.totalRecords() - job.published();
            if (budget.waiting() > 0 && budget.waiting() >= remaining) {
                waiting = remaining + (remaining == 1 ? " address waits" : " addresses wait")
                        + " for proxy budget" + (budget.returnsAt() != null ? " until " + rfc3339(budget.returnsAt()) : "");
            } else if (unpublished > 0) {
                waiting = unpublished + " of " + remaining + " remaining addresses not yet handed to the workers";
            } else {
                waiting = remaining + (remaining == 1 ? " address is" : " addresses are")
                        + " being verified: waiting on slow mail servers, or on a retry after an unknown result";
            }
        }
        return new JobProgress(job.id(), rfc3339(job.createdAt()), finishedAt, job.totalRecords(), job.processed(),
                new Summary(job.totalSafe(), job.totalRisky(), job.totalInvalid(), job.totalUnknown()), status,
                rate, estimate, waiting, budget.waiting(), rfc3339(budget.returnsAt()));
    }

    /** {@code Instant.toString} already prints 0, 3, 6 or 9 fractional digits, like chrono's AutoSi. */
    static String rfc3339(Instant t) {
        return t == null ? null : t.toString();
    }

    public String toJson() {
        return ReacherJson.write(this);
    }
}

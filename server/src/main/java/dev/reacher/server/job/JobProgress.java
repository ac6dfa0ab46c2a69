package dev.reacher.server.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.storage.JobRecord;
import java.time.Instant;

/**
 * The body of {@code GET /v1/bulk/{job_id}}, field for field as upstream emits it:
 * <pre>{@code
 * {"job_id":1,"created_at":"2024-12-01T10:00:00.123456Z","finished_at":null,"total_records":2,
 *  "total_processed":1,"summary":{"total_safe":1,"total_risky":0,"total_invalid":0,"total_unknown":0},
 *  "job_status":"Running"}
 * }</pre>
 * Timestamps are RFC 3339 UTC with {@code Z} and 0, 3, 6 or 9 fractional digits (chrono's AutoSi).
 */
@JsonPropertyOrder({"job_id", "created_at", "finished_at", "total_records", "total_processed", "summary", "job_status"})
public record JobProgress(
        @JsonProperty("job_id") long jobId,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("finished_at") String finishedAt,
        @JsonProperty("total_records") int totalRecords,
        @JsonProperty("total_processed") int totalProcessed,
        @JsonProperty("summary") Summary summary,
        @JsonProperty("job_status") Status jobStatus) {

    /** Counts per verdict; error rows are in {@code total_processed} but in none of these. */
    @JsonPropertyOrder({"total_safe", "total_risky", "total_invalid", "total_unknown"})
    public record Summary(
            @JsonProperty("total_safe") int totalSafe,
            @JsonProperty("total_risky") int totalRisky,
            @JsonProperty("total_invalid") int totalInvalid,
            @JsonProperty("total_unknown") int totalUnknown) {}

    public enum Status {
        Running, Completed
    }

    public static JobProgress of(JobRecord job) {
        boolean done = job.processed() >= job.totalRecords();
        return new JobProgress(job.id(), rfc3339(job.createdAt()),
                done ? rfc3339(job.finishedAt() != null ? job.finishedAt() : job.createdAt()) : null,
                job.totalRecords(), job.processed(),
                new Summary(job.totalSafe(), job.totalRisky(), job.totalInvalid(), job.totalUnknown()),
                done ? Status.Completed : Status.Running);
    }

    /** {@code Instant.toString} already prints 0, 3, 6 or 9 fractional digits, like chrono's AutoSi. */
    static String rfc3339(Instant t) {
        return t == null ? null : t.toString();
    }

    public String toJson() {
        return ReacherJson.write(this);
    }
}

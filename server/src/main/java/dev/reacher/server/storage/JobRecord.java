package dev.reacher.server.storage;

import java.time.Instant;

/**
 * A bulk job as stored, with its counters (maintained in the same transaction as its results).
 *
 * @param published how many items have been handed to the queue (the outbox cursor)
 * @param finishedAt when the last result landed, or null while running
 * @param webhookJson the job's webhooks, or null
 */
public record JobRecord(long id, int totalRecords, Instant createdAt, int processed, int totalSafe, int totalRisky,
        int totalInvalid, int totalUnknown, Instant finishedAt, int published, String taskTemplateJson,
        String webhookJson) {

    public boolean completed() {
        return processed >= totalRecords;
    }

    /** Finished before every address had a result: cancelled ({@code DELETE /v1/bulk/{id}}). */
    public boolean cancelled() {
        return finishedAt != null && processed < totalRecords;
    }
}

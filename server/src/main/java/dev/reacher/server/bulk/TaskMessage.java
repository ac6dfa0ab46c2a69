package dev.reacher.server.bulk;

import dev.reacher.core.verify.CheckEmailInput;
import java.util.Objects;

/**
 * One verification task as it travels through the queue; {@link TaskCodec} defines the JSON
 * (upstream's {@code CheckEmailTask} plus {@code item}).
 *
 * @param input what to verify; proxy passwords are never part of a message
 * @param job the bulk job, or single-shot
 * @param webhook the job's webhooks, or null
 * @param item the address's position in the job's input (bulk only; null for single-shot and for
 *     messages published by an upstream backend)
 */
public record TaskMessage(CheckEmailInput input, JobRef job, TaskWebhook webhook, Integer item) {
    public TaskMessage {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(job, "job");
    }

    public Long bulkJobId() {
        return job instanceof JobRef.Bulk b ? b.id() : null;
    }
}
